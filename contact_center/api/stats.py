"""GET /api/v1/stats/summary, /api/v1/stats/report and /api/v1/stats/staffing (API token
or a supervisor session)."""

from __future__ import annotations

import time

import orjson
from aiohttp import web

from contact_center.appkeys import READS, SETTINGS
from contact_center.stats.params import QueryError
from contact_center.stats.report.files import CONTENT_TYPES, chunks, default_name
from contact_center.stats.report.format import report_json
from contact_center.stats.report.model import build_report, parse_month
from contact_center.stats.service import StatsUnavailable, summary_from_query
from contact_center.stats.staffing import staffing_plan
from contact_center.timeutil import parse_date
from contact_center.web.api_auth import api_principal
from contact_center.web.audit import audit_read
from contact_center.web.errors import json_error
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


def _dumps(data: object) -> str:
    return orjson.dumps(data).decode()  # a year's by-day list is large: the fast encoder


@routes.get("/api/v1/stats/summary", name="api_stats_summary")
@permission("api")
async def stats_summary(request: web.Request) -> web.Response:
    await api_principal(request)
    started = time.perf_counter()
    try:
        async with request.app[READS].snapshot() as snap:
            data = await summary_from_query(snap.conn, request.app[SETTINGS], request.query)
            data.update(snap.freshness())
    except QueryError as exc:
        return json_error(422, "invalid_input", exc.message, field=exc.field)
    except StatsUnavailable:
        return web.json_response(
            {"error": "stats_building", "message": "the statistics are being built for the first time; "
                                                   "periods up to 62 days are available, retry shortly"},
            status=503, headers={"Retry-After": "30"})
    response = web.json_response(data, dumps=_dumps)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def _number(request: web.Request, name: str, default: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"'{name}' must be a number") from None


@routes.get("/api/v1/stats/staffing", name="api_stats_staffing")
@permission("api")
async def stats_staffing(request: web.Request) -> web.Response:
    """Erlang C for every weekday x hour (Baku time) of a period: offered calls per hour,
    handling time, agents needed (and scheduled with shrinkage), agents present."""
    await api_principal(request)
    settings = request.app[SETTINGS]
    for name in request.query:
        if name not in ("from", "to", "target_sl", "threshold", "shrinkage"):
            return json_error(422, "invalid_input", f"unknown parameter {name!r}", field=name)
    try:
        date_from = parse_date(request.query.get("from"), "from")
        date_to = parse_date(request.query.get("to"), "to")
        options = {"target_sl": _number(request, "target_sl", 0.8),
                   "threshold": _number(request, "threshold", settings.service_level_seconds),
                   "shrinkage": _number(request, "shrinkage", 0.0)}
    except ValueError as exc:
        field = str(exc).split("'")[1] if "'" in str(exc) else None
        return json_error(422, "invalid_input", str(exc), field=field)
    try:
        async with request.app[READS].snapshot() as snap:
            conn = snap.conn
            plan = await staffing_plan(conn, settings.tz, date_from, date_to, **options)
    except ValueError as exc:
        return json_error(422, "invalid_input", str(exc))
    return web.json_response(plan.as_dict(), dumps=_dumps)


@routes.get("/api/v1/stats/report", name="api_stats_report")
@permission("api")
async def stats_report(request: web.Request) -> web.StreamResponse:
    """The monthly overview: JSON (the report's tables) or a pdf/xlsx/csv file (audited `export`)."""
    principal = await api_principal(request)
    started = time.perf_counter()
    for name in request.query:
        if name not in ("month", "format"):
            return json_error(422, "invalid_input", f"unknown parameter {name!r}", field=name)
    try:
        month = parse_month(request.query.get("month"))
    except ValueError as exc:
        return json_error(422, "invalid_input", str(exc), field="month")
    kind = request.query.get("format", "json")
    if kind not in ("json", "pdf", "xlsx", "csv"):
        return json_error(422, "invalid_input", "'format' must be json, pdf, xlsx or csv", field="format")
    settings = request.app[SETTINGS]
    async with request.app[READS].snapshot() as snap:
        conn = snap.conn
        report = await build_report(conn, settings, month)
        if kind == "json":
            response = web.json_response({**report_json(report), **snap.freshness()}, dumps=_dumps)
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            return response
        # A download is audited before it starts (its record sheets list registrations).
        await audit_read(request, "export", object_type="monthly_report", principal=principal,
                         details={"month": f"{month:%Y-%m}", "format": kind})
        # Files leave as they are made (the record sheets of a month are long).
        stream = web.StreamResponse(headers={
            "Content-Type": CONTENT_TYPES[kind], "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{default_name(month, kind)}"',
        })
        await stream.prepare(request)
        async for chunk in chunks(conn, report, settings, kind):
            if chunk:
                await stream.write(chunk)
        await stream.write_eof()
        return stream
