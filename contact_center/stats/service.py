"""One entry point for a summary request (the API and `cc142 stats` share it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from contact_center.config import Settings
from contact_center.stats.filters import FilterError, parse_filters, parse_period
from contact_center.stats.query import snapshot
from contact_center.stats.summary import build_summary, load_labels

SUMMARY_PARAMS = ("from", "to", "channel", "queue", "agent", "direction", "district")
# Beyond these, a period computed from the records would take tens of seconds:
# several rollup filters at once (no rollup row), or before the first build.
MAX_RECORDS_DAYS = 400
MAX_UNBUILT_DAYS = 62


class StatsUnavailable(Exception):
    """The rollups are being built for the first time; retry shortly."""


def check_params(query: Mapping[str, str]) -> None:
    for name in query:
        if name not in SUMMARY_PARAMS:
            raise FilterError(name, f"unknown parameter {name!r}")


async def summary_from_query(conn: asyncpg.Connection, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    """Raises FilterError naming the bad parameter."""
    check_params(query)
    date_from, date_to = parse_period(query)
    labels = await load_labels(conn)
    filters = parse_filters(query, labels.reference())
    days = (date_to - date_from).days + 1
    if filters.fkey() is None and days > MAX_RECORDS_DAYS:
        second = list(filters.dims())[1]
        raise FilterError(second, f"several of queue, agent, direction, district at once are computed from the "
                                  f"records: at most {MAX_RECORDS_DAYS} days (or use one of them)")
    snap = await snapshot(conn, settings.tz)
    if snap.state.watermark is None and days > MAX_UNBUILT_DAYS:
        raise StatsUnavailable()
    return await build_summary(conn, settings, date_from, date_to, filters, labels=labels, snap=snap)
