"""The supervisors' statistics dashboard ("Statistika"): one summary of the
statistics engine for the chosen period and filters, as KPI tiles with the
change against last year and server-rendered SVG charts, each linked to the
records behind it (agent_console/dashboard.py builds them).

The question and the figures are those of GET /api/v1/stats/summary (the
same parameters, read and computed by contact_center.stats.service); this
page renders them as HTML, and a refused question in Azerbaijani."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from aiohttp import web
from markupsafe import Markup

from agent_console import dashboard
from agent_console.dashboard import Tile
from agent_console.drill import Drill
from agent_console.layout import NavItem, add_nav_item, render, url_for
from agent_console.stats_query import CHANNEL_LABELS, PERIODS, error_message, period_label
from agent_console.timing import server_timing
from contact_center.appkeys import READS, SETTINGS
from contact_center.stats.options import known_queues
from contact_center.stats.params import FILTER_PARAMS, PARAMS, QueryError, StatsQuery
from contact_center.stats.service import StatsUnavailable, read_query, summarize
from contact_center.stats.summary import Labels, load_labels
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


@dataclass(frozen=True)
class FilterChoices:
    channels: dict[str, str]
    directions: dict[str, str]
    baku_districts: list[tuple[str, str]]
    region_districts: list[tuple[str, str]]
    agents: dict[str, str]  # extension -> name
    queues: list[str]


@dataclass(frozen=True)
class AgentRow:
    extension: str
    name: str
    answered: int
    aht: str
    registered: int
    calls_url: str | None
    registrations_url: str | None


@dataclass(frozen=True)
class DashboardPage:
    query: StatsQuery | None
    period_label: str
    values: dict[str, str]  # the form as submitted
    errors: dict[str, str]
    periods: dict[str, str]
    period_links: dict[str, str]
    choices: FilterChoices
    tiles: list[Tile] = field(default_factory=list)
    charts: dict[str, Markup] = field(default_factory=dict)
    agents: list[AgentRow] = field(default_factory=list)
    yoy_label: str = ""
    filter_labels: list[str] = field(default_factory=list)
    report_url: str = ""
    server_ms: float = 0.0


def _choices(labels: Labels, queues: list[str]) -> FilterChoices:
    baku = [(c, label) for c, label in labels.district.items() if labels.district_area.get(c) == "baku"]
    regions = [(c, label) for c, label in labels.district.items() if labels.district_area.get(c) != "baku"]
    return FilterChoices(CHANNEL_LABELS, labels.direction, baku, regions, labels.agent, queues)


def _filter_labels(q: StatsQuery, labels: Labels) -> list[str]:
    f = q.filter_params()
    out = []
    if "channel" in f:
        out.append(f"Kanal: {CHANNEL_LABELS.get(f['channel'], f['channel'])}")
    if "queue" in f:
        out.append(f"Növbə: {f['queue']}")
    if "direction" in f:
        out.append(f"İstiqamət: {labels.direction.get(f['direction'], f['direction'])}")
    if "district" in f:
        out.append(f"Rayon: {labels.district.get(f['district'], f['district'])}")
    if "agent" in f:
        out.append(f"Operator: {labels.agent.get(f['agent'], f['agent'])} ({f['agent']})")
    return out


def _agent_rows(summary: dict[str, Any], drill: Drill) -> list[AgentRow]:
    return [
        AgentRow(a["agent"], a["name"] or a["agent"], a["answered"], dashboard.text(a["aht_seconds"], "seconds"),
                 a["registered"], drill.calls(agent=a["agent"], status="answered") if a["answered"] else None,
                 drill.registrations(extension=a["agent"]) if a["registered"] else None)
        for a in summary["calls"]["per_agent"]
    ]


@routes.get("/console/stats", name="console_stats")
@permission("supervisor")
@server_timing
async def stats_dashboard(request: web.Request) -> web.Response:
    started = time.perf_counter()
    settings = request.app[SETTINGS]
    query: StatsQuery | None = None
    summary: dict[str, Any] | None = None
    errors: dict[str, str] = {}
    status = 200
    async with request.app[READS].snapshot() as snap:
        conn = snap.conn
        labels = await load_labels(conn)
        queues = await known_queues(conn)
        try:
            query = await read_query(conn, settings, request.query, labels=labels)
            # the dashboard shows calls.per_agent (rollups), not agents.per_agent (records)
            summary = await summarize(conn, settings, query, labels=labels, with_agents=False)
        except QueryError as exc:
            errors[exc.field] = error_message(exc)
            status = 422
        except StatsUnavailable:
            errors["period"] = ("Statistika ilk dəfə hazırlanır: hələlik 62 günə qədər dövr seçmək olar. "
                                "Bir az sonra yenidən baxın.")
            status = 503
    if query is not None:
        values = {"period": query.period, "from": query.date_from.isoformat(), "to": query.date_to.isoformat(),
                  **query.filter_params()}
        keep = query.filter_params()
    else:  # the form as typed
        values = {k: str(request.query.get(k) or "").strip() for k in PARAMS}
        keep = {k: values[k] for k in FILTER_PARAMS if values[k]}
    page = DashboardPage(
        query=query, period_label=period_label(query) if query else "", values=values, errors=errors,
        periods=PERIODS,
        period_links={k: url_for(request, "console_stats", query={"period": k, **keep})
                      for k in PERIODS if k != "custom"},
        choices=_choices(labels, queues),
    )
    if summary is not None and query is not None:
        drill = Drill(request, query.date_from, query.date_to, query.filter_params())
        yoy_from, yoy_to = (date.fromisoformat(summary["yoy"][k]) for k in ("from", "to"))
        page = replace(
            page,
            tiles=dashboard.tiles(summary, drill),
            charts=dashboard.all_charts(summary, drill),
            agents=_agent_rows(summary, drill),
            yoy_label=f"{yoy_from:%d.%m.%Y} – {yoy_to:%d.%m.%Y}",
            filter_labels=_filter_labels(query, labels),
            report_url=url_for(request, "console_report_monthly", query={"month": f"{query.date_to:%Y-%m}"}),
            server_ms=round((time.perf_counter() - started) * 1000, 1),
        )
    return render(request, "stats/dashboard.html", page, title="Statistika", status=status)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("stats", "Statistika", "console_stats", level="supervisor", order=50))
