"""The live wallboard for supervisors (a wall screen): calls waiting now and the
longest wait, agents by live state (available, on a call, wrap-up, paused with
the reason, and the time in it, ticking), chats waiting for an agent (urgent first),
callbacks due and overdue, and today's figures.

Each card is a region with its own fragment route, re-fetched by wallboard.js:
on the live events that change it (agent.status, chat.*, callback.*), and on a
timer for what has no event — calls entering the PBX queue are not announced
(nothing is added to the ingest hot path), so the calls card is re-read every
2 seconds with one indexed query (contact_center.calls.search.live_calls).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, render, render_fragment, url_for
from agent_console.timing import server_timing
from contact_center.accounts import AgentPresence, agent_status
from contact_center.accounts.agent_status import STATUS_LABELS
from contact_center.appkeys import READS, SESSIONMAKER, SETTINGS
from contact_center.callbacks import queue as callbacks
from contact_center.callbacks import CallbackRow
from contact_center.calls import LiveCalls, live_calls
from contact_center.chat import ConversationRow, inbox
from contact_center.stats.filters import Filters
from contact_center.stats.report.format import fmt
from contact_center.stats.report.model import Cell
from contact_center.stats.summary import build_summary
from contact_center.timeutil import local_date
from contact_center.web.permissions import permission

routes = web.RouteTableDef()
LIST_LIMIT = 8


def clock(seconds: float | None) -> str:
    """A waiting time as a wall clock reads it: 0:34, 12:05, 1:02:09."""
    if seconds is None:
        return "—"
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class CallsCard:
    live: LiveCalls
    threshold: int  # the service-level seconds: a longer wait is shown in red


@dataclass(frozen=True)
class AgentsCard:
    counts: dict[str, int]
    labels: dict[str, str]
    people: list[AgentPresence]  # everyone not offline, in state order
    now: datetime


@dataclass(frozen=True)
class ChatsCard:
    waiting: int
    urgent: int
    rows: list[ConversationRow]
    late: int = 0  # waiting past CHAT_FIRST_RESPONSE_TARGET_SECONDS


@dataclass(frozen=True)
class CallbacksCard:
    counts: dict[str, int]
    rows: list[CallbackRow]
    now: datetime


@dataclass(frozen=True)
class TodayCard:
    figures: list[tuple[str, str, str]]  # key, label, text


async def _calls(request: web.Request) -> CallsCard:
    async with request.app[SESSIONMAKER]() as session:
        live = await live_calls(session, limit=LIST_LIMIT)
    return CallsCard(live, request.app[SETTINGS].service_level_seconds)


async def _agents(request: web.Request) -> AgentsCard:
    now = datetime.now(UTC)
    async with request.app[SESSIONMAKER]() as session:
        people = await agent_status.presence(session, now)
    counts = {code: sum(1 for p in people if p.status == code) for code in STATUS_LABELS}
    return AgentsCard(counts, STATUS_LABELS, [p for p in people if p.status != "offline"], now)


async def _chats(request: web.Request) -> ChatsCard:
    async with request.app[SESSIONMAKER]() as session:
        rows = await inbox.pending_queue(session)  # urgent first, then the longest waiting
    target = request.app[SETTINGS].chat_first_response_target_seconds
    return ChatsCard(len(rows), sum(1 for r in rows if r.urgent), rows[:LIST_LIMIT],
                     sum(1 for r in rows if (r.waiting_seconds or 0) > target))


async def _callbacks(request: web.Request) -> CallbacksCard:
    now = datetime.now(UTC)
    async with request.app[SESSIONMAKER]() as session:
        counts = await callbacks.queue_counts(session, now=now)
        rows = await callbacks.open_queue(session, limit=LIST_LIMIT)  # the earliest due first
    return CallbacksCard(counts, rows, now)


async def _today(request: web.Request) -> TodayCard:
    settings = request.app[SETTINGS]
    today = local_date(datetime.now(UTC), settings.tz)
    async with request.app[READS].snapshot() as snap:
        conn = snap.conn
        s = await build_summary(conn, settings, today, today, Filters(), with_yoy=False, with_agents=False)
    c = s["calls"]
    return TodayCard([
        ("offered", "Daxil olan", fmt(Cell(c["offered"]))),
        ("answer_rate", "Cavablandırılıb", fmt(Cell(c["answer_rate"], "rate"))),
        ("abandoned", "Cavabsız", fmt(Cell(c["abandoned"]))),
        ("service_level", f"Xidmət səviyyəsi ({c['service_level_seconds']} san)", fmt(Cell(c["service_level"], "rate"))),
        ("asa", "Orta gözləmə (ASA)", fmt(Cell(c["asa_seconds"], "seconds"))),
    ])


Loader = Callable[[web.Request], Awaitable[Any]]
# region -> (loader, partial, live topics that change it, refresh period in ms or 0)
REGIONS: dict[str, tuple[Loader, str, str, int]] = {
    "calls": (_calls, "wallboard/_calls.html", "live.resync", 2000),
    "agents": (_agents, "wallboard/_agents.html", "agent.status,agent.state,live.resync", 30000),
    "chats": (_chats, "wallboard/_chats.html", "chat.conversation,chat.urgent,live.resync", 30000),
    "callbacks": (_callbacks, "wallboard/_callbacks.html", "callback.*,live.resync", 30000),
    "today": (_today, "wallboard/_today.html", "registration.created,live.resync", 5000),
}


@dataclass(frozen=True)
class Region:
    key: str
    template: str
    url: str
    topics: str
    every_ms: int
    data: Any


@routes.get("/console/wallboard", name="console_wallboard")
@permission("supervisor")
@server_timing
async def wallboard(request: web.Request) -> web.Response:
    regions = {
        key: Region(key, template, url_for(request, "console_wallboard_region", region=key), topics, every,
                    await load(request))
        for key, (load, template, topics, every) in REGIONS.items()
    }
    return render(request, "wallboard/board.html", regions, title="Canlı lövhə", clock=clock)


@routes.get("/console/wallboard/{region}", name="console_wallboard_region")
@permission("supervisor")
@server_timing
async def wallboard_region(request: web.Request) -> web.Response:
    entry = REGIONS.get(request.match_info["region"])
    if entry is None:
        raise web.HTTPNotFound()
    load, template, _, _ = entry
    return render_fragment(request, template, card=await load(request), clock=clock)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("wallboard", "Canlı lövhə", "console_wallboard", level="supervisor", order=55))
