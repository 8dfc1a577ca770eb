"""Callbacks of a period, filtered as the statistics count them (the
supervisors' drill-down from a callback figure to its requests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.callbacks.queue import OPEN_STATUSES, CallbackRow, select_rows
from contact_center.db.models import Callback, CallbackAttempt, User
from contact_center.exports import NAME, PHONE, TEXT, Column
from contact_center.paging import Page, page_number, page_of
from contact_center.timeutil import local_range, local_text

STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "open": OPEN_STATUSES, "completed": ("reached", "unreachable"), "reached": ("reached",),
    "unreachable": ("unreachable",), "cancelled": ("cancelled",),
}
STATUS_FILTER_LABELS = {"open": "Açıq (gözləyir və ya götürülüb)", "completed": "Tamamlanıb",
                        "reached": "Əlaqə quruldu", "unreachable": "Əlaqə qurulmadı", "cancelled": "Ləğv edilib"}
SLA_FILTER_LABELS = {"attempted": "Cəhd edilib", "within": "İlk cəhd vaxtında", "late": "İlk cəhd gecikib"}


@dataclass(frozen=True)
class CallbackFilters:
    """Requests made on local days [date_from, date_to]."""

    date_from: date
    date_to: date
    status: str | None = None  # a key of STATUS_FILTERS
    source: str | None = None
    sla: str | None = None  # attempted | within (first attempt by the due time) | late
    recovered: bool = False  # made for an abandoned call, and the citizen was reached
    agent: str | None = None  # the claiming agent's extension
    queue: str | None = None  # callbacks have no queue: a queue filter matches none (as the figures)
    direction: str | None = None
    district: str | None = None
    page: int = 1

    def query_args(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "status": self.status,
            "source": self.source, "sla": self.sla, "recovered": "1" if self.recovered else None,
            "agent": self.agent, "queue": self.queue, "direction": self.direction, "district": self.district,
        }


def callback_conditions(tz: ZoneInfo, f: CallbackFilters) -> list[Any]:
    start, end = local_range(f.date_from, f.date_to, tz)
    where: list[Any] = [Callback.created_at >= start, Callback.created_at < end]
    if f.status is not None:
        where.append(Callback.status.in_(STATUS_FILTERS[f.status]))
    if f.source is not None:
        where.append(Callback.source == f.source)
    if f.sla is not None:
        first_at = (select(func.min(CallbackAttempt.at)).where(CallbackAttempt.callback_id == Callback.id)
                    .scalar_subquery())
        where.append(first_at.is_not(None))
        if f.sla == "within":
            where.append(first_at <= Callback.due_at)
        elif f.sla == "late":
            where.append(first_at > Callback.due_at)
    if f.recovered:
        where.append(and_(Callback.abandoned_call_id.is_not(None), Callback.status == "reached"))
    if f.agent is not None:
        where.append(User.extension == f.agent)
    if f.queue is not None:
        where.append(false())
    if f.direction is not None:
        where.append(Callback.direction == f.direction)
    if f.district is not None:
        where.append(Callback.district == f.district)
    return where


async def search_callbacks(
    session: AsyncSession, tz: ZoneInfo, f: CallbackFilters, *, per_page: int = 50
) -> Page[CallbackRow]:
    where = callback_conditions(tz, f)
    total = (
        await session.execute(
            select(func.count()).select_from(Callback).outerjoin(User, User.id == Callback.claimed_by).where(*where)
        )
    ).scalar_one()
    page = page_number(f.page)
    rows = await session.execute(
        page_of(select_rows().where(*where).order_by(Callback.created_at.desc(), Callback.id.desc()), page, per_page)
    )
    return Page([CallbackRow(*r) for r in rows], total, page, per_page)


EXPORT_COLUMNS = (
    Column("id"), Column("sorğu_vaxtı"), Column("telefon", PHONE), Column("vətəndaş", NAME), Column("mənbə"),
    Column("status"), Column("son_vaxt"), Column("götürən"), Column("cəhdlər"), Column("bağlanıb"),
    Column("istiqamət"), Column("rayon"), Column("üstünlük_verdiyi_vaxt", TEXT), Column("qeyd", TEXT),
    Column("qeydiyyat_id"),
)


def export_statement(tz: ZoneInfo, f: CallbackFilters) -> Select[Any]:
    """The drill-down list's callbacks (no page), newest first, as EXPORT_COLUMNS."""
    return (
        select(
            Callback.id, local_text(Callback.created_at, tz), Callback.phone, Callback.citizen_name, Callback.source,
            Callback.status, local_text(Callback.due_at, tz), User.display_name, Callback.attempts,
            local_text(Callback.closed_at, tz), Callback.direction, Callback.district, Callback.preferred_time,
            Callback.note, Callback.registration_id,
        )
        .outerjoin(User, User.id == Callback.claimed_by)
        .where(*callback_conditions(tz, f))
        .order_by(Callback.created_at.desc(), Callback.id.desc())
    )
