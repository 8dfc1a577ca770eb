"""PBX adapter: call events (JSON) and Asterisk queue_log (text), HMAC-signed."""

from __future__ import annotations

import json

from aiohttp import web

from contact_center.appkeys import ENGINE, METRICS, PBX_BATCHER, SETTINGS
from contact_center.accounts.agent_states import AgentEventIn, record_agent_events
from contact_center.calls import PbxEventIn, parse_lines, record, summarise
from contact_center.db.driver import driver_transaction
from contact_center.web.body_limits import JsonBodyError, parse_json
from contact_center.web.errors import InputError, json_error
from contact_center.web.permissions import permission
from contact_center.web.signatures import verify_sha256
from webhooks.pbx_payload import parse_events

routes = web.RouteTableDef()


SIGNATURE_HEADER = "X-Signature-256"


async def _signed_body(request: web.Request, source: str) -> bytes:
    body = await request.read()
    secret = request.app[SETTINGS].pbx_webhook_secret
    if not verify_sha256(secret, body, request.headers.get(SIGNATURE_HEADER)):
        request.app[METRICS].refuse_pbx(source, "signature")
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
    body = await _signed_body(request, "events")
    metrics = request.app[METRICS]
    try:
        payload = parse_json(body)
    except JsonBodyError as exc:
        metrics.refuse_pbx("events", "json")
        return exc.response()
    try:
        events = parse_events(payload)
    except InputError as exc:
        # A request is all-or-nothing: every event in it is refused.
        metrics.refuse_pbx("events", "invalid", events=len(payload) if isinstance(payload, list) else 1)
        return exc.response(422)
    # The hottest path: the exchange posts every event. Concurrent requests
    # share a transaction (contact_center/calls/pbx_batcher.py) on the asyncpg driver
    # (contact_center/db/driver.py); each is answered once its events committed.
    calls = [e for e in events if isinstance(e, PbxEventIn)]
    agents = [e for e in events if isinstance(e, AgentEventIn)]
    accepted = duplicates = 0
    if calls:
        counts = await request.app[PBX_BATCHER].ingest(calls)
        accepted, duplicates = counts.accepted, counts.duplicates
    if agents:  # rare (logins and pauses), not worth the group commit
        async with driver_transaction(request.app[ENGINE]) as conn:
            new = await record_agent_events(conn, agents, wrap_up_seconds=request.app[SETTINGS].wrap_up_seconds)
        accepted, duplicates = accepted + new, duplicates + len(agents) - new
    metrics.count_pbx("events", accepted=accepted, duplicates=duplicates)
    return web.json_response({"accepted": accepted, "duplicates": duplicates}, status=202)


@routes.post("/api/v1/pbx/queue-log", name="pbx_queue_log")
@permission("signed")
async def post_queue_log(request: web.Request) -> web.Response:
    body = await _signed_body(request, "queue_log")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        request.app[METRICS].refuse_pbx("queue_log", "encoding")
        return json_error(400, "invalid_encoding", "the queue_log must be UTF-8 text")
    report = parse_lines(text.splitlines())
    settings = request.app[SETTINGS]
    async with driver_transaction(request.app[ENGINE]) as conn:
        result = await record(conn, settings, report.events, source="queue_log", agent_events=report.agent_events)
    summary = summarise(report, result)
    request.app[METRICS].count_pbx("queue_log", accepted=summary.accepted, duplicates=summary.duplicates,
                                   rejected=len(summary.malformed))
    return web.json_response(summary.as_dict(), status=202)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
