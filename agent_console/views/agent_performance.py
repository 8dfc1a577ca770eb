"""Per-agent performance for supervisors ("Agentlərin göstəriciləri"): each person's
figures over a period across channels (contact_center/stats/agents.py, the
summary's agents.per_agent[]) next to the same period a year earlier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, render
from contact_center.accounts.agent_status import pause_reasons
from contact_center.appkeys import READS, SESSIONMAKER, SETTINGS
from contact_center.stats.agents import per_agent
from contact_center.stats.summary import year_earlier
from contact_center.timeutil import local_date
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

# column key, Azerbaijani title, kind (seconds | rate | count)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("logged_in_seconds", "Sistemdə", "seconds"),
    ("available_seconds", "Hazır", "seconds"),
    ("on_call_seconds", "Danışıqda", "seconds"),
    ("wrap_up_seconds", "Yekunlaşdırma", "seconds"),
    ("paused_seconds", "Fasilə", "seconds"),
    ("occupancy", "Məşğulluq", "rate"),
    ("calls_answered", "Cavablanan zənglər", "count"),
    ("aht_seconds", "Orta danışıq (AHT)", "seconds"),
    ("registered_rate", "Qeydiyyat faizi", "rate"),
    ("chats_handled", "Çatlar", "count"),
    ("chat_first_response_seconds", "İlk cavab (çat)", "seconds"),
    ("chat_handle_seconds", "Çatın müddəti", "seconds"),
    ("callbacks_completed", "Geri zənglər", "count"),
    ("callback_success_rate", "Geri zəng uğuru", "rate"),
)


@dataclass(frozen=True)
class AgentLine:
    current: dict[str, Any]
    previous: dict[str, Any] | None
    pauses: list[tuple[str, float]]  # reason label, seconds


@dataclass(frozen=True)
class PerformancePage:
    date_from: str
    date_to: str
    previous_from: str
    previous_to: str
    lines: list[AgentLine]
    columns: tuple[tuple[str, str, str], ...]
    error: str | None = None

    @staticmethod
    def show(value: Any, kind: str) -> str:
        if value is None:
            return "—"
        if kind == "rate":
            return f"{value * 100:.1f} %"
        if kind == "seconds":
            s = int(round(value))
            h, rest = divmod(s, 3600)
            m, s = divmod(rest, 60)
            return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
        return str(value)


@routes.get("/console/agents/performance", name="console_agent_performance")
@permission("supervisor")
async def performance(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    today = local_date(datetime.now(UTC), settings.tz)
    raw_from, raw_to = request.query.get("from") or today.replace(day=1).isoformat(), request.query.get("to") or today.isoformat()
    try:
        date_from, date_to = date.fromisoformat(raw_from), date.fromisoformat(raw_to)
        if date_to < date_from or (date_to - date_from).days > 366:
            raise ValueError
    except ValueError:
        page = PerformancePage(raw_from, raw_to, "", "", [], COLUMNS,
                               "Tarixlər İİİİ-AA-GG olmalıdır; son başlanğıcdan əvvəl ola bilməz, dövr ən çoxu bir il.")
        return render(request, "agent_performance.html", page, title="Agentlərin göstəriciləri", status=422)
    prev_from, prev_to = year_earlier(date_from), year_earlier(date_to)
    async with request.app[READS].snapshot() as snap:
        conn = snap.conn
        current = await per_agent(conn, settings.tz, date_from, date_to)
        previous = {a["user_id"]: a for a in await per_agent(conn, settings.tz, prev_from, prev_to)}
    async with request.app[SESSIONMAKER]() as session:
        labels = await pause_reasons(session, active_only=False)
    lines = [
        AgentLine(a, previous.get(a["user_id"]),
                  [(labels.get(code, code), secs) for code, secs in a["paused_by_reason"].items()])
        for a in current
    ]
    page = PerformancePage(date_from.isoformat(), date_to.isoformat(), prev_from.isoformat(), prev_to.isoformat(),
                           lines, COLUMNS)
    return render(request, "agent_performance.html", page, title="Agentlərin göstəriciləri")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("agent_performance", "Agentlərin göstəriciləri", "console_agent_performance",
                              level="supervisor", order=61))
