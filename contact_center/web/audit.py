"""The audit trail's view of a request: who is acting and from where."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web

from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.audit import API_TOKEN, Actor, record_read
from contact_center.privacy.pseudonym import pseudonym
from contact_center.web.api_auth import Principal
from contact_center.web.client import client_address
from contact_center.web.sessions import maybe_user


def request_actor(request: web.Request, principal: Principal | None = None) -> Actor:
    """The signed-in user, else the API token (a read API's principal)."""
    user = maybe_user(request)
    if user is not None:
        return Actor.user(user.id, user.username)
    if principal == API_TOKEN.name:
        return API_TOKEN
    raise RuntimeError("request_actor() on a request with neither a session nor the API token")


def request_address(request: web.Request) -> str:
    return client_address(request)


# A page that refreshes itself (a live transcript) is one view, not one per refresh.
PAGE_VIEW = timedelta(minutes=10)

# Filters that carry a citizen's data: the trail keeps the number's keyed hash, or only that one was given.
_PERSONAL_FILTERS = frozenset({"phone", "citizen_name", "name", "q", "search"})


def filter_details(query: Mapping[str, Any], pseudonym_key: str) -> dict[str, Any]:
    """A list's or an API's filter as the trail may hold it: no number, no name, no free text."""
    out: dict[str, Any] = {}
    for name, value in query.items():
        if value in (None, ""):
            continue
        if name == "phone" and pseudonym_key:
            out[name] = pseudonym(str(value), pseudonym_key)
        elif name in _PERSONAL_FILTERS:
            out[name] = "(given)"
        else:
            out[name] = value if isinstance(value, bool | int | float) else str(value)[:80]
    return out


async def audit_read(
    request: web.Request, action: str, *, object_type: str, object_id: object = None,
    details: Mapping[str, Any] | None = None, principal: str | None = None, once_within: timedelta | None = None,
) -> None:
    """Audit a read made through this request (its own short transaction on the primary)."""
    await record_read(
        request.app[SESSIONMAKER], request_actor(request, principal), action, object_type=object_type,
        object_id=object_id, details=details, address=request_address(request), once_within=once_within,
    )


def request_filter(request: web.Request, query: Mapping[str, Any]) -> dict[str, Any]:
    return filter_details(query, request.app[SETTINGS].pseudonym_key)
