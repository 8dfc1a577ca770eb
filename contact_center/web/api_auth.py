"""Who may call the read APIs: a bearer token from CC142_API_TOKEN, or a
signed-in supervisor's session; handlers ask one question: `api_principal()`."""

from __future__ import annotations

import hmac

from aiohttp import web

from contact_center.appkeys import SETTINGS
from contact_center.web.sessions import supervisor_principal

Principal = str


async def bearer_token(request: web.Request) -> Principal | None:
    token = request.app[SETTINGS].api_token
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        if hmac.compare_digest(header[7:].strip().encode(), token.encode()):
            return "api-token"
    return None


async def api_principal(request: web.Request) -> Principal:
    """The caller's identity, or 401 with a JSON body."""
    for resolver in (bearer_token, supervisor_principal):
        who = await resolver(request)
        if who:
            return who
    raise web.HTTPUnauthorized(
        text='{"error":"unauthorized","message":"an API token or a supervisor session is required"}',
        content_type="application/json",
        headers={"WWW-Authenticate": "Bearer"},
    )
