"""The agents' callback queue: what waits, who holds what, the attempts.

Open callbacks are worked earliest due first; an agent claims one (only one
agent can hold it), calls the citizen and records the attempt: no answer or
busy puts it back in the queue until CALLBACK_MAX_ATTEMPTS, a call that
reached the citizen closes it with its registration
(contact_center.calls.registrations). Supervisors release or cancel.
Every change is announced to the agents (`callback.changed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import Callback, CallbackAttempt, User
from contact_center.events import callback_changed, publish

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
    Callback.claimed_by, User.display_name, Callback.claimed_at,
    Callback.attempts, Callback.created_at, Callback.closed_at, Callback.registration_id,
    Callback.abandoned_call_id,
)


def select_rows() -> Select[Any]:
    """The columns of CallbackRow, with the claiming agent's name (for any filter and order)."""
    return select(*_COLUMNS).outerjoin(User, User.id == Callback.claimed_by)


async def open_queue(session: AsyncSession, *, limit: int = 200) -> list[CallbackRow]:
    """Open and claimed callbacks, the most urgent (earliest due) first."""
    rows = await session.execute(
        select_rows().where(Callback.status.in_(OPEN_STATUSES)).order_by(Callback.due_at, Callback.id).limit(limit)
    )
    return [CallbackRow(*r) for r in rows]


async def recently_closed(session: AsyncSession, *, limit: int = 20) -> list[CallbackRow]:
    rows = await session.execute(
        select_rows().where(Callback.status.not_in(OPEN_STATUSES))
        .order_by(Callback.closed_at.desc().nulls_last(), Callback.id.desc()).limit(limit)
    )
    return [CallbackRow(*r) for r in rows]


async def claimed_by(session: AsyncSession, user_id: int) -> list[CallbackRow]:
    rows = await session.execute(
        select_rows().where(Callback.status == "claimed", Callback.claimed_by == user_id).order_by(Callback.due_at)
    )
    return [CallbackRow(*r) for r in rows]


async def get_callback(session: AsyncSession, callback_id: int) -> CallbackRow | None:
    row = (await session.execute(select_rows().where(Callback.id == callback_id))).one_or_none()
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
        select(CallbackAttempt.at, User.display_name,
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
