"""Registrations of a period, filtered: the console's list and the
statistics' drill-down (which counts them as the call figures do)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Numeric, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contact_center.db.models import Call, CallRegistration, CallType, Direction, District, Outcome, User
from contact_center.exports import NAME, PHONE, TEXT, Column
from contact_center.paging import Page, page_number, page_of
from contact_center.text import normalize_phone
from contact_center.timeutil import local_range, local_text


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    id: int
    occurred_at: datetime
    created_at: datetime
    agent_id: int
    agent_name: str
    channel: str
    phone: str | None
    citizen_name: str | None
    direction: str
    call_type: str
    district: str
    outcome: str
    note: str
    call_id: int | None
    wait_seconds: float | None
    talk_seconds: float | None


_ROW_COLUMNS = (
    CallRegistration.id, CallRegistration.occurred_at, CallRegistration.created_at, CallRegistration.agent_id,
    User.display_name, CallRegistration.channel,
    CallRegistration.phone, CallRegistration.citizen_name, CallRegistration.direction,
    CallRegistration.call_type, CallRegistration.district, CallRegistration.outcome, CallRegistration.note,
    CallRegistration.call_id, Call.wait_seconds, Call.talk_seconds,
)


def select_rows() -> Select[Any]:
    """The columns of RegistrationRow (with the agent's name and the call's times)."""
    return (
        select(*_ROW_COLUMNS)
        .join(User, User.id == CallRegistration.agent_id)
        .outerjoin(Call, Call.id == CallRegistration.call_id)
    )


@dataclass
class Filters:
    date_from: date
    date_to: date
    agent_id: int | None = None
    direction: str | None = None
    district: str | None = None
    outcome: str | None = None
    phone: str | None = None  # full number or its last digits
    page: int = 1
    # The statistics' view (the dashboard's drill-down): `stats` counts a
    # registration on its call's queue day as the figures do (phone only), and
    # these match the figures' filters.
    stats: bool = False
    call_type: str | None = None
    area: str | None = None  # baku | region (the district's area)
    queue: str | None = None  # stats only: the call's queue
    extension: str | None = None  # stats only: the answering extension, else the registering agent's

    def query_args(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "agent": self.agent_id,
            "direction": self.direction, "district": self.district, "outcome": self.outcome,
            "phone": self.phone, "stats": "1" if self.stats else None, "call_type": self.call_type,
            "area": self.area, "queue": self.queue, "extension": self.extension,
        }


# A PBX call's registration happened when the call was answered (or entered the
# queue): never a day after it entered the queue. This bounds the stats-period
# rows on the indexed occurred_at before the exact test on the call.
QUEUE_TO_REGISTRATION = timedelta(days=1)


def _stats_period(start: datetime, end: datetime, filters: Filters) -> Any:
    """Registrations the call figures count in [start, end) (contact_center/stats/facts.py
    call_facts): of inbound calls that entered the queue then, and, on the day they
    happened, phone registrations without a queue record. The call is looked up per
    registration (EXISTS on its primary key): a steady plan, where a join lets the
    planner scan every call."""
    window = and_(CallRegistration.occurred_at >= start - QUEUE_TO_REGISTRATION,
                  CallRegistration.occurred_at < end + QUEUE_TO_REGISTRATION)
    in_period = and_(CallRegistration.occurred_at >= start, CallRegistration.occurred_at < end)
    call = aliased(Call)
    queued = and_(call.enqueued_at >= start, call.enqueued_at < end)
    if filters.queue is not None:
        queued = and_(queued, call.queue == filters.queue)
    if filters.extension is not None:
        queued = and_(queued, func.coalesce(call.agent, User.extension) == filters.extension)
    own = User.extension == filters.extension if filters.extension is not None else true()
    if filters.queue is not None:  # registrations without a queue record have no queue
        of_call = queued
        manual = false()
    else:
        of_call = or_(queued, and_(call.enqueued_at.is_(None), in_period, own))
        manual = and_(CallRegistration.call_id.is_(None), CallRegistration.channel == "phone", in_period, own)
    has_call = exists().where(call.id == CallRegistration.call_id, call.direction == "inbound", of_call)
    return and_(window, or_(manual, has_call))


def registration_conditions(tz: ZoneInfo, filters: Filters) -> list[Any]:
    start, end = local_range(filters.date_from, filters.date_to, tz)
    if filters.stats:
        where = [_stats_period(start, end, filters)]
    else:
        where = [CallRegistration.occurred_at >= start, CallRegistration.occurred_at < end]
    if filters.agent_id is not None:
        where.append(CallRegistration.agent_id == filters.agent_id)
    for name in ("direction", "district", "outcome", "call_type"):
        value = getattr(filters, name)
        if value:
            where.append(getattr(CallRegistration, name) == value)
    if filters.area:
        where.append(CallRegistration.district.in_(select(District.code).where(District.area == filters.area)))
    if filters.phone:
        digits = "".join(ch for ch in filters.phone if ch.isdigit())
        full = normalize_phone(filters.phone)
        if full:
            where.append(CallRegistration.phone == full)
        elif digits:
            where.append(CallRegistration.phone.like(f"%{digits}"))
    return where


async def list_registrations(
    session: AsyncSession, tz: ZoneInfo, filters: Filters, *, per_page: int = 50
) -> Page[RegistrationRow]:
    where = registration_conditions(tz, filters)
    total = (
        await session.execute(
            select(func.count()).select_from(CallRegistration).join(User, User.id == CallRegistration.agent_id)
            .where(*where)
        )
    ).scalar_one()
    page = page_number(filters.page)
    rows = await session.execute(page_of(
        select_rows().where(*where).order_by(CallRegistration.occurred_at.desc(), CallRegistration.id.desc()),
        page, per_page))
    return Page([RegistrationRow(*r) for r in rows], total, page, per_page)


async def get_registration(session: AsyncSession, registration_id: int) -> RegistrationRow | None:
    row = (await session.execute(select_rows().where(CallRegistration.id == registration_id))).one_or_none()
    return RegistrationRow(*row) if row else None


async def agents_for_filter(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, name) of the users whose registrations a supervisor may filter on."""
    rows = await session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_(("agent", "supervisor")))
        .order_by(User.username)
    )
    return [(i, n) for i, n in rows]


# --- the list as a file (contact_center.exports) ------------------------------------------------
EXPORT_COLUMNS = (
    Column("id"), Column("vaxt"), Column("operator"), Column("kanal"), Column("telefon", PHONE),
    Column("vətəndaş", NAME), Column("istiqamət"), Column("növ"), Column("rayon"), Column("nəticə"),
    Column("zəng_id"), Column("gözləmə_san"), Column("danışıq_san"), Column("qeyd", TEXT),
)


def export_statement(tz: ZoneInfo, filters: Filters) -> Select[Any]:
    """Every registration of the list's filter (no page), newest first, as EXPORT_COLUMNS."""
    d, t, s, o = aliased(Direction), aliased(CallType), aliased(District), aliased(Outcome)
    return (
        select(
            CallRegistration.id, local_text(CallRegistration.occurred_at, tz), User.display_name,
            CallRegistration.channel, CallRegistration.phone, CallRegistration.citizen_name, d.label, t.label,
            s.label, o.label, CallRegistration.call_id, func.round(Call.wait_seconds.cast(Numeric), 1).cast(Float),
            func.round(Call.talk_seconds.cast(Numeric), 1).cast(Float),
            CallRegistration.note,
        )
        .join(User, User.id == CallRegistration.agent_id)
        .outerjoin(Call, Call.id == CallRegistration.call_id)
        .outerjoin(d, d.code == CallRegistration.direction)
        .outerjoin(t, t.code == CallRegistration.call_type)
        .outerjoin(s, s.code == CallRegistration.district)
        .outerjoin(o, o.code == CallRegistration.outcome)
        .where(*registration_conditions(tz, filters))
        .order_by(CallRegistration.occurred_at.desc(), CallRegistration.id.desc())
    )
