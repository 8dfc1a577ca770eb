"""Enforces every route's declared permission (contact_center.web.permissions):
sessions, roles, CSRF, the API token.

The innermost middleware of the chain the app factory builds
(contact_center/app.py), whatever is mounted: a route that declares nothing
is refused; a session route without a session sends a person to the sign-in
page the console registers (SIGN_IN_ROUTE) and answers 401 otherwise; a
state-changing request without its CSRF token is refused. Views then ask
for the user with `agent_console.security.current_user(request)`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from contact_center.appkeys import SIGN_IN_ROUTE
from contact_center.web.api_auth import api_principal
from contact_center.web.error_pages import error_page, wants_json
from contact_center.web.permissions import (
    API,
    PUBLIC,
    SESSION_LEVELS,
    UNSAFE_METHODS,
    Permission,
    role_allows,
    route_permission,
)
from contact_center.web.sessions import (
    PRESESSION_COOKIE,
    load_user,
    maybe_user,
    same_token,
    submitted_token,
)

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSRF_MESSAGE = (
    "Formanın təhlükəsizlik açarı yoxdur və ya köhnəlib. Səhifəni yeniləyib yenidən cəhd edin."
)


async def refuse(request: web.Request, status: int, code: str, message_az: str) -> web.StreamResponse:
    if wants_json(request):
        return web.json_response({"error": code, "message": message_az}, status=status)
    return await error_page(request, status, message_az)


def _sign_in(request: web.Request) -> web.StreamResponse | None:
    """303 to the mounted sign-in page (back here afterwards), if there is one."""
    route = request.app.get(SIGN_IN_ROUTE)
    if route is None:
        return None
    login = request.app.router[route].url_for().with_query(next=request.path_qs)
    return web.Response(status=303, headers={"Location": str(login)})


@web.middleware
async def security_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    match = request.match_info
    if match.http_exception is not None:  # 404 / 405: nothing to protect
        return await handler(request)
    declared: Permission | None = route_permission(request.app, match.route)
    if declared is None:
        # Fail closed: a route someone forgot to declare is not reachable.
        log.error("route %s %s has no declared permission", request.method, match.route.resource)
        return await refuse(request, 403, "undeclared_route", "Bu səhifəyə giriş qaydası təyin edilməyib.")
    unsafe = request.method in UNSAFE_METHODS

    if declared.level in SESSION_LEVELS:
        user = await load_user(request)
        if user is None:
            browser_page = not (
                wants_json(request) or unsafe or request.headers.get("Upgrade", "").lower() == "websocket"
            )
            redirect = _sign_in(request) if browser_page else None
            if redirect is not None:
                return redirect
            return await refuse(request, 401, "unauthorized", "Sessiya bitib. Yenidən daxil olun.")
        if not role_allows(user.role, declared.level):
            return await refuse(request, 403, "forbidden", "Bu səhifə sizin rolunuz üçün əlçatan deyil.")
        if unsafe and not same_token(await submitted_token(request), user.csrf_token):
            return await refuse(request, 403, "csrf", CSRF_MESSAGE)
        if request.headers.get("Upgrade", "").lower() == "websocket" and not _same_origin(request):
            return await refuse(request, 403, "origin", "Başqa saytdan qoşulmaq olmaz.")
    elif declared.level == API:
        await api_principal(request)  # 401 JSON when nobody is recognised
        user = maybe_user(request)
        if unsafe and user is not None and not same_token(await submitted_token(request), user.csrf_token):
            return await refuse(request, 403, "csrf", CSRF_MESSAGE)
    elif declared.level == PUBLIC and declared.csrf and unsafe:
        if not same_token(await submitted_token(request), request.cookies.get(PRESESSION_COOKIE, "")):
            return await refuse(request, 403, "csrf", CSRF_MESSAGE)
    if unsafe and await _form_has_nul(request):
        # PostgreSQL text cannot hold NUL: one clear refusal for every form.
        return await refuse(request, 400, "invalid_input", "Mətndə icazə verilməyən simvol var.")
    return await handler(request)


async def _form_has_nul(request: web.Request) -> bool:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return False
    form = await request.post()  # cached for the handler
    return any(isinstance(v, str) and "\x00" in v for v in form.values())


def _same_origin(request: web.Request) -> bool:
    """Browsers send Origin on WebSocket handshakes; refuse other sites' pages."""
    origin = request.headers.get("Origin")
    if not origin:
        return True  # not a browser
    return origin.split("://", 1)[-1].rstrip("/") == request.host
