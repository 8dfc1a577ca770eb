"""The console's view helpers: the signed-in user and the CSRF tokens its forms carry.

Every route's permission (sessions, roles, CSRF) is enforced before a view
runs, by the core's middleware (contact_center.web.security) in the chain
the app factory builds; a view of a session route asks for its user with
`current_user(request)`. The names views need from the core are here too.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from contact_center.accounts import CurrentUser
from contact_center.web.client import cookies_secure
from contact_center.web.error_pages import wants_json
from contact_center.web.permissions import permission
from contact_center.web.sessions import CSRF_FIELD, PRESESSION_COOKIE, SESSION_COOKIE, load_user, maybe_user

__all__ = [
    "CSRF_FIELD", "SESSION_COOKIE", "CurrentUser", "csrf_token_for", "current_user", "load_user", "maybe_user",
    "permission", "presession_token", "set_presession_cookie", "wants_json",
]

# A pre-session token made for this response (set as a cookie by `set_presession_cookie`).
_NEW_PRESESSION = web.RequestKey("cc142_new_presession_token", str)


def current_user(request: web.Request) -> CurrentUser:
    """The signed-in user of a session route (agent/supervisor/admin)."""
    user = maybe_user(request)
    if user is None:
        raise RuntimeError("current_user() on a route without a session permission")
    return user


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
            secure=cookies_secure(request), path="/",
        )


def csrf_token_for(request: web.Request) -> str:
    """The token a form on this page must carry."""
    user = maybe_user(request)
    return user.csrf_token if user else presession_token(request)
