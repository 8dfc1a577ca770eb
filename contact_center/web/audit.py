"""The audit trail's view of a request: who is acting and from where."""

from __future__ import annotations

from aiohttp import web

from contact_center.audit import API_TOKEN, Actor
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
