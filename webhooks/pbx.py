"""PBX adapter: call events (JSON) and Asterisk queue_log (text), HMAC-signed."""

from __future__ import annotations

import json

from aiohttp import web

from contact_center.appkeys import ENGINE, PBX_BATCHER, SETTINGS
from contact_center.calls import parse_lines, record, summarise
from contact_center.db.driver import driver_transaction
from contact_center.web.errors import InputError, json_error
from contact_center.web.permissions import permission
from contact_center.web.signatures import verify_sha256
from webhooks.pbx_payload import parse_events

routes = web.RouteTableDef()


SIGNATURE_HEADER = "X-Signature-256"


async def _signed_body(request: web.Request) -> bytes:
    body = await request.read()
    secret = request.app[SETTINGS].pbx_webhook_secret
    if not verify_sha256(secret, body, request.headers.get(SIGNATURE_HEADER)):
        raise web.HTTPUnauthorized(
            text=json.dumps(
                {"error": "bad_signature", "message": f"missing or wrong {SIGNATURE_HEADER}"}
            ),
            content_type="application/json",
        )
    return body


@routes.post("/api/v1/pbx/events", name="pbx_events")
@permission("signed")
async def post_events(request: web.Request) -> web.Response:
    body = await _signed_body(request)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return json_error(400, "invalid_json", "the body is not valid JSON")
    try:
        events = parse_events(payload)
    except InputError as exc:
        return exc.response(422)
    # The hottest path: the exchange posts every event. Concurrent requests
    # share a transaction (contact_center/calls/pbx_batcher.py) on the asyncpg driver
    # (contact_center/db/driver.py); each is answered once its events committed.
    counts = await request.app[PBX_BATCHER].ingest(events)
    return web.json_response({"accepted": counts.accepted, "duplicates": counts.duplicates}, status=202)


@routes.post("/api/v1/pbx/queue-log", name="pbx_queue_log")
@permission("signed")
async def post_queue_log(request: web.Request) -> web.Response:
    body = await _signed_body(request)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return json_error(400, "invalid_encoding", "the queue_log must be UTF-8 text")
    report = parse_lines(text.splitlines())
    settings = request.app[SETTINGS]
    async with driver_transaction(request.app[ENGINE]) as conn:
        result = await record(conn, settings, report.events, source="queue_log")
    return web.json_response(summarise(report, result).as_dict(), status=202)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
