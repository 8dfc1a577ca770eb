"""Read API over call records (API token or a supervisor session)."""

from __future__ import annotations

from aiohttp import web

from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.calls import calls_in_period
from contact_center.timeutil import local_date, parse_date
from contact_center.web.api_auth import api_principal
from contact_center.web.errors import json_error
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


def _int_param(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ValueError(f"'{name}' must be an integer from {lo} to {hi}")
    return int(raw)


@routes.get("/api/v1/calls", name="api_calls")
@permission("api")
async def list_calls(request: web.Request) -> web.Response:
    await api_principal(request)
    tz = request.app[SETTINGS].tz
    try:
        date_from = parse_date(request.query.get("from"), "from")
        date_to = parse_date(request.query.get("to"), "to")
        limit = _int_param(request, "limit", 100, 1, 1000)
        offset = _int_param(request, "offset", 0, 0, 10**9)
    except ValueError as exc:
        return json_error(422, "invalid_input", str(exc))
    if date_to < date_from:
        return json_error(422, "invalid_input", "'to' is before 'from'", field="to")
    async with request.app[SESSIONMAKER]() as session:
        total, calls = await calls_in_period(session, tz, date_from, date_to, limit=limit, offset=offset)
    return web.json_response(
        {
            "total": total,
            "calls": [
                {
                    "id": c.id,
                    "pbx_call_id": c.pbx_call_id,
                    "direction": c.direction,
                    "caller": c.caller,
                    "queue": c.queue,
                    "agent": c.agent,
                    "status": c.status,
                    "local_date": local_date(c.enqueued_at, tz).isoformat() if c.enqueued_at else None,
                    "enqueued_at": c.enqueued_at.isoformat() if c.enqueued_at else None,
                    "answered_at": c.answered_at.isoformat() if c.answered_at else None,
                    "ended_at": c.ended_at.isoformat() if c.ended_at else None,
                    "wait_seconds": c.wait_seconds,
                    "talk_seconds": c.talk_seconds,
                    "transferred": c.transferred,
                }
                for c in calls
            ],
        }
    )
