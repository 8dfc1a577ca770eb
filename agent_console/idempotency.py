"""The console's side of submission ids (contact_center/web/idempotency.py).

A middleware of the console mount (inside the permission check, so the user
is known): a POST under /console carrying an `idempotency_key` (form field,
JSON field or `Idempotency-Key` header) acts only the first time. A repeat
gets the first request's redirect (a browser that sent a form twice shows
what the first one led to), or `{"ok": true, "duplicate": true}` for the
page's scripts; while the first is still running, the repeat waits for it
(at most WAIT_SECONDS, then 409).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from agent_console.security import maybe_user, wants_json
from contact_center.appkeys import SESSIONMAKER
from contact_center.web import idempotency

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

WAIT_SECONDS = 5.0
DUPLICATE = "Bu əməliyyat artıq icra olunub (təkrar göndərilmədi)."


async def _submitted_key(request: web.Request) -> str | None:
    raw: Any = request.headers.get(idempotency.HEADER)
    if raw is None and request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return None
        raw = body.get(idempotency.FIELD) if isinstance(body, dict) else None
    elif raw is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw = (await request.post()).get(idempotency.FIELD)
    return idempotency.valid_key(raw)


async def _repeat(request: web.Request, key: str) -> web.StreamResponse:
    sessionmaker = request.app[SESSIONMAKER]
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        async with sessionmaker() as session:
            exists, location = await idempotency.location_of(session, key)
        if location is not None or not exists or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    if wants_json(request):
        if exists or location is not None:
            return web.json_response({"ok": True, "duplicate": True, "message": DUPLICATE})
        return web.json_response({"error": "retry", "message": "Yenidən cəhd edin."}, status=409)
    target = location or request.headers.get("Referer") or "/console"
    return web.Response(status=303, headers={"Location": target})


@web.middleware
async def idempotency_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    user = maybe_user(request)
    if request.method != "POST" or user is None or not request.path.startswith("/console/"):
        return await handler(request)
    key = await _submitted_key(request)
    if key is None:
        return await handler(request)
    sessionmaker = request.app[SESSIONMAKER]
    async with sessionmaker.begin() as session:
        first = await idempotency.claim(session, key, user.id)
    if not first:
        return await _repeat(request, key)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        await _settle(request, key, exc)
        raise
    except BaseException:
        async with sessionmaker.begin() as session:
            await idempotency.release(session, key)
        raise
    await _settle(request, key, response)
    return response


async def _settle(request: web.Request, key: str, response: web.StreamResponse) -> None:
    """Keep the claim of an action that happened (and where it led); give back a failed one."""
    async with request.app[SESSIONMAKER].begin() as session:
        if response.status >= 400:
            await idempotency.release(session, key)
        else:
            await idempotency.remember(session, key, response.headers.get("Location", ""))
