"""Callback due times are counted inside working hours (Baku time)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from contact_center.callbacks import due_time
from contact_center.config import Settings

BAKU = ZoneInfo("Asia/Baku")
S = Settings(callback_sla_minutes=60, work_hours=(time(9), time(18)), work_days=frozenset({1, 2, 3, 4, 5}))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BAKU)


def local(moment: datetime) -> str:
    return moment.astimezone(BAKU).strftime("%a %Y-%m-%d %H:%M")


def test_inside_working_hours():
    assert local(due_time(at("2026-11-25 10:15"), S)) == "Wed 2026-11-25 11:15"


def test_late_afternoon_rolls_into_the_next_morning():
    assert local(due_time(at("2026-11-25 17:30"), S)) == "Thu 2026-11-26 09:30"


def test_before_opening_and_at_night():
    assert local(due_time(at("2026-11-25 06:00"), S)) == "Wed 2026-11-25 10:00"
    assert local(due_time(at("2026-11-25 23:00"), S)) == "Thu 2026-11-26 10:00"


def test_friday_evening_is_due_on_monday():
    assert local(due_time(at("2026-11-27 17:45"), S)) == "Mon 2026-11-30 09:45"
    assert local(due_time(at("2026-11-28 12:00"), S)) == "Mon 2026-11-30 10:00"  # Saturday


def test_the_time_zone_is_the_setting_not_utc():
    # 05:30 UTC is 09:30 in Baku: already inside working hours.
    utc = datetime.fromisoformat("2026-11-25T05:30:00+00:00")
    assert local(due_time(utc, S)) == "Wed 2026-11-25 10:30"


def test_long_slas_span_days_and_custom_hours():
    s = S.with_(callback_sla_minutes=600, work_hours=(time(8), time(20)), work_days=frozenset(range(1, 7)))
    assert local(due_time(at("2026-11-28 15:00"), s)) == "Mon 2026-11-30 13:00"  # Sat 5h, Sunday off, Mon 5h
