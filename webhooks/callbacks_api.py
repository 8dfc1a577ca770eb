"""Public callback requests: `POST /api/v1/callbacks` (the web form's JS, the bot, partners),
and `GET /api/v1/reference/districts`: the districts a callback may name, as the
admins edit them (the bot's callback form matches against this list).

    {"phone": "050 123 45 67", "name": "...", "district": "baku_nesimi",
     "direction": "employment", "preferred_time": "after 15:00"}

The source is the server's to say: a request here is "web" (a "source" in the
body is ignored: a client could otherwise pass its requests off as the bot's).
The limits are the same as the form's and the bot's (count_callback_request).

201 {"id", "due_at"}; 200 with "existing": true when the number already has an
open callback (the request enriches it); 422 {"error", "field", "message"};
429 with Retry-After when the IP or the phone number asked too often.
"""

from __future__ import annotations

from aiohttp import web

from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.callbacks import (
    CallbackInputError,
    CallbackLimited,
    check_callback_request,
    count_callback_request,
    create_callback,
)
from contact_center.web.body_limits import JsonBodyError, read_json
from contact_center.reference.lists import active_districts
from contact_center.web.client import client_address
from contact_center.web.errors import json_error
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

SOURCE = "web"


def _limited(limited: CallbackLimited) -> web.Response:
    what = "address" if limited.what == "client" else "phone number"
    response = json_error(
        429, "rate_limited", f"too many callback requests from this {what}; try again later",
        retry_after=limited.retry_after_seconds,
    )
    response.headers["Retry-After"] = str(limited.retry_after_seconds)
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
    # Each limit is counted in its own short transaction, before the work,
    # so refused requests count too.
    async with sessionmaker.begin() as session:
        limited = await count_callback_request(session, settings, client=client_address(request))
    if limited is not None:
        return _limited(limited)
    try:
        payload = await read_json(request)  # size: contact_center/web/body_limits.py
    except JsonBodyError as exc:
        return exc.response()
    try:
        async with sessionmaker() as session:
            req = await check_callback_request(session, payload)
    except CallbackInputError as exc:
        return json_error(422, "invalid_input", exc.message, field=exc.field)
    async with sessionmaker.begin() as session:
        limited = await count_callback_request(session, settings, phone=req.phone)
    if limited is not None:
        return _limited(limited)
    async with sessionmaker.begin() as session:
        created = await create_callback(
            session, settings, phone=req.phone, source=SOURCE, citizen_name=req.citizen_name,
            district=req.district, direction=req.direction, preferred_time=req.preferred_time, note=req.note,
        )
    body = {"id": created.id, "due_at": created.due_at.isoformat()}
    if not created.created:
        return web.json_response(body | {"existing": True}, status=200)
    return web.json_response(body, status=201)
