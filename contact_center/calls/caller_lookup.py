"""What the agent sees when a call comes in (the screen pop's call page) and on
the home page: the call with its registration, the caller's earlier
registrations and callbacks, the extension's recent calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.calls.registration_search import RegistrationRow, select_rows
from contact_center.db.models import Call, Callback, CallRegistration
from contact_center.text import normalize_phone


@dataclass(frozen=True, slots=True)
class CallInfo:
    id: int
    caller: str | None
    phone: str | None  # normalised when possible
    agent: str | None
    status: str
    direction: str
    enqueued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    talk_seconds: float | None
    registration_id: int | None
    taken_by: int | None = None  # an agent who took a call no extension answered


@dataclass(frozen=True, slots=True)
class CallbackBrief:
    id: int
    status: str
    source: str
    created_at: datetime
    due_at: datetime
    attempts: int


@dataclass(frozen=True)
class CallerHistory:
    registrations: list[RegistrationRow]
    callbacks: list[CallbackBrief]


def _select_calls() -> Select[Any]:
    """Calls with their registration's id (the columns of CallInfo but the phone)."""
    return (
        select(Call.id, Call.caller, Call.agent, Call.status, Call.direction, Call.enqueued_at,
               Call.answered_at, Call.ended_at, Call.wait_seconds, Call.talk_seconds, CallRegistration.id,
               Call.taken_by)
        .outerjoin(CallRegistration, CallRegistration.call_id == Call.id)
    )


def _call_info(row: Any) -> CallInfo:
    call_id, caller, *rest = row
    return CallInfo(call_id, caller, normalize_phone(caller or "") or caller, *rest)


async def call_info(session: AsyncSession, call_id: int) -> CallInfo | None:
    row = (await session.execute(_select_calls().where(Call.id == call_id))).one_or_none()
    return _call_info(row) if row is not None else None


async def caller_history(
    session: AsyncSession, phone: str | None, *, exclude_call: int | None = None, limit: int = 5
) -> CallerHistory:
    """The caller's earlier registered calls and callbacks, newest first."""
    if not phone:
        return CallerHistory([], [])
    query = select_rows().where(CallRegistration.phone == phone)
    if exclude_call is not None:
        query = query.where(or_(CallRegistration.call_id.is_(None), CallRegistration.call_id != exclude_call))
    regs = await session.execute(query.order_by(CallRegistration.occurred_at.desc()).limit(limit))
    cbs = await session.execute(
        select(Callback.id, Callback.status, Callback.source, Callback.created_at, Callback.due_at, Callback.attempts)
        .where(Callback.phone == phone)
        .order_by(Callback.created_at.desc())
        .limit(limit)
    )
    return CallerHistory([RegistrationRow(*r) for r in regs], [CallbackBrief(*r) for r in cbs])


async def recent_calls_for(
    session: AsyncSession, extension: str, *, hours: int = 12, limit: int = 20
) -> list[CallInfo]:
    """Calls answered on this extension lately, newest first, with their registration."""
    since = datetime.now(UTC) - timedelta(hours=hours)
    rows = await session.execute(
        _select_calls()
        # enqueued_at is indexed; answered calls are always enqueued first.
        .where(Call.enqueued_at >= since, Call.agent == extension, Call.answered_at.is_not(None))
        .order_by(Call.answered_at.desc())
        .limit(limit)
    )
    return [_call_info(row) for row in rows]
