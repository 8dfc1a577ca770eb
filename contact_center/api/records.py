"""Read APIs over the records (API token or a supervisor session), with the
console lists' filters and an incremental cursor for a data warehouse:

    GET /api/v1/calls | /api/v1/registrations | /api/v1/callbacks | /api/v1/conversations

Two ways to read:

- a period: `from` and `to` (local dates) with `limit`/`offset`, oldest
  first, with `total`;
- changes: `cursor` (`0` the first time, then the `next_cursor` of the last
  answer): every row inserted or changed since, in the order of the
  transactions that wrote them. Each row carries the id of its writer's
  transaction (`change_xid`, migration 0009); rows are served only below
  `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction still in
  progress, so a transaction that commits later can never land behind the
  cursor: nothing is skipped, whatever order transactions commit in. A row
  changed again (an edit, retention, a citizen's erasure) comes again.
  `from`/`to` and the other filters narrow the changes too.

Numbers and names are masked (contact_center.privacy.access): these APIs are
for figures and warehouses, not for calling anybody.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import Date, Select, and_, cast, func, literal_column, select, tuple_
from sqlalchemy.orm import aliased

from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.callbacks import search as callback_search
from contact_center.calls import registration_search, search as call_search
from contact_center.chat import search as chat_search
from contact_center.db.models import Call, Callback, CallRegistration, Conversation, User
from contact_center.db.models.callbacks import CALLBACK_SOURCES
from contact_center.exports import NAME, PHONE, TEXT
from contact_center.privacy import access
from contact_center.ratings import RATING_LABELS
from contact_center.text import ascii_digits
from contact_center.timeutil import parse_date
from contact_center.web.api_auth import api_principal
from contact_center.web.audit import audit_read, request_filter
from contact_center.web.errors import json_error
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

MAX_LIMIT = 1000
EVER = (date(2000, 1, 1), date(2099, 12, 31))  # changes without a period: every record


class ParamError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Query:
    """The query string, read strictly: unknown or malformed parameters are errors."""

    def __init__(self, raw: Mapping[str, str], allowed: set[str]) -> None:
        for name in raw:
            if name not in allowed:
                raise ParamError(name, f"unknown parameter {name!r}")
        self.raw = raw

    def text(self, name: str, max_len: int = 64) -> str | None:
        value = (self.raw.get(name) or "").strip()
        if len(value) > max_len:
            raise ParamError(name, f"'{name}' is longer than {max_len} characters")
        return value or None

    def choice(self, name: str, allowed: Mapping[str, Any] | tuple[str, ...]) -> str | None:
        value = self.text(name)
        if value is not None and value not in allowed:
            raise ParamError(name, f"'{name}' must be one of {', '.join(sorted(allowed))}")
        return value

    def integer(self, name: str, lo: int, hi: int, default: int | None = None) -> int | None:
        raw = self.raw.get(name)
        if raw is None or raw == "":
            return default
        if not ascii_digits(raw) or not lo <= int(raw) <= hi:
            raise ParamError(name, f"'{name}' must be an integer from {lo} to {hi}")
        return int(raw)

    def flag(self, name: str) -> bool:
        return self.choice(name, ("0", "1")) == "1"


@dataclass(frozen=True)
class Cursor:
    xid: int
    id: int

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        if raw == "0":
            return cls(0, 0)
        parts = raw.split("-")
        if len(parts) != 2 or not all(ascii_digits(p) and len(p) <= 19 for p in parts):
            raise ParamError("cursor", "'cursor' must be 0 or a next_cursor this API returned")
        return cls(int(parts[0]), int(parts[1]))

    def __str__(self) -> str:
        return "0" if self.xid == 0 and self.id == 0 else f"{self.xid}-{self.id}"


@dataclass(frozen=True)
class Feed:
    """One list: its filters (the console's), its columns, how rows read."""

    name: str
    table: Any  # the mapped class whose change_xid orders the changes
    order: Any  # the period read's order
    params: set[str]
    filters: Callable[[Query, date, date], Any]
    statement: Callable[[ZoneInfo, Any], Select[Any]]
    keys: tuple[str, ...]
    personal: dict[str, str]


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime | date) else v


def _item(keys: tuple[str, ...], personal: dict[str, str], row: Any) -> dict[str, Any]:
    out = {}
    for key, value in zip(keys, row, strict=True):
        kind = personal.get(key)
        if kind == PHONE and value:
            value = access.mask_phone(value)
        elif kind == NAME and value:
            value = access.mask_name(value)
        elif kind == TEXT and value:
            value = access.mask_numbers_in_text(value)
        out[key] = _iso(value)
    return out


# --- the four lists ------------------------------------------------------------------------
def _calls_filters(q: Query, d_from: date, d_to: date) -> call_search.CallFilters:
    registered = q.choice("registered", ("yes", "no"))
    return call_search.CallFilters(
        d_from, d_to, status=q.choice("status", call_search.STATUS_FILTERS),
        wait_from=q.integer("wait_from", 0, 86_400), wait_to=q.integer("wait_to", 0, 86_400),
        hour=q.integer("hour", 0, 23), queue=q.text("queue"), agent=q.text("agent", 32),
        direction=q.text("direction"), district=q.text("district"),
        registered=None if registered is None else registered == "yes",
        survey=q.choice("survey", RATING_LABELS),
    )


def _calls_statement(tz: ZoneInfo, f: call_search.CallFilters) -> Select[Any]:
    reg_user = aliased(User)
    return (
        select(Call.id, Call.pbx_call_id, Call.direction, Call.caller, Call.queue, Call.agent, Call.status,
               cast(func.timezone(tz.key, Call.enqueued_at), Date), Call.enqueued_at, Call.answered_at, Call.ended_at, Call.wait_seconds, Call.talk_seconds,
               Call.transferred, CallRegistration.id, CallRegistration.direction, CallRegistration.district,
               Call.survey_score, literal_column("calls.change_xid"))
        .select_from(Call)
        .outerjoin(CallRegistration, CallRegistration.call_id == Call.id)
        .outerjoin(reg_user, reg_user.id == CallRegistration.agent_id)
        .where(*call_search.call_conditions(tz, f, reg_user))
    )


def _registrations_filters(q: Query, d_from: date, d_to: date) -> registration_search.Filters:
    return registration_search.Filters(
        d_from, d_to, agent_id=q.integer("agent", 1, 2**31 - 1), direction=q.text("direction"),
        district=q.text("district"), outcome=q.text("outcome"), phone=q.text("phone", 32),
        stats=q.flag("stats"), call_type=q.text("call_type"), area=q.choice("area", ("baku", "region")),
        queue=q.text("queue"), extension=q.text("extension", 32),
    )


def _registrations_statement(tz: ZoneInfo, f: registration_search.Filters) -> Select[Any]:
    return (
        select(CallRegistration.id, CallRegistration.call_id, CallRegistration.channel, CallRegistration.agent_id,
               User.display_name, CallRegistration.phone, CallRegistration.citizen_name, CallRegistration.direction,
               CallRegistration.call_type, CallRegistration.district, CallRegistration.outcome, CallRegistration.note,
               CallRegistration.occurred_at, CallRegistration.created_at, CallRegistration.updated_at,
               literal_column("call_registrations.change_xid"))
        .join(User, User.id == CallRegistration.agent_id)
        .where(*registration_search.registration_conditions(tz, f))
    )


def _callbacks_filters(q: Query, d_from: date, d_to: date) -> callback_search.CallbackFilters:
    return callback_search.CallbackFilters(
        d_from, d_to, status=q.choice("status", callback_search.STATUS_FILTERS),
        source=q.choice("source", CALLBACK_SOURCES),
        sla=q.choice("sla", callback_search.SLA_FILTER_LABELS), recovered=q.flag("recovered"),
        agent=q.text("agent", 32), queue=q.text("queue"), direction=q.text("direction"), district=q.text("district"),
    )


def _callbacks_statement(tz: ZoneInfo, f: callback_search.CallbackFilters) -> Select[Any]:
    return (
        select(Callback.id, Callback.phone, Callback.citizen_name, Callback.source, Callback.status,
               Callback.direction, Callback.district, Callback.preferred_time, Callback.note, Callback.created_at,
               Callback.due_at, Callback.claimed_by, Callback.attempts, Callback.closed_at, Callback.registration_id,
               Callback.abandoned_call_id, Callback.conversation_id, literal_column("callbacks.change_xid"))
        .outerjoin(User, User.id == Callback.claimed_by)
        .where(*callback_search.callback_conditions(tz, f))
    )


def _conversations_filters(q: Query, d_from: date, d_to: date) -> chat_search.ConversationFilters:
    return chat_search.ConversationFilters(
        d_from, d_to, channel=q.choice("channel", chat_search.CHAT_CHANNELS),
        handoff=q.choice("handoff", chat_search.HANDOFF_LABELS), abandoned=q.flag("abandoned"),
        csat=q.choice("csat", chat_search.CSAT_LABELS), agent=q.text("agent", 32), queue=q.text("queue"),
        direction=q.text("direction"), district=q.text("district"),
        language=q.choice("language", chat_search.LANGUAGE_LABELS),
    )


def _conversations_statement(tz: ZoneInfo, f: chat_search.ConversationFilters) -> Select[Any]:
    return (
        select(Conversation.id, Conversation.channel, Conversation.status, Conversation.direction,
               Conversation.district, Conversation.urgent, Conversation.handoff_reason, Conversation.created_at,
               Conversation.handoff_at, Conversation.assigned_to, Conversation.first_agent_reply_at,
               Conversation.resolved_at, Conversation.outcome, Conversation.abandoned, Conversation.csat_score,
               literal_column("conversations.change_xid"))
        .where(*chat_search.conversation_conditions(tz, f))
    )


_COMMON = {"from", "to", "limit", "offset", "cursor"}
FEEDS = {
    "calls": Feed("calls", Call, (Call.enqueued_at, Call.id), _COMMON | {
        "status", "wait_from", "wait_to", "hour", "queue", "agent", "direction", "district", "registered",
        "survey"},
        _calls_filters, _calls_statement,
        ("id", "pbx_call_id", "direction", "caller", "queue", "agent", "status", "local_date", "enqueued_at",
         "answered_at",
         "ended_at", "wait_seconds", "talk_seconds", "transferred", "registration_id", "registration_direction",
         "registration_district", "survey_score", "change_xid"), {"caller": PHONE}),
    "registrations": Feed("registrations", CallRegistration, (CallRegistration.occurred_at, CallRegistration.id),
        _COMMON | {"agent", "direction", "district", "outcome", "phone", "stats", "call_type", "area", "queue",
                   "extension"},
        _registrations_filters, _registrations_statement,
        ("id", "call_id", "channel", "agent_id", "agent_name", "phone", "citizen_name", "direction", "call_type",
         "district", "outcome", "note", "occurred_at", "created_at", "updated_at", "change_xid"),
        {"phone": PHONE, "citizen_name": NAME, "note": TEXT}),
    "callbacks": Feed("callbacks", Callback, (Callback.created_at, Callback.id), _COMMON | {
        "status", "source", "sla", "recovered", "agent", "queue", "direction", "district"},
        _callbacks_filters, _callbacks_statement,
        ("id", "phone", "citizen_name", "source", "status", "direction", "district", "preferred_time", "note",
         "created_at", "due_at", "claimed_by", "attempts", "closed_at", "registration_id", "abandoned_call_id",
         "conversation_id", "change_xid"),
        {"phone": PHONE, "citizen_name": NAME, "note": TEXT, "preferred_time": TEXT}),
    "conversations": Feed("conversations", Conversation, (Conversation.created_at, Conversation.id), _COMMON | {
        "channel", "handoff", "abandoned", "csat", "agent", "queue", "direction", "district", "language"},
        _conversations_filters, _conversations_statement,
        ("id", "channel", "status", "direction", "district", "urgent", "handoff_reason", "created_at", "handoff_at",
         "assigned_to", "first_agent_reply_at", "resolved_at", "outcome", "abandoned", "csat_score", "change_xid"),
        {}),
}

WATERMARK = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


async def read_feed(request: web.Request, feed: Feed) -> web.Response:
    principal = await api_principal(request)
    tz = request.app[SETTINGS].tz
    try:
        q = Query(request.query, feed.params)
        limit = q.integer("limit", 1, MAX_LIMIT, 100)
        assert limit is not None
        raw_cursor = request.query.get("cursor")
        cursor = Cursor.parse(raw_cursor) if raw_cursor is not None else None
        if cursor is None or "from" in request.query or "to" in request.query:
            try:
                d_from, d_to = parse_date(request.query.get("from"), "from"), parse_date(request.query.get("to"), "to")
            except ValueError as exc:
                raise ParamError("from" if "'from'" in str(exc) else "to", str(exc)) from None
            if d_to < d_from:
                raise ParamError("to", "'to' is before 'from'")
        else:
            d_from, d_to = EVER
        if cursor is not None and "offset" in request.query:
            raise ParamError("offset", "'offset' pages a period; a cursor read goes on from next_cursor")
        offset = q.integer("offset", 0, 10**9, 0)
        filters = feed.filters(q, d_from, d_to)
    except ParamError as exc:
        return json_error(422, "invalid_input", exc.message, field=exc.field)
    stmt = feed.statement(tz, filters)
    xid = literal_column(f"{feed.table.__tablename__}.change_xid")
    async with request.app[SESSIONMAKER]() as session:
        if cursor is None:
            total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
            rows = (await session.execute(stmt.order_by(*feed.order).limit(limit).offset(offset))).all()
        else:
            # One snapshot for the watermark and the rows (REPEATABLE READ).
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            rows = (await session.execute(
                stmt.where(and_(tuple_(xid, feed.table.id) > tuple_(cursor.xid, cursor.id),
                                xid < literal_column(f"({WATERMARK})")))
                .order_by(xid, feed.table.id).limit(limit)
            )).all()
    if cursor is None:
        await _audit(request, principal, feed, len(rows))
        return web.json_response({"total": total, feed.name: [_item(feed.keys, feed.personal, r) for r in rows]})
    items = [_item(feed.keys, feed.personal, r) for r in rows]
    await _audit(request, principal, feed, len(items))
    last = Cursor(items[-1]["change_xid"], items[-1]["id"]) if items else cursor
    return web.json_response({feed.name: items, "next_cursor": str(last), "has_more": len(items) == limit})


async def _audit(request: web.Request, principal: str, feed: Feed, rows: int) -> None:
    """One `api_read` per request (never per row): the query (personal filters hashed) and the row count."""
    await audit_read(request, "api_read", object_type=feed.name, principal=principal,
                     details={"query": request_filter(request, request.query), "rows": rows})


@routes.get("/api/v1/calls", name="api_calls")
@permission("api")
async def list_calls(request: web.Request) -> web.Response:
    return await read_feed(request, FEEDS["calls"])


@routes.get("/api/v1/registrations", name="api_registrations")
@permission("api")
async def list_registrations(request: web.Request) -> web.Response:
    return await read_feed(request, FEEDS["registrations"])


@routes.get("/api/v1/callbacks", name="api_callbacks")
@permission("api")
async def list_callbacks(request: web.Request) -> web.Response:
    return await read_feed(request, FEEDS["callbacks"])


@routes.get("/api/v1/conversations", name="api_conversations")
@permission("api")
async def list_conversations(request: web.Request) -> web.Response:
    return await read_feed(request, FEEDS["conversations"])


# --- the OpenAPI description (registered by the app factory) ----------------------------------
_TYPES: dict[str, dict[str, Any]] = {
    "id": {"type": "integer"}, "change_xid": {"type": "integer", "description": "the writer's transaction (xid8)"},
    "wait_seconds": {"type": "number", "nullable": True}, "talk_seconds": {"type": "number", "nullable": True},
    "transferred": {"type": "boolean"}, "urgent": {"type": "boolean"}, "abandoned": {"type": "boolean"},
    "attempts": {"type": "integer"}, "csat_score": {"type": "integer", "nullable": True},
    "survey_score": {"type": "integer", "nullable": True},
}
_MASKED = {PHONE: "masked: +994 50 ••• •• 67", NAME: "masked: first letters only", TEXT: "numbers in it masked"}


def _field(key: str, personal: dict[str, str]) -> dict[str, Any]:
    if key in _TYPES:
        return dict(_TYPES[key])
    if key.endswith(("_id", "_to", "_by")) or key == "registration_id":
        return {"type": "integer", "nullable": True}
    if key.endswith("_at"):
        return {"type": "string", "format": "date-time", "nullable": True}
    if key == "local_date":
        return {"type": "string", "format": "date", "nullable": True}
    out: dict[str, Any] = {"type": "string", "nullable": True}
    if key in personal:
        out["description"] = _MASKED[personal[key]]
    return out


def _param(name: str) -> dict[str, Any]:
    if name in ("from", "to"):
        schema: dict[str, Any] = {"type": "string", "format": "date"}
        text = "local date (required without `cursor`; with it, narrows the changes)"
    elif name == "limit":
        schema, text = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}, "rows per answer"
    elif name == "offset":
        schema, text = {"type": "integer", "minimum": 0, "default": 0}, "period reads only"
    elif name == "cursor":
        schema = {"type": "string", "pattern": r"^(0|\d{1,19}-\d{1,19})$"}
        text = "changes since: `0` the first time, then the answer's `next_cursor` (never skips a row)"
    else:
        schema, text = {"type": "string", "maxLength": 64}, "as the console list's filter of the same name"
    return {"name": name, "in": "query", "schema": schema, "description": text}


def openapi_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for name, feed in FEEDS.items():
        schema_name = f"Api{name.capitalize()}Item"
        schemas[schema_name] = {"type": "object", "properties": {k: _field(k, feed.personal) for k in feed.keys}}
        item = {"$ref": f"#/components/schemas/{schema_name}"}
        paths[f"/api/v1/{name}"] = {"get": {
            "operationId": f"api_{name}",
            "summary": f"{name.capitalize()}: a period (from/to, limit/offset) or the changes since a cursor",
            "description": __doc__,
            "security": [{"apiToken": []}],
            "parameters": [_param(p) for p in sorted(feed.params)],
            "responses": {
                "200": {"description": "rows", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        name: {"type": "array", "items": item},
                        "total": {"type": "integer", "description": "period reads: rows in the period"},
                        "next_cursor": {"type": "string", "description": "cursor reads: where to go on from"},
                        "has_more": {"type": "boolean", "description": "cursor reads: ask again at once"}}}}}},
                **{str(c): {"description": d, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}}
                   for c, d in ((401, "missing or wrong credentials"), (422, "invalid input; `field` names it"))},
            },
        }}
    return paths, schemas
