"""One view of a summary request, rendered three ways: JSON by the API, HTML
by the dashboard, text by `cc142 stats`. Each reads the question with
`read_query` and computes the figures with `summarize` (or both at once with
`summary_from_query`); a QueryError or StatsUnavailable is theirs to render."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg

from contact_center.config import Settings
from contact_center.stats import facts
from contact_center.stats.params import StatsQuery, parse_query, period_of
from contact_center.stats.query import snapshot
from contact_center.stats.summary import Labels, build_summary, load_labels
from contact_center.timeutil import local_date

# Before the first rollup build, a longer period computed from the records
# would take tens of seconds.
MAX_UNBUILT_DAYS = 62


class StatsUnavailable(Exception):
    """The rollups are being built for the first time; retry shortly."""


async def read_query(
    conn: asyncpg.Connection, settings: Settings, params: Mapping[str, str], *, labels: Labels | None = None
) -> StatsQuery:
    """The question `params` ask (QueryError otherwise), with the reference codes and,
    for the cumulative period, the first record read from `conn`."""
    labels = labels or await load_labels(conn)
    first = await facts.first_activity(conn, settings.tz) if period_of(params) == "cumulative" else None
    return parse_query(params, today=local_date(datetime.now(UTC), settings.tz), reference=labels.reference(),
                       first_activity=first)


async def summarize(
    conn: asyncpg.Connection, settings: Settings, query: StatsQuery, *, labels: Labels | None = None,
    with_agents: bool | None = None,
) -> dict[str, Any]:
    """The figures answering `query` (StatsUnavailable before the first rollup build
    for periods over MAX_UNBUILT_DAYS); `conn` in one REPEATABLE READ transaction."""
    snap = await snapshot(conn, settings.tz)
    if snap.state.watermark is None and query.days > MAX_UNBUILT_DAYS:
        raise StatsUnavailable()
    return await build_summary(conn, settings, query.date_from, query.date_to, query.filters,
                               labels=labels or await load_labels(conn), snap=snap,
                               with_agents=query.agents if with_agents is None else with_agents)


async def summary_from_query(conn: asyncpg.Connection, settings: Settings, params: Mapping[str, str]) -> dict[str, Any]:
    """`read_query`, then `summarize`."""
    labels = await load_labels(conn)
    return await summarize(conn, settings, await read_query(conn, settings, params, labels=labels), labels=labels)
