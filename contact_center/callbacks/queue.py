"""Callbacks (geri zəng): requests from the web, the bot and abandoned calls;
the agents' queue with claims and attempts.

At most one callback per phone number is open at a time (a partial unique
index); a new request for a number that already waits adds what it knows
to the open one instead of queueing the citizen twice.

Call `create_callback()` from any channel (the public API, the chat bot):

    result = await create_callback(session, settings, phone="050 123 45 67", source="bot",
                                   district="baku_nesimi", direction="employment")
    result.id, result.due_at, result.created   # created=False: one was already open
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import case, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import Callback, CallbackAttempt, Direction, District, User
from contact_center.db.models.callbacks import CALLBACK_SOURCES
from contact_center.events import callback_changed, callback_created, publish
from contact_center.ratelimit import Limit
from contact_center.text import normalize_phone

OPEN_STATUSES = ("open", "claimed")
FAILED_RESULTS = ("no_answer", "busy")
STATUS_LABELS = {
    "open": "Gözləyir",
    "claimed": "Götürülüb",
    "reached": "Əlaqə quruldu",
    "unreachable": "Çatmaq olmadı",
    "cancelled": "Ləğv edilib",
}
SOURCE_LABELS = {
    "web": "Sayt",
    "bot": "Çatbot",
    "abandoned_call": "Buraxılmış zəng",
    "agent": "Operator",
    "facebook": "Facebook",
    "instagram": "Instagram",
}
RESULT_LABELS = {"no_answer": "Cavab vermədi", "busy": "Məşğul idi", "reached": "Əlaqə quruldu"}
MAX_NAME = 200
MAX_PREFERRED = 100
MAX_NOTE = 2000


# --- due time -------------------------------------------------------------------------
def due_time(start: datetime, settings: Settings, minutes: int | None = None) -> datetime:
    """`start` plus CALLBACK_SLA_MINUTES counted only inside working hours (local time).

    A request at 17:30 with a 60-minute SLA and hours 09:00-18:00 is due at
    09:30 on the next working day.
    """
    tz = settings.tz
    remaining = timedelta(minutes=settings.callback_sla_minutes if minutes is None else minutes)
    open_at, close_at = settings.work_hours
    moment = start.astimezone(tz)
    for _ in range(370):  # a year of days is more than any calendar needs
        day = moment.date()
        if day.isoweekday() in settings.work_days:
            day_open = datetime.combine(day, open_at, tzinfo=tz)
            day_close = datetime.combine(day, close_at, tzinfo=tz)
            moment = max(moment, day_open)
            if moment < day_close:
                available = day_close - moment
                if remaining <= available:
                    return (moment + remaining).astimezone(UTC)
                remaining -= available
        moment = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    raise ValueError("no working time found within a year: check CC142_WORK_DAYS")


# --- input ------------------------------------------------------------------------------
class CallbackInputError(ValueError):
    """Bad request data; `field` names it, `message` in English, `message_az` for citizens."""

    def __init__(self, field: str, message: str, message_az: str):
        super().__init__(message)
        self.field = field
        self.message = message
        self.message_az = message_az


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    phone: str
    citizen_name: str | None = None
    district: str | None = None
    direction: str | None = None
    preferred_time: str | None = None
    note: str = ""


def _optional_text(payload: Mapping[str, Any], name: str, limit: int, label_az: str) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CallbackInputError(name, f"'{name}' must be a string", f"{label_az} düzgün deyil.")
    if "\x00" in value:  # PostgreSQL text cannot hold it
        raise CallbackInputError(name, f"'{name}' contains a NUL character", f"{label_az} düzgün deyil.")
    value = " ".join(value.split()) if name != "note" else value.strip()
    if len(value) > limit:
        raise CallbackInputError(
            name, f"'{name}' is longer than {limit} characters", f"{label_az} {limit} simvoldan uzun ola bilməz."
        )
    return value or None


async def check_callback_request(session: AsyncSession, payload: Any) -> CallbackRequest:
    """Validate a request (JSON object or form); raises CallbackInputError naming the field."""
    if not isinstance(payload, Mapping):
        raise CallbackInputError("body", "the body must be a JSON object", "Sorğu düzgün deyil.")
    raw_phone = payload.get("phone")
    if isinstance(raw_phone, int) and not isinstance(raw_phone, bool):
        raw_phone = str(raw_phone)
    if not isinstance(raw_phone, str) or not raw_phone.strip():
        raise CallbackInputError("phone", "'phone' is required", "Telefon nömrənizi yazın.")
    phone = normalize_phone(raw_phone)
    if phone is None:
        raise CallbackInputError(
            "phone",
            "'phone' must be an Azerbaijani number: +994XXXXXXXXX, 0XXXXXXXXX or XXXXXXXXX",
            "Telefon nömrəsi düzgün deyil. Məsələn: 050 123 45 67 və ya +994 50 123 45 67.",
        )
    name = _optional_text(payload, "name", MAX_NAME, "Ad")
    preferred = _optional_text(payload, "preferred_time", MAX_PREFERRED, "Üstünlük verdiyiniz vaxt")
    note = _optional_text(payload, "note", MAX_NOTE, "Qeyd") or ""
    district = _optional_text(payload, "district", 40, "Rayon")
    direction = _optional_text(payload, "direction", 40, "İstiqamət")
    await _check_codes(session, district, direction)
    return CallbackRequest(phone, name, district, direction, preferred, note)


async def _check_codes(session: AsyncSession, district: str | None, direction: str | None) -> None:
    if district is not None:
        ok = await session.scalar(select(District.code).where(District.code == district, District.active.is_(True)))
        if ok is None:
            raise CallbackInputError("district", f"unknown district {district!r}", "Rayonu siyahıdan seçin.")
    if direction is not None:
        ok = await session.scalar(
            select(Direction.code).where(Direction.code == direction, Direction.active.is_(True))
        )
        if ok is None:
            raise CallbackInputError("direction", f"unknown direction {direction!r}", "İstiqaməti siyahıdan seçin.")


# --- creating -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CallbackCreated:
    id: int
    due_at: datetime
    created: bool  # False: the number already had an open callback (now enriched)


async def create_callback(
    session: AsyncSession,
    settings: Settings,
    *,
    phone: str,
    source: str,
    citizen_name: str | None = None,
    district: str | None = None,
    direction: str | None = None,
    preferred_time: str | None = None,
    note: str = "",
    conversation_id: int | None = None,
    abandoned_call_id: int | None = None,
    now: datetime | None = None,
) -> CallbackCreated:
    """Queue a callback (or add to the one already open for this number).

    `phone` may be in any form normalize_phone accepts; a bad number or an
    unknown (or inactive) district or direction code raises CallbackInputError.
    """
    if source not in CALLBACK_SOURCES:
        raise ValueError(f"unknown callback source {source!r}")
    normalized = normalize_phone(phone)
    if normalized is None:
        raise CallbackInputError("phone", "'phone' must be an Azerbaijani number", "Telefon nömrəsi düzgün deyil.")
    await _check_codes(session, district, direction)
    now = now or datetime.now(UTC)
    table = Callback.__table__
    statement = pg_insert(Callback).values(
        phone=normalized, citizen_name=citizen_name, district=district, direction=direction,
        preferred_time=preferred_time, note=note or "", source=source, status="open",
        due_at=due_time(now, settings), attempts=0, conversation_id=conversation_id,
        abandoned_call_id=abandoned_call_id, created_at=now,
    )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.phone],
        # A literal predicate: with bound parameters PostgreSQL's generic plan
        # (used after five executions) cannot match the partial unique index.
        index_where=text("status IN ('open','claimed')"),
        set_={
            "citizen_name": func.coalesce(table.c.citizen_name, excluded.citizen_name),
            "district": func.coalesce(table.c.district, excluded.district),
            "direction": func.coalesce(table.c.direction, excluded.direction),
            "preferred_time": func.coalesce(excluded.preferred_time, table.c.preferred_time),
            "note": func.concat_ws("\n", func.nullif(table.c.note, ""), func.nullif(excluded.note, "")),
            "conversation_id": func.coalesce(table.c.conversation_id, excluded.conversation_id),
        },
    ).returning(table.c.id, table.c.due_at, literal_column("xmax = 0"))  # xmax 0: a fresh row
    new_id, due_at, created = (await session.execute(statement)).one()
    if created:
        await publish(session, callback_created(new_id, source, due_at))
    return CallbackCreated(new_id, due_at, bool(created))


# The abandoned-call rule, in one statement on the PBX ingest path: a callback for
# each abandoned call that never had one, unless the number already has one open.
_ABANDONED_SQL = """
WITH src AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS s(call_id, phone, due_at)
), ins AS (
    INSERT INTO callbacks (phone, note, source, status, due_at, attempts, abandoned_call_id)
    SELECT s.phone, '', 'abandoned_call', 'open', s.due_at, 0, s.call_id
    FROM src s JOIN calls c ON c.id = s.call_id
    WHERE c.direction = 'inbound'
      AND NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.abandoned_call_id = s.call_id)
    ON CONFLICT (phone) WHERE status IN ('open','claimed') DO NOTHING
    RETURNING id, due_at
)
SELECT id, due_at FROM ins ORDER BY id
"""


async def create_for_abandoned_calls(
    conn: asyncpg.Connection, items: Sequence[tuple[int, str, datetime]]
) -> int:
    """(call id, normalised phone, due time) for each abandoned call; returns how many were
    queued (each announced to the agents).

    Runs on the PBX ingest's driver connection (contact_center/db/driver.py)."""
    if not items:
        return 0
    rows = await conn.fetch(
        _ABANDONED_SQL, [i[0] for i in items], [i[1] for i in items], [i[2] for i in items]
    )
    await publish(conn, *(callback_created(row["id"], "abandoned_call", row["due_at"]) for row in rows))
    return len(rows)


# --- the queue ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CallbackRow:
    id: int
    phone: str
    citizen_name: str | None
    district: str | None
    direction: str | None
    preferred_time: str | None
    note: str
    source: str
    status: str
    due_at: datetime
    claimed_by: int | None
    claimed_by_name: str | None
    claimed_at: datetime | None
    attempts: int
    created_at: datetime
    closed_at: datetime | None
    registration_id: int | None
    abandoned_call_id: int | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at < now


_COLUMNS = (
    Callback.id, Callback.phone, Callback.citizen_name, Callback.district, Callback.direction,
    Callback.preferred_time, Callback.note, Callback.source, Callback.status, Callback.due_at,
    Callback.claimed_by, func.coalesce(func.nullif(User.full_name, ""), User.username), Callback.claimed_at,
    Callback.attempts, Callback.created_at, Callback.closed_at, Callback.registration_id,
    Callback.abandoned_call_id,
)


def _select():  # type: ignore[no-untyped-def]
    return select(*_COLUMNS).outerjoin(User, User.id == Callback.claimed_by)


async def open_queue(session: AsyncSession, *, limit: int = 200) -> list[CallbackRow]:
    """Open and claimed callbacks, the most urgent (earliest due) first."""
    rows = await session.execute(
        _select().where(Callback.status.in_(OPEN_STATUSES)).order_by(Callback.due_at, Callback.id).limit(limit)
    )
    return [CallbackRow(*r) for r in rows]


async def recently_closed(session: AsyncSession, *, limit: int = 20) -> list[CallbackRow]:
    rows = await session.execute(
        _select().where(Callback.status.not_in(OPEN_STATUSES))
        .order_by(Callback.closed_at.desc().nulls_last(), Callback.id.desc()).limit(limit)
    )
    return [CallbackRow(*r) for r in rows]


async def claimed_by(session: AsyncSession, user_id: int) -> list[CallbackRow]:
    rows = await session.execute(
        _select().where(Callback.status == "claimed", Callback.claimed_by == user_id).order_by(Callback.due_at)
    )
    return [CallbackRow(*r) for r in rows]


async def get_callback(session: AsyncSession, callback_id: int) -> CallbackRow | None:
    row = (await session.execute(_select().where(Callback.id == callback_id))).one_or_none()
    return CallbackRow(*row) if row else None


@dataclass(frozen=True, slots=True)
class AttemptRow:
    at: datetime
    agent_name: str
    result: str
    note: str

    @property
    def result_label(self) -> str:
        return RESULT_LABELS.get(self.result, self.result)


async def attempts(session: AsyncSession, callback_id: int) -> list[AttemptRow]:
    rows = await session.execute(
        select(CallbackAttempt.at, func.coalesce(func.nullif(User.full_name, ""), User.username),
               CallbackAttempt.result, CallbackAttempt.note)
        .join(User, User.id == CallbackAttempt.agent_id)
        .where(CallbackAttempt.callback_id == callback_id)
        .order_by(CallbackAttempt.at, CallbackAttempt.id)
    )
    return [AttemptRow(*r) for r in rows]


async def queue_counts(session: AsyncSession, *, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    row = (
        await session.execute(
            select(
                func.count().filter(Callback.status == "open"),
                func.count().filter(Callback.status == "claimed"),
                func.count().filter(Callback.due_at < now),
            ).where(Callback.status.in_(OPEN_STATUSES))
        )
    ).one()
    return {"open": row[0], "claimed": row[1], "overdue": row[2]}


# --- claiming and attempts --------------------------------------------------------------------
async def _announce(session: AsyncSession, callback_id: int, status: str, **extra: Any) -> None:
    await publish(session, callback_changed(callback_id, status, **extra))


async def claim(session: AsyncSession, callback_id: int, user_id: int, *, now: datetime | None = None) -> bool:
    """Take an open callback; only one agent can hold it (False: someone was first)."""
    now = now or datetime.now(UTC)
    taken = (
        await session.execute(
            update(Callback)
            .where(Callback.id == callback_id, Callback.status == "open")
            .values(status="claimed", claimed_by=user_id, claimed_at=now)
            .returning(Callback.id)
        )
    ).scalar_one_or_none()
    if taken is not None:
        await _announce(session, callback_id, "claimed", claimed_by=user_id)
    return taken is not None


async def release(session: AsyncSession, callback_id: int, user_id: int, *, any_holder: bool = False) -> bool:
    """Give a claimed callback back to the queue (its holder, or a supervisor)."""
    condition = [Callback.id == callback_id, Callback.status == "claimed"]
    if not any_holder:
        condition.append(Callback.claimed_by == user_id)
    done = (
        await session.execute(
            update(Callback).where(*condition).values(status="open", claimed_by=None, claimed_at=None)
            .returning(Callback.id)
        )
    ).scalar_one_or_none()
    if done is not None:
        await _announce(session, callback_id, "open")
    return done is not None


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    status: str  # "open" (back in the queue) or "unreachable" (closed)
    attempts: int


async def record_failed_attempt(
    session: AsyncSession,
    settings: Settings,
    callback_id: int,
    user_id: int,
    result: str,
    note: str = "",
    *,
    now: datetime | None = None,
) -> AttemptOutcome | None:
    """No answer or busy: count the attempt; after CALLBACK_MAX_ATTEMPTS close it as
    unreachable, otherwise return it to the queue. None when the user does not hold it.
    (A call that reached the citizen is recorded with its registration.)"""
    if result not in FAILED_RESULTS:
        raise ValueError(f"not a failed attempt: {result!r}")
    now = now or datetime.now(UTC)
    exhausted = Callback.attempts + 1 >= settings.callback_max_attempts
    row = (
        await session.execute(
            update(Callback)
            .where(Callback.id == callback_id, Callback.status == "claimed", Callback.claimed_by == user_id)
            .values(
                attempts=Callback.attempts + 1,
                status=case((exhausted, "unreachable"), else_="open"),
                closed_at=case((exhausted, now), else_=None),
                claimed_by=None,
                claimed_at=None,
            )
            .returning(Callback.status, Callback.attempts)
        )
    ).one_or_none()
    if row is None:
        return None
    session.add(CallbackAttempt(callback_id=callback_id, agent_id=user_id, result=result, note=note.strip(), at=now))
    await session.flush()
    await _announce(session, callback_id, row.status, attempts=row.attempts)
    return AttemptOutcome(row.status, row.attempts)


async def cancel(session: AsyncSession, callback_id: int, *, now: datetime | None = None) -> bool:
    """A supervisor closes a callback that should not be made (duplicate, spam)."""
    now = now or datetime.now(UTC)
    done = (
        await session.execute(
            update(Callback)
            .where(Callback.id == callback_id, Callback.status.in_(OPEN_STATUSES))
            .values(status="cancelled", closed_at=now, claimed_by=None, claimed_at=None)
            .returning(Callback.id)
        )
    ).scalar_one_or_none()
    if done is not None:
        await _announce(session, callback_id, "cancelled")
    return done is not None



def rate_limits(settings: Settings) -> tuple[Limit, Limit]:
    """Public callback requests: per IP per hour, per phone per day (shared by all processes)."""
    return (
        Limit("callback-ip", settings.callback_rate_per_ip, timedelta(hours=1)),
        Limit("callback-phone", settings.callback_rate_per_phone, timedelta(days=1)),
    )
