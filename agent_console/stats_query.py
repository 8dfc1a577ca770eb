"""What a statistics page was asked for: the period and the filters, from the
query string, with Azerbaijani messages for what is wrong.

Periods: today, this week (Monday to today), this month (the 1st to today),
custom (from / to) and cumulative (the first record to today). The filters
are those of the statistics engine (contact_center.stats.filters.Filters):
channel, queue, agent (extension), direction, district.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from contact_center.stats.filters import FilterError

PERIODS = {"today": "Bu gün", "week": "Bu həftə", "month": "Bu ay", "custom": "Seçilmiş dövr",
           "cumulative": "Kumulyativ"}
FILTER_NAMES = ("channel", "queue", "agent", "direction", "district")
CHANNEL_LABELS = {"phone": "Daxil olan zənglər", "callback": "Əks-əlaqə zəngləri", "web_chat": "Onlayn çat",
                  "facebook": "Facebook", "instagram": "Instagram"}

BAD_DATE = "Tarixi İİİİ-AA-GG formatında seçin."


@dataclass(frozen=True)
class StatsQuery:
    period: str
    date_from: date
    date_to: date
    filters: dict[str, str] = field(default_factory=dict)  # the filters that are set

    @property
    def label(self) -> str:
        if self.date_from == self.date_to:
            return f"{self.date_from:%d.%m.%Y}"
        return f"{self.date_from:%d.%m.%Y} – {self.date_to:%d.%m.%Y}"

    def engine_query(self) -> dict[str, str]:
        """The parameters of contact_center.stats.service.summary_from_query."""
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(), **self.filters}

    def args(self, **extra: object) -> dict[str, object]:
        """This page's own query string (links that keep the period and filters)."""
        out: dict[str, object] = {"period": self.period, **self.filters}
        if self.period == "custom":
            out |= {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        return out | extra


@dataclass(frozen=True)
class QueryErrors:
    """field -> Azerbaijani message; `values` echoes the form as typed."""

    errors: dict[str, str]
    values: dict[str, str]


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def parse_stats_query(query: Mapping[str, str], today: date, first_activity: date | None) -> StatsQuery | QueryErrors:
    """`first_activity` is needed for "cumulative" only (None: nothing recorded yet -> today)."""
    values = {k: str(query.get(k, "")).strip() for k in ("period", "from", "to", *FILTER_NAMES)}
    errors: dict[str, str] = {}
    period = values["period"] or ("custom" if values["from"] or values["to"] else "today")
    if period not in PERIODS:
        errors["period"] = "Dövrü siyahıdan seçin."
        period = "today"
    date_from = date_to = today
    if period == "week":
        date_from = today - timedelta(days=today.weekday())
    elif period == "month":
        date_from = today.replace(day=1)
    elif period == "cumulative":
        date_from = min(first_activity, today) if first_activity else today
    elif period == "custom":
        parsed_from, parsed_to = _day(values["from"]), _day(values["to"] or values["from"])
        if parsed_from is None:
            errors["from"] = BAD_DATE
        if parsed_to is None:
            errors["to"] = BAD_DATE
        if parsed_from and parsed_to:
            if parsed_to < parsed_from:
                errors["to"] = "Son tarix başlanğıc tarixindən əvvəl ola bilməz."
            elif parsed_from.year < 1971 or (parsed_to - parsed_from).days > 366 * 25:
                errors["from"] = "Dövr çox uzundur: ən çox 25 il seçin."
            date_from, date_to = parsed_from, parsed_to
    filters = {k: values[k] for k in FILTER_NAMES if values[k]}
    if errors:
        return QueryErrors(errors, values)
    return StatsQuery(period, date_from, date_to, filters)


def filter_error_message(exc: FilterError) -> str:
    """The statistics engine's refusal (English, for the API) said for a supervisor."""
    if exc.field in ("from", "to"):
        return "Dövr düzgün deyil: " + BAD_DATE
    if "several of" in exc.message:
        return ("Bir neçə süzgəc birlikdə ən çox 400 günlük dövr üçün hesablanır: dövrü qısaldın "
                "və ya süzgəclərdən birini götürün.")
    if exc.field in ("channel", "direction", "district"):
        return "Bu dəyər siyahıda yoxdur: siyahıdan seçin."
    return "Bu dəyər düzgün deyil (ən çox 64 simvol, ':' olmadan)."
