"""The filters of a statistics query, parsed and checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta

from contact_center.timeutil import parse_date

CHANNELS = ("phone", "callback", "web_chat", "facebook", "instagram")
CHAT_CHANNELS = ("web_chat", "facebook", "instagram")
# A filter on one of these dimensions is answered from the rollups; several at
# once are computed from the records (correct, slower).
ROLLUP_DIMS = ("queue", "agent", "direction", "district")
FKEY_PREFIX = {"queue": "q", "agent": "a", "direction": "dir", "district": "dis"}
MAX_DAYS = 366 * 25


class FilterError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    queue: str | None = None
    agent: str | None = None  # the agent's extension
    direction: str | None = None
    district: str | None = None

    def dims(self) -> dict[str, str]:
        """The rollup dimensions that are set."""
        return {d: getattr(self, d) for d in ROLLUP_DIMS if getattr(self, d) is not None}

    def fkey(self) -> str | None:
        """The rollup row key answering these filters, or None (needs the records)."""
        dims = self.dims()
        if not dims:
            return ""
        if len(dims) > 1:
            return None
        ((dim, value),) = dims.items()
        return f"{FKEY_PREFIX[dim]}:{value}"

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Reference:
    """Valid codes (from the reference tables) for checking filters."""

    directions: frozenset[str]
    districts: frozenset[str]


def parse_period(query: Mapping[str, str]) -> tuple[date, date]:
    try:
        date_from = parse_date(query.get("from"), "from")
    except ValueError as exc:
        raise FilterError("from", str(exc)) from None
    try:
        date_to = parse_date(query.get("to"), "to")
    except ValueError as exc:
        raise FilterError("to", str(exc)) from None
    if date_to < date_from:
        raise FilterError("to", "'to' is before 'from'")
    if date_to - date_from > timedelta(days=MAX_DAYS):
        raise FilterError("to", f"the period is longer than {MAX_DAYS} days")
    if date_from.year < 1971:
        raise FilterError("from", "'from' must be in 1971 or later")
    return date_from, date_to


def parse_filters(query: Mapping[str, str], ref: Reference) -> Filters:
    values: dict[str, str | None] = {}
    for name in ("channel", "queue", "agent", "direction", "district"):
        raw = query.get(name)
        if raw is None or raw == "":
            values[name] = None
            continue
        raw = raw.strip()
        if len(raw) > 64 or not raw or any(c in raw for c in ":\x00"):
            raise FilterError(name, f"'{name}' is not a valid value")
        values[name] = raw
    if values["channel"] is not None and values["channel"] not in CHANNELS:
        raise FilterError("channel", f"'channel' must be one of {', '.join(CHANNELS)}")
    if values["direction"] is not None and values["direction"] not in ref.directions:
        raise FilterError("direction", f"unknown direction {values['direction']!r}")
    if values["district"] is not None and values["district"] not in ref.districts:
        raise FilterError("district", f"unknown district {values['district']!r}")
    return Filters(**values)
