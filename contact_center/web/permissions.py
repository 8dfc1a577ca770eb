"""Every route declares who may call it; undeclared routes are refused.

Declare on the handler (the decorator only tags it; order with
`@routes.get(...)` does not matter):

    @routes.get("/console/callbacks", name="console_callbacks")
    @permission("agent")
    async def queue(request): ...

Levels:
    public      anyone (health, citizen pages, the public callback/chat APIs,
                static files). `csrf=True` adds a pre-session double-submit
                token for public forms (the login form, the citizen's form).
    signed      the handler authenticates the body itself (HMAC webhooks).
    api         JSON read APIs: an API bearer token or a signed-in
                supervisor's session, checked before the handler runs.
    agent       any signed-in console user (agent, supervisor, admin).
    supervisor  supervisors and admins.
    admin       admins only.

Session levels (agent/supervisor/admin) check the session's CSRF token on
every state-changing method. The enforcing middleware is
contact_center.web.security, in the chain the app factory builds whatever
is mounted; `tests/console/test_permissions.py` walks the whole router and
fails for any route without a declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute, StaticResource

PUBLIC = "public"
SIGNED = "signed"
API = "api"
AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "admin"

SESSION_LEVELS = (AGENT, SUPERVISOR, ADMIN)
LEVELS = (PUBLIC, SIGNED, API, *SESSION_LEVELS)
# A role may use a route of its own rank or below.
ROLE_RANK = {AGENT: 1, SUPERVISOR: 2, ADMIN: 3}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ATTRIBUTE = "__cc142_permission__"


@dataclass(frozen=True, slots=True)
class Permission:
    level: str
    csrf: bool  # state-changing requests must carry a CSRF token

    @property
    def needs_session(self) -> bool:
        return self.level in SESSION_LEVELS


H = TypeVar("H", bound=Callable[..., Any])


def permission(level: str, *, csrf: bool | None = None) -> Callable[[H], H]:
    """Tag a handler (function or web.View class) with who may call it.

    `csrf` defaults to True for session levels and False otherwise; pass
    `csrf=True` on a public form handler to require the pre-session token.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown permission level {level!r}; use one of {', '.join(LEVELS)}")
    if csrf is False and level in SESSION_LEVELS:
        raise ValueError("session routes always check CSRF")
    declared = Permission(level, level in SESSION_LEVELS if csrf is None else csrf)

    def tag(handler: H) -> H:
        setattr(handler, ATTRIBUTE, declared)
        return handler

    return tag


def add_static(
    app: web.Application, prefix: str, directory: Path, *, name: str, level: str = PUBLIC
) -> web.AbstractResource:
    """Serve a directory (aiohttp's static handler) with a declared permission.

    Static files are served before any session lookup, so only `public`
    is supported: assets must never be secret.
    """
    if level != PUBLIC:
        raise ValueError("static files are public; serve private files from a handler")
    resource = app.router.add_static(prefix, directory, name=name, append_version=True)
    # Tagged like a handler: a directory added with app.router.add_static stays undeclared.
    setattr(resource, ATTRIBUTE, Permission(PUBLIC, False))
    return resource


def route_permission(app: web.Application, route: AbstractRoute) -> Permission | None:
    """The declared permission of a route, or None when it has none."""
    resource = route.resource
    if isinstance(resource, StaticResource):
        declared = getattr(resource, ATTRIBUTE, None)
        return declared if isinstance(declared, Permission) else None
    handler = route.handler
    declared = getattr(handler, ATTRIBUTE, None)
    if declared is None:
        # aiohttp wraps some handlers (e.g. functools.partial); look through them.
        declared = getattr(getattr(handler, "func", None), ATTRIBUTE, None)
    return declared if isinstance(declared, Permission) else None


def role_allows(role: str | None, level: str) -> bool:
    """May a user of `role` use a route of session `level`?"""
    if role is None:
        return False
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[level]
