"""GET /api/v1/stats/summary (API token or a supervisor session)."""

from __future__ import annotations

import time

from aiohttp import web

from contact_center.appkeys import ENGINE, SETTINGS
from contact_center.stats.db import read_snapshot
from contact_center.stats.filters import FilterError, parse_filters, parse_period
from contact_center.stats.summary import build_summary, load_labels
from contact_center.web.api_auth import api_principal
from contact_center.web.errors import json_error

routes = web.RouteTableDef()

SUMMARY_PARAMS = frozenset({"from", "to", "channel", "queue", "agent", "direction", "district"})


@routes.get("/api/v1/stats/summary", name="api_stats_summary")
async def stats_summary(request: web.Request) -> web.Response:
    await api_principal(request)
    started = time.perf_counter()
    for name in request.query:
        if name not in SUMMARY_PARAMS:
            return json_error(422, "invalid_input", f"unknown parameter {name!r}", field=name)
    try:
        date_from, date_to = parse_period(request.query)
    except FilterError as exc:
        return json_error(422, "invalid_input", exc.message, field=exc.field)
    settings = request.app[SETTINGS]
    async with read_snapshot(request.app[ENGINE]) as conn:
        labels = await load_labels(conn)
        try:
            filters = parse_filters(request.query, labels.reference())
        except FilterError as exc:
            return json_error(422, "invalid_input", exc.message, field=exc.field)
        data = await build_summary(conn, settings, date_from, date_to, filters, labels=labels)
    response = web.json_response(data)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response
