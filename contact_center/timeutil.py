"""Local-time boundaries: every day and month in 142's figures is a Baku day
(CC142_TIMEZONE), not a UTC one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def local_range(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of date_from, start of the day after date_to) as aware datetimes."""
    return day_start(date_from, tz), day_start(date_to + timedelta(days=1), tz)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def parse_date(raw: str | None, name: str) -> date:
    """YYYY-MM-DD or ValueError naming the parameter."""
    if not raw:
        raise ValueError(f"'{name}' is required (YYYY-MM-DD)")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{name}' must be a date YYYY-MM-DD, got {raw[:20]!r}") from None


def local_text(column: Any, tz: ZoneInfo) -> Any:
    """SQL: a timestamptz column as local 'YYYY-MM-DD HH:MM:SS' text (exports)."""
    return func.to_char(func.timezone(tz.key, column), "YYYY-MM-DD HH24:MI:SS")
