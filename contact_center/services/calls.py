"""Reading call records."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import Call
from contact_center.timeutil import local_range


async def calls_in_period(
    session: AsyncSession,
    tz: ZoneInfo,
    date_from: date,
    date_to: date,
    *,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Call]]:
    """Calls that entered the queue on local dates [date_from, date_to], oldest first."""
    start, end = local_range(date_from, date_to, tz)
    where = (Call.enqueued_at >= start, Call.enqueued_at < end)
    total = (await session.execute(select(func.count()).select_from(Call).where(*where))).scalar_one()
    rows = (
        await session.execute(
            select(Call).where(*where).order_by(Call.enqueued_at, Call.id).limit(limit).offset(offset)
        )
    ).scalars()
    return total, list(rows)
