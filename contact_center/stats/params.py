"""What a statistics question asks: the period and the filters, read from query
parameters the same way for the JSON API, the dashboard and `cc142 stats`.

Parameters (any other name is refused):
- `period`: today, week (Monday to today), month (the 1st to today), custom
  (`from` .. `to`) or cumulative (the first record to today). Without it,
  `from` or `to` mean custom and nothing means today. `from` and `to` are
  read for custom only.
- `from`, `to`: local days YYYY-MM-DD, at most 25 years apart, from 1971.
- `channel`, `queue`, `agent` (an extension), `direction`, `district`,
  `language` (az | ru: chats only): the filters of
  contact_center.stats.filters.Filters. Several of queue, agent, direction,
  district at once, or language, are computed from the records: at most 400 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from contact_center.stats.filters import CHANNELS, LANGUAGES, Filters, Reference

FILTER_PARAMS = ("channel", "queue", "agent", "direction", "district", "language")
# include=agents: agents.per_agent, read from the records of the whole period (a year takes
# about a second with 14 M agent-state intervals), so only when asked for.
INCLUDES = ("agents",)
PARAMS = ("period", "from", "to", *FILTER_PARAMS, "include")
PERIODS = ("today", "week", "month", "custom", "cumulative")
MAX_DAYS = 366 * 25
# Beyond this, several rollup filters at once (no rollup row answers them)
# would take tens of seconds to compute from the records.
MAX_RECORDS_DAYS = 400


class QueryError(ValueError):
    """A parameter the question cannot be asked with.

    `field` names it, `message` says what is wrong in English (the API, the
    CLI) and `reason` says it as a code, for pages that speak another language:
    unknown, period, missing, date, order, too_long, too_early, invalid,
    not_listed, records_limit."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class StatsQuery:
    period: str  # one of PERIODS
    date_from: date
    date_to: date
    filters: Filters
    agents: bool = False  # include=agents

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def filter_params(self) -> dict[str, str]:
        """The filters that are set, as query parameters."""
        return {k: v for k, v in self.filters.as_dict().items() if v is not None}


def _value(params: Mapping[str, str], name: str) -> str:
    return str(params.get(name) or "").strip()


def period_of(params: Mapping[str, str]) -> str:
    """The period asked for, as written (`parse_query` checks it)."""
    return _value(params, "period") or ("custom" if _value(params, "from") or _value(params, "to") else "today")


def _day(params: Mapping[str, str], name: str) -> date:
    raw = _value(params, name)
    if not raw:
        raise QueryError(name, "missing", f"'{name}' is required (YYYY-MM-DD)")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise QueryError(name, "date", f"'{name}' must be a date YYYY-MM-DD, got {raw[:20]!r}") from None


def _period(params: Mapping[str, str], today: date, first_activity: date | None) -> tuple[str, date, date]:
    period = period_of(params)
    if period == "custom":
        date_from, date_to = _day(params, "from"), _day(params, "to")
        if date_to < date_from:
            raise QueryError("to", "order", "'to' is before 'from'")
        if date_to - date_from > timedelta(days=MAX_DAYS):
            raise QueryError("to", "too_long", f"the period is longer than {MAX_DAYS} days")
        if date_from.year < 1971:
            raise QueryError("from", "too_early", "'from' must be in 1971 or later")
        return period, date_from, date_to
    if period == "today":
        return period, today, today
    if period == "week":
        return period, today - timedelta(days=today.weekday()), today
    if period == "month":
        return period, today.replace(day=1), today
    if period == "cumulative":  # nothing recorded yet: today
        return period, min(first_activity, today) if first_activity else today, today
    raise QueryError("period", "period", f"'period' must be one of {', '.join(PERIODS)}")


def _filters(params: Mapping[str, str], reference: Reference) -> Filters:
    values: dict[str, str | None] = {}
    for name in FILTER_PARAMS:
        raw = _value(params, name)
        if len(raw) > 64 or any(c in raw for c in ":\x00"):
            raise QueryError(name, "invalid", f"'{name}' is not a valid value")
        values[name] = raw or None
    if values["channel"] is not None and values["channel"] not in CHANNELS:
        raise QueryError("channel", "not_listed", f"'channel' must be one of {', '.join(CHANNELS)}")
    if values["direction"] is not None and values["direction"] not in reference.directions:
        raise QueryError("direction", "not_listed", f"unknown direction {values['direction']!r}")
    if values["district"] is not None and values["district"] not in reference.districts:
        raise QueryError("district", "not_listed", f"unknown district {values['district']!r}")
    if values["language"] is not None and values["language"] not in LANGUAGES:
        raise QueryError("language", "not_listed", f"'language' must be one of {', '.join(LANGUAGES)}")
    return Filters(**values)


def parse_query(
    params: Mapping[str, str], *, today: date, reference: Reference, first_activity: date | None = None
) -> StatsQuery:
    """The question `params` ask, or QueryError naming the first bad parameter.

    `today` is the local day; `first_activity` the first local day with a
    record, needed for period=cumulative only (see `period_of`)."""
    for name in params:
        if name not in PARAMS:
            raise QueryError(name, "unknown", f"unknown parameter {name!r}")
    period, date_from, date_to = _period(params, today, first_activity)
    include = _value(params, "include")
    if include and include not in INCLUDES:
        raise QueryError("include", "not_listed", f"'include' must be one of {', '.join(INCLUDES)}")
    query = StatsQuery(period, date_from, date_to, _filters(params, reference), agents=include == "agents")
    if query.filters.fkey() is None and query.days > MAX_RECORDS_DAYS:
        dims = list(query.filters.dims())
        field = "language" if "language" in dims else dims[1]
        raise QueryError(field, "records_limit",
                         f"several of queue, agent, direction, district at once, or language, are computed "
                         f"from the records: at most {MAX_RECORDS_DAYS} days (or use one rollup filter)")
    return query
