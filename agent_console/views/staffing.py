"""The supervisors' shift plan ("Növbə planı"): for every weekday x hour of a period,
the agents Erlang C needs (with shrinkage) against the agents actually logged in,
as a server-rendered heat map, with the plan's settings in a form
(contact_center/stats/staffing.py; the same figures as GET /api/v1/stats/staffing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, render
from contact_center.appkeys import READS, SETTINGS
from contact_center.stats.staffing import WEEKDAYS, Plan, staffing_plan
from contact_center.timeutil import local_date
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


@dataclass(frozen=True)
class StaffingForm:
    date_from: str
    date_to: str
    target_sl: str
    threshold: str
    shrinkage: str


@dataclass(frozen=True)
class StaffingPage:
    form: StaffingForm
    plan: Plan | None
    error: str | None
    weekdays: tuple[str, ...] = WEEKDAYS

    def shade(self, gap: float, needed: int) -> str:
        """The heat map's class: how far the present agents are from the scheduled ones."""
        if not needed:
            return "hm-idle"
        if gap <= -3:
            return "hm-under2"
        if gap < 0:
            return "hm-under1"
        if gap >= 3:
            return "hm-over"
        return "hm-ok"


def _form(request: web.Request) -> StaffingForm:
    today = local_date(datetime.now(UTC), request.app[SETTINGS].tz)
    # Default: the last four whole weeks (Monday to Sunday).
    last_sunday = today - timedelta(days=today.isoweekday())
    q = request.query
    return StaffingForm(
        date_from=q.get("from") or (last_sunday - timedelta(days=27)).isoformat(),
        date_to=q.get("to") or last_sunday.isoformat(),
        target_sl=q.get("target_sl") or "0.8",
        threshold=q.get("threshold") or str(request.app[SETTINGS].service_level_seconds),
        shrinkage=q.get("shrinkage") or "0.3",
    )


@routes.get("/console/staffing", name="console_staffing")
@permission("supervisor")
async def staffing_page(request: web.Request) -> web.Response:
    form = _form(request)
    try:
        date_from, date_to = date.fromisoformat(form.date_from), date.fromisoformat(form.date_to)
        options = {"target_sl": float(form.target_sl), "threshold": float(form.threshold),
                   "shrinkage": float(form.shrinkage)}
    except ValueError:
        return render(request, "staffing.html", StaffingPage(form, None, "Tarixlər İİİİ-AA-GG, digərləri ədəd olmalıdır."),
                      title="Növbə planı", status=422)
    try:
        async with request.app[READS].snapshot() as snap:
            conn = snap.conn
            plan = await staffing_plan(conn, request.app[SETTINGS].tz, date_from, date_to, **options)
    except ValueError:
        return render(request, "staffing.html", StaffingPage(
            form, None, "Dövr ən çoxu bir il ola bilər; hədəf 0 ilə 1 arası (məs. 0.8), itki 0 ilə 1 arası olmalıdır."),
            title="Növbə planı", status=422)
    return render(request, "staffing.html", StaffingPage(form, plan, None), title="Növbə planı")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("staffing", "Növbə planı", "console_staffing", level="supervisor", order=57))
