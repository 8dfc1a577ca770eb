"""Days off: Azerbaijan's public holidays and the Labour Code's transfer rule.

Article 105 of the Labour Code names the holidays that are days off: New Year
(1-2 January), Women's Day (8 March), Victory over Fascism (9 May),
Independence Day (28 May), National Salvation (15 June), Armed Forces (26
June), Victory Day (8 November), Flag Day (9 November), Solidarity of World
Azerbaijanis (31 December), Novruz (five days), Ramazan and Qurban bayramı (two
days each). The Cabinet of Ministers announces the dates of Novruz, Ramazan and
Qurban for the next year by the end of December: admins enter those
("movable"); the fixed ones are seeded for 2026-2027 (migration 0012) and can
be added for later years on the same page.

The transfer rule (art. 105.5-105.6): a holiday that falls on a weekly day off
(Saturday or Sunday), or on another holiday, moves a day off to the next working
day after the holidays. Those moved days are derived here, never stored, so an
admin's correction of a holiday moves them too. (Art. 105.7 lets the Cabinet
swap further days to join holidays and weekends; such a day is entered as an
"extra" day off.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import Holiday

WEEKEND = (6, 7)  # the Code's weekly days off in a five-day week (isoweekday)
KINDS = ("fixed", "movable", "extra")

# (month, day, name): the Code's fixed holidays that are days off.
FIXED = (
    (1, 1, "Yeni il bayramı"), (1, 2, "Yeni il bayramı"),
    (3, 8, "Qadınlar günü"),
    (5, 9, "Faşizm üzərində qələbə günü"),
    (5, 28, "Müstəqillik günü"),
    (6, 15, "Azərbaycan xalqının milli qurtuluş günü"),
    (6, 26, "Azərbaycan Respublikasının Silahlı Qüvvələri günü"),
    (11, 8, "Zəfər günü"),
    (11, 9, "Azərbaycan Respublikasının Dövlət bayrağı günü"),
    (12, 31, "Dünya azərbaycanlılarının həmrəyliyi günü"),
)
# Novruz: five days, in every year so far 20-24 March; seeded as "movable" for admins to
# confirm against the Cabinet's announcement (Ramazan and Qurban: admins enter them).
NOVRUZ = tuple((3, d, "Novruz bayramı") for d in range(20, 25))


@dataclass(frozen=True, slots=True)
class DayOff:
    day: date
    name: str
    kind: str  # fixed | movable | extra | moved (derived by the transfer rule)


def fixed_holidays(year: int) -> list[tuple[date, str]]:
    return [(date(year, m, d), name) for m, d, name in FIXED]


def days_off(holidays: Iterable[tuple[date, str, str]]) -> dict[date, DayOff]:
    """Holidays (day, name, kind) plus the days off the transfer rule moves.

    Every holiday day that is lost (it falls on a weekend, or on a day that is
    already a holiday) gives one day off on the first working day after it that
    is neither a holiday nor already moved.
    """
    out: dict[date, DayOff] = {}
    lost: list[tuple[date, str]] = []
    for day, name, kind in sorted(holidays):
        if day in out or day.isoweekday() in WEEKEND:
            lost.append((day, name))
        out.setdefault(day, DayOff(day, name, kind))
    for day, name in lost:
        moved = day + timedelta(days=1)
        while moved in out or moved.isoweekday() in WEEKEND:
            moved += timedelta(days=1)
        out[moved] = DayOff(moved, f"{name} (köçürülmüş istirahət günü)", "moved")
    return out


# A lost holiday's day off lands within days of it; a callback's due time within weeks.
_BEFORE, _AFTER = timedelta(days=20), timedelta(days=60)
_SQL = "SELECT day, name, kind FROM holidays WHERE day BETWEEN $1 AND $2"


async def days_off_from(session: AsyncSession, start: date, *, until: date | None = None) -> frozenset[date]:
    """The days off from `start` for the weeks a due time can reach (or up to `until`)."""
    end = (until or start) + _AFTER
    rows = await session.execute(select(Holiday.day, Holiday.name, Holiday.kind)
                                 .where(Holiday.day.between(start - _BEFORE, end)))
    return frozenset(d for d in days_off(rows.all()) if d >= start)


async def days_off_from_driver(conn: asyncpg.Connection, start: date) -> frozenset[date]:
    """`days_off_from` on a bare asyncpg connection (the PBX ingest path)."""
    rows = await conn.fetch(_SQL, start - _BEFORE, start + _AFTER)
    return frozenset(d for d in days_off((r["day"], r["name"], r["kind"]) for r in rows) if d >= start)


async def days_off_between(conn: asyncpg.Connection, start: date, end: date) -> list[DayOff]:
    """The days off in [start, end], moved ones included, in date order (the staffing plan)."""
    rows = await conn.fetch(_SQL, start - _BEFORE, end)
    return [d for day, d in sorted(days_off((r["day"], r["name"], r["kind"]) for r in rows).items())
            if start <= day <= end]


async def year(session: AsyncSession, year_: int) -> list[DayOff]:
    """A year's days off, moved ones included, in date order (the admin page)."""
    rows = await session.execute(select(Holiday.day, Holiday.name, Holiday.kind)
                                 .where(Holiday.day.between(date(year_ - 1, 12, 1), date(year_, 12, 31))))
    return [d for day, d in sorted(days_off(rows.all()).items()) if day.year == year_]


class CalendarInputError(ValueError):
    def __init__(self, field: str, message_az: str) -> None:
        super().__init__(message_az)
        self.field, self.message_az = field, message_az


async def add(session: AsyncSession, day: date, name: str, kind: str) -> bool:
    """Add a holiday (or rename it); False when it was there with the same name and kind."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise CalendarInputError("name", "Bayramın adını yazın (200 simvola qədər).")
    if kind not in KINDS:
        raise CalendarInputError("kind", "Növ düzgün deyil.")
    if not 2000 <= day.year <= 2100:
        raise CalendarInputError("day", "Tarix 2000-2100-cü illər arasında olmalıdır.")
    statement = pg_insert(Holiday).values(day=day, name=name, kind=kind)
    statement = statement.on_conflict_do_update(
        index_elements=[Holiday.day], set_={"name": name, "kind": kind},
        where=(Holiday.name != name) | (Holiday.kind != kind),
    )
    return bool((await session.execute(statement)).rowcount)


async def remove(session: AsyncSession, day: date) -> bool:
    return bool((await session.execute(delete(Holiday).where(Holiday.day == day))).rowcount)
