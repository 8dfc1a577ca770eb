"""Public callback requests: `POST /api/v1/callbacks` (the web form's JS, the bot, partners),
and `GET /api/v1/reference/districts`: the districts a callback may name, as the
admins edit them (the bot's callback form matches against this list).

    {"phone": "050 123 45 67", "name": "...", "district": "baku_nesimi",
     "direction": "employment", "preferred_time": "after 15:00", "source": "web"|"bot"}

201 {"id", "due_at"}; 200 with "existing": true when the number already has an
open callback (the request enriches it); 422 {"error", "field", "message"};
429 with Retry-After when the IP or the phone number asked too often.
"""

from __future__ import annotations

import json

from aiohttp import web

from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.callbacks import CallbackInputError, check_callback_request, create_callback, rate_limits
from contact_center.ratelimit import Verdict, hit
from contact_center.reference.lists import active_districts
from contact_center.web.client import client_address
from contact_center.web.errors import json_error
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

MAX_BODY = 16 * 1024


def _limited(verdict: Verdict, what: str) -> web.Response:
    response = json_error(
        429, "rate_limited", f"too many callback requests from this {what}; try again later",
        retry_after=verdict.retry_after_seconds,
    )
    response.headers["Retry-After"] = str(verdict.retry_after_seconds)
    return response


@routes.get("/api/v1/reference/districts", name="api_reference_districts")
@permission("public")
async def districts(request: web.Request) -> web.Response:
    """Public (the names of districts are no secret); never cached, so an admin's edit
    reaches the bot at its next refresh."""
    async with request.app[SESSIONMAKER]() as session:
        rows = await active_districts(session)
    return web.json_response({"districts": rows}, headers={"Cache-Control": "no-cache"})


@routes.post("/api/v1/callbacks", name="api_callbacks_create")
@permission("public")
async def create(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    sessionmaker = request.app[SESSIONMAKER]
    ip_limit, phone_limit = rate_limits(settings)
    # Each limit is counted in its own short transaction, before the work,
    # so refused requests count too.
    async with sessionmaker.begin() as session:
        verdict = await hit(session, ip_limit, client_address(request))
    if not verdict.allowed:
        return _limited(verdict, "address")
    if request.content_length is not None and request.content_length > MAX_BODY:
        return json_error(413, "too_large", f"the body must be at most {MAX_BODY} bytes")
    try:
        payload = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return json_error(400, "invalid_json", "the body is not valid JSON")
    source = payload.get("source", "web") if isinstance(payload, dict) else "web"
    if source not in ("web", "bot"):
        return json_error(422, "invalid_input", "'source' must be 'web' or 'bot'", field="source")
    try:
        async with sessionmaker() as session:
            req = await check_callback_request(session, payload)
    except CallbackInputError as exc:
        return json_error(422, "invalid_input", exc.message, field=exc.field)
    async with sessionmaker.begin() as session:
        verdict = await hit(session, phone_limit, req.phone)
    if not verdict.allowed:
        return _limited(verdict, "phone number")
    async with sessionmaker.begin() as session:
        created = await create_callback(
            session, settings, phone=req.phone, source=source, citizen_name=req.citizen_name,
            district=req.district, direction=req.direction, preferred_time=req.preferred_time, note=req.note,
        )
    body = {"id": created.id, "due_at": created.due_at.isoformat()}
    if not created.created:
        return web.json_response(body | {"existing": True}, status=200)
    return web.json_response(body, status=201)
