"""The records behind the figures (the dashboard's drill-down), paged and filterable:
PBX calls, chat conversations and callback requests of a period, selected as
the statistics count them (agent_console/drill.py builds the links). Registered
calls use the registrations list (/console/calls, `stats=1`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web

from agent_console.exporting import export_list, wants_export
from agent_console.layout import render, url_for
from agent_console.pager import page_links
from agent_console.timing import server_timing
from contact_center.appkeys import READS, SETTINGS
from contact_center.callbacks import CallbackFilters, CallbackRow, search_callbacks
from contact_center.callbacks import search as callbacks_search
from contact_center.callbacks.queue import SOURCE_LABELS
from contact_center.callbacks.search import STATUS_FILTER_LABELS as CALLBACK_STATUS_LABELS
from contact_center.callbacks.search import SLA_FILTER_LABELS
from contact_center.calls import CallFilters, CallRow, search_calls
from contact_center.calls import search as calls_search
from contact_center.calls.search import STATUS_FILTER_LABELS
from contact_center.ratings import RATING_LABELS
from contact_center.chat import ConversationFilters, ConversationRow, search_conversations
from contact_center.chat.conversation_rows import CHANNEL_LABELS
from contact_center.chat import search as chat_search
from contact_center.chat.search import CHAT_CHANNELS, CSAT_LABELS, HANDOFF_LABELS, LANGUAGE_LABELS
from contact_center.db.models.callbacks import CALLBACK_SOURCES
from contact_center.paging import Page
from contact_center.reference import lists as reference
from contact_center.reference.lists import Choices
from contact_center.text import ascii_digits
from contact_center.timeutil import local_date
from contact_center.web.permissions import permission

routes = web.RouteTableDef()
PER_PAGE = 50
CHOOSE = "Siyahıdan seçin."


class _Form:
    """Reads a list's query string; collects Azerbaijani messages for what is wrong."""

    def __init__(self, query: Mapping[str, str], today: date) -> None:
        self.q = query
        self.today = today
        self.errors: dict[str, str] = {}

    def text(self, name: str, limit: int = 64) -> str | None:
        return (self.q.get(name) or "").strip()[:limit] or None

    def day(self, name: str, default: date) -> date:
        raw = (self.q.get(name) or "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = "Tarixi İİİİ-AA-GG formatında yazın."
            return default

    def period(self) -> tuple[date, date]:
        date_from = self.day("from", self.today)
        date_to = self.day("to", date_from)
        if date_to < date_from:
            self.errors["to"] = "Son tarix başlanğıc tarixindən əvvəl ola bilməz."
            date_to = date_from
        return date_from, date_to

    def choice(self, name: str, allowed: Mapping[str, str] | tuple[str, ...]) -> str | None:
        raw = self.text(name)
        if raw is not None and raw not in allowed:
            self.errors[name] = CHOOSE
            return None
        return raw

    def seconds(self, name: str, hi: int = 86_400) -> int | None:
        raw = self.text(name)
        if raw is None:
            return None
        if not ascii_digits(raw) or int(raw) > hi:
            self.errors[name] = f"0 ilə {hi} arasında tam ədəd yazın."
            return None
        return int(raw)

    def page(self) -> int:
        raw = self.q.get("page", "1")
        return max(1, int(raw)) if ascii_digits(raw) and 0 < len(raw) < 7 else 1


def _today(request: web.Request) -> date:
    return local_date(datetime.now(UTC), request.app[SETTINGS].tz)


def _dashboard_link(request: web.Request, args: dict[str, Any]) -> str:
    keep = {k: args.get(k) for k in ("from", "to", "queue", "agent", "direction", "district", "language")}
    return url_for(request, "console_stats", query={"period": "custom", **keep})


@dataclass(frozen=True)
class RecordsPage:
    choices: Choices
    args: dict[str, Any]  # the filters as query parameters
    errors: dict[str, str]
    result: Page[CallRow] | Page[ConversationRow] | Page[CallbackRow]
    page_links: dict[str, str | None]
    dashboard_url: str
    options: dict[str, Mapping[str, str]]
    supervises: bool = True  # these lists are the supervisors' (unmasked export with a reason)


# --- PBX calls -----------------------------------------------------------------------------
@routes.get("/console/pbx-calls", name="console_pbx_calls")
@permission("supervisor")
@server_timing
async def pbx_calls(request: web.Request) -> web.Response:
    form = _Form(request.query, _today(request))
    date_from, date_to = form.period()
    hour = form.seconds("hour", 23)
    registered = form.choice("registered", ("yes", "no"))
    filters = CallFilters(
        date_from, date_to, status=form.choice("status", STATUS_FILTER_LABELS),
        wait_from=form.seconds("wait_from"), wait_to=form.seconds("wait_to"), hour=hour,
        queue=form.text("queue"), agent=form.text("agent", 32), direction=form.text("direction"),
        district=form.text("district"), registered=None if registered is None else registered == "yes",
        survey=form.choice("survey", RATING_LABELS), page=form.page(),
    )
    if wants_export(request):
        return await export_list(request, list_name="pbx_calls", filename=f"zengler-{date_from}-{date_to}",
                                 title="Zənglər", filters=filters.query_args(), errors=form.errors,
                                 columns=calls_search.EXPORT_COLUMNS,
                                 statement=calls_search.export_statement(request.app[SETTINGS].tz, filters))
    async with request.app[READS].session() as session:
        choices = await reference.choices(session)
        result = await search_calls(session, request.app[SETTINGS].tz, filters, per_page=PER_PAGE)
    args = filters.query_args()
    page = RecordsPage(choices, args, form.errors, result,
                       page_links(request, "console_pbx_calls", args, result),
                       _dashboard_link(request, args),
                       {"status": STATUS_FILTER_LABELS, "registered": {"yes": "Bəli", "no": "Xeyr"},
                        "survey": RATING_LABELS})
    return render(request, "records/calls.html", page, title="Zənglər (PBX)", status=422 if form.errors else 200)


# --- chat conversations ----------------------------------------------------------------------
@routes.get("/console/conversations", name="console_conversations")
@permission("supervisor")
@server_timing
async def conversations(request: web.Request) -> web.Response:
    form = _Form(request.query, _today(request))
    date_from, date_to = form.period()
    filters = ConversationFilters(
        date_from, date_to, channel=form.choice("channel", CHAT_CHANNELS),
        handoff=form.choice("handoff", HANDOFF_LABELS), abandoned=request.query.get("abandoned") == "1",
        csat=form.choice("csat", CSAT_LABELS), agent=form.text("agent", 32), queue=form.text("queue"),
        direction=form.text("direction"), district=form.text("district"),
        language=form.choice("language", LANGUAGE_LABELS), page=form.page(),
    )
    if wants_export(request):
        return await export_list(request, list_name="conversations", filename=f"sohbetler-{date_from}-{date_to}",
                                 title="Söhbətlər", filters=filters.query_args(), errors=form.errors,
                                 columns=chat_search.EXPORT_COLUMNS,
                                 statement=chat_search.export_statement(request.app[SETTINGS].tz, filters))
    async with request.app[READS].session() as session:
        choices = await reference.choices(session)
        result = await search_conversations(session, request.app[SETTINGS].tz, filters, per_page=PER_PAGE)
    args = filters.query_args()
    page = RecordsPage(choices, args, form.errors, result,
                       page_links(request, "console_conversations", args, result),
                       _dashboard_link(request, args),
                       {"channel": {c: CHANNEL_LABELS[c] for c in CHAT_CHANNELS}, "handoff": HANDOFF_LABELS,
                        "csat": CSAT_LABELS, "language": LANGUAGE_LABELS})
    return render(request, "records/conversations.html", page, title="Söhbətlər",
                  status=422 if form.errors else 200)


# --- callback requests -----------------------------------------------------------------------
@routes.get("/console/callback-requests", name="console_callback_requests")
@permission("supervisor")
@server_timing
async def callback_requests(request: web.Request) -> web.Response:
    form = _Form(request.query, _today(request))
    date_from, date_to = form.period()
    filters = CallbackFilters(
        date_from, date_to, status=form.choice("status", CALLBACK_STATUS_LABELS),
        source=form.choice("source", CALLBACK_SOURCES), sla=form.choice("sla", SLA_FILTER_LABELS),
        recovered=request.query.get("recovered") == "1", agent=form.text("agent", 32), queue=form.text("queue"),
        direction=form.text("direction"), district=form.text("district"), page=form.page(),
    )
    if wants_export(request):
        return await export_list(request, list_name="callbacks", filename=f"geri-zengler-{date_from}-{date_to}",
                                 title="Geri zəng sorğuları", filters=filters.query_args(), errors=form.errors,
                                 columns=callbacks_search.EXPORT_COLUMNS,
                                 statement=callbacks_search.export_statement(request.app[SETTINGS].tz, filters))
    async with request.app[READS].session() as session:
        choices = await reference.choices(session)
        result = await search_callbacks(session, request.app[SETTINGS].tz, filters, per_page=PER_PAGE)
    args = filters.query_args()
    page = RecordsPage(choices, args, form.errors, result,
                       page_links(request, "console_callback_requests", args, result),
                       _dashboard_link(request, args),
                       {"status": CALLBACK_STATUS_LABELS, "source": {s: SOURCE_LABELS.get(s, s) for s in CALLBACK_SOURCES},
                        "sla": SLA_FILTER_LABELS})
    return render(request, "records/callbacks.html", page, title="Geri zəng sorğuları",
                  status=422 if form.errors else 200)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
