"""GET /api/v1/stats/summary (API token or a supervisor session)."""

from __future__ import annotations

import time

from aiohttp import web

from contact_center.appkeys import ENGINE, SETTINGS
from contact_center.stats.db import read_snapshot
from contact_center.stats.filters import FilterError, parse_period
from contact_center.stats.service import check_params, summary_from_query
from contact_center.web.api_auth import api_principal
from contact_center.web.errors import json_error

routes = web.RouteTableDef()


@routes.get("/api/v1/stats/summary", name="api_stats_summary")
async def stats_summary(request: web.Request) -> web.Response:
    await api_principal(request)
    started = time.perf_counter()
    try:
        # Cheap checks before taking a connection.
        check_params(request.query)
        parse_period(request.query)
        async with read_snapshot(request.app[ENGINE]) as conn:
            data = await summary_from_query(conn, request.app[SETTINGS], request.query)
    except FilterError as exc:
        return json_error(422, "invalid_input", exc.message, field=exc.field)
    response = web.json_response(data)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response
