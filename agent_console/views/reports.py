"""The monthly statistical overview as a printable page ("Statistik icmal — aylıq"):
`build_report()` rendered as HTML, the same structure the PDF, XLSX and CSV
downloads render (GET /api/v1/stats/report, which a supervisor's session
reaches), so the page and the files always agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup

from agent_console import dashboard
from agent_console.drill import Drill
from agent_console.layout import NavItem, add_nav_item, render, url_for
from agent_console.timing import server_timing
from contact_center.appkeys import READS, SETTINGS
from contact_center.stats.report.format import report_json
from contact_center.stats.report.model import build_report, parse_month
from contact_center.stats.rollups import month_end, next_month
from contact_center.timeutil import local_date
from contact_center.web.permissions import permission

routes = web.RouteTableDef()
FORMATS = {"pdf": "PDF", "xlsx": "Excel (XLSX)", "csv": "CSV (zip)"}


@dataclass(frozen=True)
class ReportPage:
    month: str  # YYYY-MM (the picker's value)
    error: str | None
    report: dict[str, Any] | None = None  # report_json(): every cell with its printed text
    downloads: dict[str, str] = field(default_factory=dict)
    prev_url: str = ""
    next_url: str = ""
    charts: dict[str, Markup] = field(default_factory=dict)


def _month_url(request: web.Request, month: date) -> str:
    return url_for(request, "console_report_monthly", query={"month": f"{month:%Y-%m}"})


@routes.get("/console/reports/monthly", name="console_report_monthly")
@permission("supervisor")
@server_timing
async def monthly(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    raw = (request.query.get("month") or "").strip()
    if raw:
        try:
            month = parse_month(raw)
        except ValueError:
            page = ReportPage(raw[:7], "Ayı İİİİ-AA formatında seçin (məsələn, 2024-08).")
            return render(request, "reports/monthly.html", page, title="Statistik icmal — aylıq", status=422)
    else:
        month = local_date(datetime.now(UTC), settings.tz).replace(day=1)
    async with request.app[READS].snapshot() as snap:
        conn = snap.conn
        report = await build_report(conn, settings, month)
    drill = Drill(request, month, month_end(month), {})
    key = f"{month:%Y-%m}"
    page = ReportPage(
        month=key, error=None, report=report_json(report),
        downloads={fmt: url_for(request, "api_stats_report", query={"month": key, "format": fmt}) for fmt in FORMATS},
        prev_url=_month_url(request, (month - timedelta(days=1)).replace(day=1)),
        next_url=_month_url(request, next_month(month)),
        charts={"channels": dashboard.channel_mix(report.monthly, drill),
                "by_direction": dashboard.by_direction(report.monthly, drill),
                "areas": dashboard.baku_regions(report.monthly, drill)},
    )
    return render(request, "reports/monthly.html", page, title=f"Statistik icmal — aylıq ({key})", formats=FORMATS)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("report_monthly", "Aylıq icmal", "console_report_monthly", level="supervisor",
                              order=52))
