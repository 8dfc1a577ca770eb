"""Public holidays: the Labour Code's transfer rule, callback due times that skip
holidays and the days moved from them, and the admins' calendar page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, text

from contact_center.callbacks import create_callback
from contact_center.db.models import AuditEntry, Holiday
from contact_center.reference.calendar import days_off, fixed_holidays
from tests.plugins.console import login

BAKU = ZoneInfo("Asia/Baku")


def at(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=BAKU)


def rows(*spans: tuple[str, str, int]) -> list[tuple[date, str, str]]:
    """(first day, name, number of days) -> holiday rows."""
    out = []
    for first, name, count in spans:
        start = date.fromisoformat(first)
        out += [(date.fromordinal(start.toordinal() + n), name, "movable") for n in range(count)]
    return out


def moved(holidays: list[tuple[date, str, str]]) -> list[str]:
    return sorted(d.isoformat() for d, off in days_off(holidays).items() if off.kind == "moved")


# The Cabinet's announcements these follow: Novruz 2015 (23-24 March a weekend: 25 and 26
# off), Novruz 2016 (20 March a Sunday: 25 March off), New Year 2017 (31 December and
# 1 January a weekend: 3 and 4 January off), Flag Day 2014 (9 November a Sunday: 10 off;
# Victory Day, 8 November, became a holiday only in 2021: in 2025 both fell on the weekend).
@pytest.mark.parametrize("holidays, expected", [
    (rows(("2015-03-20", "Novruz", 5)), ["2015-03-25", "2015-03-26"]),
    (rows(("2016-03-20", "Novruz", 5)), ["2016-03-25"]),
    (rows(("2016-12-31", "Həmrəylik", 1), ("2017-01-01", "Yeni il", 2)), ["2017-01-03", "2017-01-04"]),
    (rows(("2014-11-09", "Bayraq", 1)), ["2014-11-10"]),
    (rows(("2025-11-08", "Zəfər", 1), ("2025-11-09", "Bayraq", 1)), ["2025-11-10", "2025-11-11"]),
    (rows(("2025-06-16", "Milli qurtuluş (test)", 1)), []),  # a Monday: nothing moves
])
def test_the_transfer_rule_matches_the_announced_calendars(holidays, expected):
    assert moved(holidays) == expected


def test_a_bayram_on_another_holiday_moves_a_day_too():
    # Art. 105.6: Ramazan on a weekday that is already Novruz: the day is lost and moves.
    holidays = rows(("2027-03-22", "Novruz", 5), ("2027-03-24", "Ramazan", 1))  # Mon-Fri; Wed twice
    assert moved(holidays) == ["2027-03-29"]


async def test_the_seeded_calendar_has_the_codes_holidays(sessionmaker):
    async with sessionmaker() as session:
        seeded = set((await session.execute(select(Holiday.day, Holiday.name))).all())
    assert set(fixed_holidays(2026)) | set(fixed_holidays(2027)) <= seeded


@pytest.fixture
async def keep_holidays(sessionmaker) -> AsyncIterator[None]:
    """The calendar is seeded reference data, kept between tests: put it back."""
    async with sessionmaker() as session:
        before = (await session.execute(select(Holiday.day, Holiday.name, Holiday.kind))).all()
    yield
    async with sessionmaker.begin() as session:
        await session.execute(delete(Holiday))
        for day, name, kind in before:
            session.add(Holiday(day=day, name=name, kind=kind))


async def test_a_callback_asked_for_on_the_eve_of_the_holidays_is_due_after_them(settings, sessionmaker, db):
    s = settings.with_(callback_sla_minutes=60, work_hours=(time(9), time(18)), work_days=frozenset({1, 2, 3, 4, 5}))
    # Wednesday 30 December 2026, after hours. Then: 31 Dec (holiday), 1-2 Jan (New Year; the 2nd
    # a Saturday, so Monday 4 January is off too): the first working hour is Tuesday 5 January.
    async with sessionmaker.begin() as session:
        created = await create_callback(session, s, phone="0501234567", source="web", now=at("2026-12-30 19:00"))
    assert created.due_at.astimezone(BAKU) == at("2027-01-05 10:00")
    # An ordinary evening a week earlier: due the next morning.
    async with sessionmaker.begin() as session:
        other = await create_callback(session, s, phone="0557654321", source="web", now=at("2026-12-22 19:00"))
    assert other.due_at.astimezone(BAKU) == at("2026-12-23 10:00")


async def test_admins_enter_a_bayram_and_due_times_follow(client, make_user, settings, sessionmaker, keep_holidays):
    await make_user("root", role="admin")
    await make_user("aysel", role="agent")
    token = await login(client, "root")
    page = await client.get("/console/admin/holidays", params={"year": "2027"})
    html = await page.text()
    assert page.status == 200 and 'data-day="2027-11-08"' in html and "Zəfər günü" in html
    bad = await client.post("/console/admin/holidays", data={"csrf_token": token, "day": "2027-13-01",
                                                             "name": "x", "kind": "movable"})
    assert bad.status == 422 and "Tarixi seçin" in await bad.text()
    # Ramazan bayramı 2027, as the Cabinet would announce it (Tue-Wed 9-10 March).
    for day in ("2027-03-09", "2027-03-10"):
        resp = await client.post("/console/admin/holidays", allow_redirects=False,
                                 data={"csrf_token": token, "day": day, "name": "Ramazan bayramı", "kind": "movable"})
        assert resp.status == 303
    html = await (await client.get("/console/admin/holidays", params={"year": "2027"})).text()
    assert 'data-day="2027-03-09" data-kind="movable"' in html
    s = settings.with_(callback_sla_minutes=60, work_hours=(time(9), time(18)), work_days=frozenset({1, 2, 3, 4, 5}))
    async with sessionmaker.begin() as session:
        created = await create_callback(session, s, phone="0501234567", source="web", now=at("2027-03-08 19:00"))
    assert created.due_at.astimezone(BAKU) == at("2027-03-11 10:00")  # 8 March is a holiday too
    # Removing a day puts it back in the working calendar.
    resp = await client.post("/console/admin/holidays/2027-03-10/delete", data={"csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 303
    async with sessionmaker.begin() as session:
        await session.execute(text("DELETE FROM callbacks"))
        again = await create_callback(session, s, phone="0501234567", source="web", now=at("2027-03-08 19:00"))
    assert again.due_at.astimezone(BAKU) == at("2027-03-10 10:00")
    async with sessionmaker() as session:
        trail = (await session.execute(select(AuditEntry.action, AuditEntry.object_id, AuditEntry.actor_name)
                                       .where(AuditEntry.object_type == "holiday").order_by(AuditEntry.id))).all()
    assert trail == [("reference_changed", "2027-03-09", "root"), ("reference_changed", "2027-03-10", "root"),
                     ("reference_changed", "2027-03-10", "root")]
    # Agents neither see nor change the calendar.
    await client.post("/console/logout", data={"csrf_token": token})
    agent_token = await login(client, "aysel")
    assert (await client.get("/console/admin/holidays")).status == 403
    resp = await client.post("/console/admin/holidays", data={"csrf_token": agent_token, "day": "2027-05-05",
                                                              "name": "x", "kind": "extra"})
    assert resp.status == 403
