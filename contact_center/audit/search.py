"""Reading the trail back: the console's Audit page (paged, newest first) and
`cc142 audit` (every match, oldest first), with one set of filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import AuditEntry
from contact_center.paging import Page, page_number, page_of

# The fields of an entry as the page, the CLI and the docs name them.
FIELDS = ("id", "at", "actor_kind", "actor_id", "actor_name", "address", "action", "object_type", "object_id",
          "details")


@dataclass(frozen=True)
class TrailFilters:
    since: date | None = None  # local dates, both inclusive
    until: date | None = None
    actor: str | None = None  # the username at the time, or system / api-token / anonymous
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    page: int = 1

    def query_args(self) -> dict[str, str]:
        """The filters as the page's query string (for paging links)."""
        args = {"from": self.since, "to": self.until, "actor": self.actor, "action": self.action,
                "object_type": self.object_type, "object_id": self.object_id}
        return {k: str(v) for k, v in args.items() if v not in (None, "")}


@dataclass(frozen=True, slots=True)
class TrailEntry:
    id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    address: str | None
    action: str
    object_type: str | None
    object_id: str | None
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def statement(tz: ZoneInfo, f: TrailFilters) -> Select[Any]:
    stmt = select(*(getattr(AuditEntry, name) for name in FIELDS))
    if f.since is not None:
        stmt = stmt.where(AuditEntry.at >= _local_midnight(f.since, tz))
    if f.until is not None:
        stmt = stmt.where(AuditEntry.at < _local_midnight(f.until + timedelta(days=1), tz))
    if f.actor:
        stmt = stmt.where(func.lower(AuditEntry.actor_name) == f.actor.strip().lower())
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.object_type:
        stmt = stmt.where(AuditEntry.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEntry.object_id == f.object_id)
    return stmt


async def search(session: AsyncSession, tz: ZoneInfo, f: TrailFilters, *, per_page: int) -> Page[TrailEntry]:
    stmt = statement(tz, f)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    page = page_number(f.page)
    rows = await session.execute(page_of(stmt.order_by(AuditEntry.id.desc()), page, per_page))
    return Page([TrailEntry(*row) for row in rows], total, page, per_page)


async def entries(session: AsyncSession, tz: ZoneInfo, f: TrailFilters) -> AsyncIterator[TrailEntry]:
    """Every match, oldest first, streamed (an export of years of trail stays small in memory)."""
    result = await session.stream(statement(tz, f).order_by(AuditEntry.id).execution_options(yield_per=1000))
    async for row in result:
        yield TrailEntry(*row)
