"""Who is signed in: the console session's user, looked up once per request,
and the CSRF tokens that go with sessions and public forms.

Sessions are core (contact_center.accounts.auth): the permission middleware
(contact_center.web.security) checks them on every route that needs one, the
JSON read APIs accept a signed-in supervisor, and the console's views read
the user with `agent_console.security.current_user`.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from contact_center.accounts import CurrentUser, session_user
from contact_center.appkeys import SESSIONMAKER
from contact_center.web.permissions import SUPERVISOR, role_allows

SESSION_COOKIE = "cc142_session"
# Double-submit token for forms shown before there is a session (log-in, citizen forms).
PRESESSION_COOKIE = "cc142_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

# Request storage: the user once looked up (None = no session).
USER: web.RequestKey[CurrentUser | None] = web.RequestKey("cc142_user")


async def load_user(request: web.Request) -> CurrentUser | None:
    """The session's user (looked up once per request), or None."""
    if USER in request:
        return request[USER]
    token = request.cookies.get(SESSION_COOKIE)
    user = None
    if token:
        async with request.app[SESSIONMAKER]() as session:
            user = await session_user(session, token)
    request[USER] = user
    return user


def maybe_user(request: web.Request) -> CurrentUser | None:
    """The signed-in user if the middleware looked one up (session routes always do)."""
    return request.get(USER)


async def submitted_token(request: web.Request) -> str:
    """The CSRF token a state-changing request carries (header, or the form's field)."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()  # cached: the handler reads it again for free
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def same_token(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


async def supervisor_principal(request: web.Request) -> str | None:
    """A signed-in supervisor (or admin) may call the JSON read APIs."""
    user = await load_user(request)
    if user is not None and role_allows(user.role, SUPERVISOR):
        return f"user:{user.username}"
    return None
