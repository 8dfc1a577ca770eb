"""Enforces every route's declared permission: sessions, roles, CSRF.

Views ask for the signed-in user with `current_user(request)`; the
middleware has already refused the request when there is none (or the
role is too low, or a state-changing request lacks its CSRF token).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.services.auth import CurrentUser, session_user
from contact_center.web.api_auth import api_principal, register_api_principal
from contact_center.web.permissions import (
    API,
    PUBLIC,
    SESSION_LEVELS,
    SUPERVISOR,
    UNSAFE_METHODS,
    Permission,
    permission,
    role_allows,
    route_permission,
)

__all__ = ["CurrentUser", "current_user", "maybe_user", "permission", "security_middleware"]

log = logging.getLogger(__name__)

SESSION_COOKIE = "cc142_session"
# Double-submit token for forms shown before there is a session (log-in, citizen forms).
PRESESSION_COOKIE = "cc142_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

# Request storage: the user once looked up (None = no session), a new pre-session token.
_USER: web.RequestKey[CurrentUser | None] = web.RequestKey("cc142_user")
_NEW_PRESESSION = web.RequestKey("cc142_new_presession_token", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def load_user(request: web.Request) -> CurrentUser | None:
    """The session's user (looked up once per request), or None."""
    if _USER in request:
        return request[_USER]
    token = request.cookies.get(SESSION_COOKIE)
    user = None
    if token:
        async with request.app[SESSIONMAKER]() as session:
            user = await session_user(session, token)
    request[_USER] = user
    return user


def maybe_user(request: web.Request) -> CurrentUser | None:
    """The signed-in user if the middleware looked one up (session routes always do)."""
    return request.get(_USER)  # type: ignore[no-any-return]


def current_user(request: web.Request) -> CurrentUser:
    """The signed-in user of a session route (agent/supervisor/admin)."""
    user = request.get(_USER)
    if user is None:
        raise RuntimeError("current_user() on a route without a session permission")
    return user  # type: ignore[no-any-return]


def wants_json(request: web.Request) -> bool:
    if request.path.startswith("/api/") or CSRF_HEADER in request.headers:
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def presession_token(request: web.Request) -> str:
    """The pre-session CSRF token for a public form (set as a cookie by `render`)."""
    token = request.cookies.get(PRESESSION_COOKIE) or request.get(_NEW_PRESESSION)
    if not token:
        token = secrets.token_urlsafe(32)
        request[_NEW_PRESESSION] = token
    return token


def set_presession_cookie(request: web.Request, response: web.StreamResponse) -> None:
    token = request.get(_NEW_PRESESSION)
    if token:
        response.set_cookie(
            PRESESSION_COOKIE, token, httponly=True, samesite="Lax",
            secure=request.app[SETTINGS].secure_cookies, path="/",
        )


def csrf_token_for(request: web.Request) -> str:
    """The token a form on this page must carry."""
    user = maybe_user(request)
    return user.csrf_token if user else presession_token(request)


async def _submitted_token(request: web.Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()  # cached: the handler reads it again for free
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def refuse(request: web.Request, status: int, code: str, message_az: str) -> web.Response:
    if wants_json(request):
        return web.json_response({"error": code, "message": message_az}, status=status)
    from agent_console.layout import render_error  # the layout imports this module

    return render_error(request, status, message_az)


CSRF_MESSAGE = (
    "Formanın təhlükəsizlik açarı yoxdur və ya köhnəlib. Səhifəni yeniləyib yenidən cəhd edin."
)


@web.middleware
async def security_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    match = request.match_info
    if match.http_exception is not None:  # 404 / 405: nothing to protect
        return await handler(request)
    declared: Permission | None = route_permission(request.app, match.route)
    if declared is None:
        # Fail closed: a route someone forgot to declare is not reachable.
        log.error("route %s %s has no declared permission", request.method, match.route.resource)
        return refuse(request, 403, "undeclared_route", "Bu səhifəyə giriş qaydası təyin edilməyib.")
    unsafe = request.method in UNSAFE_METHODS

    if declared.level in SESSION_LEVELS:
        user = await load_user(request)
        if user is None:
            if wants_json(request) or unsafe or request.headers.get("Upgrade", "").lower() == "websocket":
                return refuse(request, 401, "unauthorized", "Sessiya bitib. Yenidən daxil olun.")
            login = request.app.router["console_login"].url_for().with_query(next=request.path_qs)
            return web.Response(status=303, headers={"Location": str(login)})
        if not role_allows(user.role, declared.level):
            return refuse(request, 403, "forbidden", "Bu səhifə sizin rolunuz üçün əlçatan deyil.")
        if unsafe and not _same(await _submitted_token(request), user.csrf_token):
            return refuse(request, 403, "csrf", CSRF_MESSAGE)
        if request.headers.get("Upgrade", "").lower() == "websocket" and not _same_origin(request):
            return refuse(request, 403, "origin", "Başqa saytdan qoşulmaq olmaz.")
    elif declared.level == API:
        await api_principal(request)  # 401 JSON when nobody is recognised
        user = request.get(_USER)
        if unsafe and user is not None and not _same(await _submitted_token(request), user.csrf_token):
            return refuse(request, 403, "csrf", CSRF_MESSAGE)
    elif declared.level == PUBLIC and declared.csrf and unsafe:
        if not _same(await _submitted_token(request), request.cookies.get(PRESESSION_COOKIE, "")):
            return refuse(request, 403, "csrf", CSRF_MESSAGE)
    if unsafe and await _form_has_nul(request):
        # PostgreSQL text cannot hold NUL: one clear refusal for every form.
        return refuse(request, 400, "invalid_input", "Mətndə icazə verilməyən simvol var.")
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


async def supervisor_principal(request: web.Request) -> str | None:
    """Lets a signed-in supervisor (or admin) call the JSON read APIs."""
    user = await load_user(request)
    if user is not None and role_allows(user.role, SUPERVISOR):
        return f"user:{user.username}"
    return None


def setup_security(app: web.Application) -> None:
    app.middlewares.append(security_middleware)
    register_api_principal(app, supervisor_principal)
