"""When a callback is due: its SLA counted in working hours only, public
holidays and the days off moved from them excluded (contact_center/reference/calendar.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

from contact_center.config import Settings


def due_time(
    start: datetime, settings: Settings, minutes: int | None = None, days_off: Collection[date] = frozenset()
) -> datetime:
    """`start` plus CALLBACK_SLA_MINUTES counted only inside working hours (local time),
    on working days that are not in `days_off` (calendar.days_off_from).

    A request at 17:30 with a 60-minute SLA and hours 09:00-18:00 is due at
    09:30 on the next working day.
    """
    tz = settings.tz
    remaining = timedelta(minutes=settings.callback_sla_minutes if minutes is None else minutes)
    open_at, close_at = settings.work_hours
    moment = start.astimezone(tz)
    for _ in range(370):  # a year of days is more than any calendar needs
        day = moment.date()
        if day.isoweekday() in settings.work_days and day not in days_off:
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
