"""Read the records behind the figures, one fact row per call, callback and
conversation, for some local days and filters.

The same loaders feed the refresher (all days touched, no filter) and the
live part of a query (days not yet refreshed, with the query's filters), so
the rollups and a computation from the records cannot disagree.

Each fact carries its *stats day*: the local date (CC142_TIMEZONE) a call
entered the queue, a callback was requested, a conversation started.
Registrations count on their call's day (a registration without a PBX call
on the day it happened).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from contact_center.stats.filters import Filters
from contact_center.timeutil import local_range


@dataclass(frozen=True)
class Ranges:
    """Runs of consecutive local days, as [start, end) instants."""

    bounds: tuple[tuple[datetime, datetime], ...]

    @classmethod
    def of_days(cls, days: Sequence[date], tz: ZoneInfo) -> "Ranges":
        runs: list[tuple[date, date]] = []
        for d in sorted(set(days)):
            if runs and (d - runs[-1][1]).days == 1:
                runs[-1] = (runs[-1][0], d)
            else:
                runs.append((d, d))
        return cls(tuple(local_range(a, b, tz) for a, b in runs))

    @classmethod
    def of_period(cls, date_from: date, date_to: date, tz: ZoneInfo) -> "Ranges":
        return cls((local_range(date_from, date_to, tz),))

    def sql(self, column: str, params: list[Any]) -> str:
        if not self.bounds:
            return "FALSE"
        parts = []
        for start, end in self.bounds:
            params.extend((start, end))
            parts.append(f"({column} >= ${len(params) - 1} AND {column} < ${len(params)})")
        return "(" + " OR ".join(parts) + ")"


def _param(params: list[Any], value: Any) -> str:
    params.append(value)
    return f"${len(params)}"


def _filter_sql(filters: Filters, params: list[Any], cols: dict[str, str | None]) -> str:
    """AND-ed predicates; a filter on a dimension the source lacks matches nothing."""
    preds = []
    for dim, value in filters.dims().items():
        col = cols.get(dim)
        preds.append("FALSE" if col is None else f"{col} = {_param(params, value)}")
    return "".join(f" AND {p}" for p in preds)


async def call_facts(
    conn: asyncpg.Connection, tz: ZoneInfo, ranges: Ranges, filters: Filters
) -> list[asyncpg.Record]:
    """Inbound calls that entered the queue on those days, each with its
    registration if any; plus registered phone calls with no queue record
    (entered by hand) with status 'manual'. survey_score: the post-call
    survey's rating, counted on the call's day."""
    params: list[Any] = [tz.key]
    agent = "COALESCE(c.agent, u.extension)"
    queue_only = Filters(queue=filters.queue)
    # language: a call has none, so a language filter leaves the calls out (FALSE)
    rest = Filters(agent=filters.agent, direction=filters.direction, district=filters.district,
                   language=filters.language)
    call_cols = {"queue": "c.queue", "agent": agent, "direction": "r.direction", "district": "r.district"}
    manual_cols = {"queue": None, "agent": "u.extension", "direction": "r.direction", "district": "r.district"}
    calls_where = ranges.sql("c.enqueued_at", params) + _filter_sql(queue_only, params, call_cols)
    joined_where = _filter_sql(rest, params, call_cols)
    manual_where = ranges.sql("r.occurred_at", params) + _filter_sql(filters, params, manual_cols)
    # The registrations of the period's calls lie between the smallest and the
    # largest of those calls' ids: one index range scan and a hash join, where
    # a plain join would scan every registration and a per-call probe is slow.
    if filters.direction is None and filters.district is None:
        calls_part = f"""
WITH c AS MATERIALIZED (
    SELECT c.id, c.enqueued_at, c.queue, c.agent, c.status, c.wait_seconds, c.talk_seconds, c.survey_score
    FROM calls c
    WHERE c.direction = 'inbound' AND c.enqueued_at IS NOT NULL AND {calls_where}
), span AS (SELECT min(id) AS lo, max(id) AS hi FROM c),
r AS MATERIALIZED (
    SELECT r.id, r.call_id, r.agent_id, r.direction, r.district, r.call_type, r.outcome
    FROM span JOIN call_registrations r ON r.call_id BETWEEN span.lo AND span.hi
)
SELECT timezone($1, c.enqueued_at)::date AS day,
       extract(hour FROM timezone($1, c.enqueued_at))::int AS hour,
       c.queue, {agent} AS agent, c.status, c.wait_seconds, c.talk_seconds, c.survey_score,
       r.direction, r.district, r.call_type, r.outcome, r.id IS NOT NULL AS registered
FROM c
LEFT JOIN r ON r.call_id = c.id
LEFT JOIN users u ON u.id = r.agent_id
WHERE TRUE{joined_where}
"""
    else:
        # Direction and district match registered calls only: start from the
        # registrations in the id span (filtered) and fetch just their calls.
        calls_part = f"""
WITH span AS (
    -- (id + 0: not min/max by walking the primary key, which may pass millions of rows)
    SELECT min(c.id + 0) AS lo, max(c.id + 0) AS hi FROM calls c
    WHERE c.direction = 'inbound' AND c.enqueued_at IS NOT NULL AND {calls_where}
)
SELECT timezone($1, c.enqueued_at)::date AS day,
       extract(hour FROM timezone($1, c.enqueued_at))::int AS hour,
       c.queue, {agent} AS agent, c.status, c.wait_seconds, c.talk_seconds, c.survey_score,
       r.direction, r.district, r.call_type, r.outcome, TRUE AS registered
FROM span
JOIN call_registrations r ON r.call_id BETWEEN span.lo AND span.hi
JOIN calls c ON c.id = r.call_id
LEFT JOIN users u ON u.id = r.agent_id
WHERE c.direction = 'inbound' AND c.enqueued_at IS NOT NULL AND {calls_where}{joined_where}
"""
    sql = calls_part + f"""UNION ALL
SELECT timezone($1, r.occurred_at)::date, extract(hour FROM timezone($1, r.occurred_at))::int,
       NULL, u.extension, 'manual', NULL, NULL, NULL,
       r.direction, r.district, r.call_type, r.outcome, TRUE
FROM call_registrations r
LEFT JOIN users u ON u.id = r.agent_id
WHERE r.call_id IS NULL AND r.channel = 'phone' AND {manual_where}
UNION ALL
SELECT timezone($1, r.occurred_at)::date, extract(hour FROM timezone($1, r.occurred_at))::int,
       NULL, u.extension, 'manual', NULL, NULL, NULL,
       r.direction, r.district, r.call_type, r.outcome, TRUE
FROM calls c
JOIN call_registrations r ON r.call_id = c.id
LEFT JOIN users u ON u.id = r.agent_id
WHERE c.enqueued_at IS NULL AND c.direction = 'inbound' AND {manual_where}
"""
    return await conn.fetch(sql, *params)


async def callback_facts(
    conn: asyncpg.Connection, tz: ZoneInfo, ranges: Ranges, filters: Filters
) -> list[asyncpg.Record]:
    params: list[Any] = [tz.key]
    cols = {"queue": None, "agent": "u.extension", "direction": "b.direction", "district": "b.district"}
    where = ranges.sql("b.created_at", params) + _filter_sql(filters, params, cols)
    sql = f"""
SELECT timezone($1, b.created_at)::date AS day, b.source, b.status, u.extension AS agent,
       b.direction, b.district, b.abandoned_call_id IS NOT NULL AS from_abandon,
       fa.first_at IS NOT NULL AS attempted, COALESCE(fa.first_at <= b.due_at, FALSE) AS within_sla
FROM callbacks b
LEFT JOIN users u ON u.id = b.claimed_by
LEFT JOIN LATERAL (SELECT min(a.at) AS first_at FROM callback_attempts a WHERE a.callback_id = b.id) fa ON TRUE
WHERE {where}
"""
    return await conn.fetch(sql, *params)


async def conversation_facts(
    conn: asyncpg.Connection, tz: ZoneInfo, ranges: Ranges, filters: Filters
) -> list[asyncpg.Record]:
    params: list[Any] = [tz.key]
    cols = {"queue": None, "agent": "u.extension", "direction": "v.direction", "district": "v.district",
            "language": "v.language"}
    where = ranges.sql("v.created_at", params) + _filter_sql(filters, params, cols)
    # Messages count on their conversation's day; a citizen message is answered
    # when a bot or agent reply follows it in the conversation.
    sql = f"""
SELECT timezone($1, v.created_at)::date AS day, v.channel, u.extension AS agent,
       v.direction, v.district, v.handoff_at IS NOT NULL AS handed_off, v.abandoned,
       extract(epoch FROM (v.first_agent_reply_at - v.handoff_at)) AS first_response,
       v.csat_score, m.received, m.answered, m.replied
FROM conversations v
LEFT JOIN users u ON u.id = v.assigned_to
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE x.sender = 'citizen') AS received,
           count(*) FILTER (WHERE x.sender = 'citizen' AND x.created_at <= x.last_reply) AS answered,
           bool_or(x.last_reply IS NOT NULL) AS replied
    FROM (
        SELECT sender, created_at,
               max(created_at) FILTER (WHERE sender IN ('bot', 'agent')) OVER () AS last_reply
        FROM messages
        WHERE conversation_id = v.id AND kind IN ('text', 'attachment')
    ) x
) m ON TRUE
WHERE v.channel IN ('web_chat', 'facebook', 'instagram') AND {where}
"""
    return await conn.fetch(sql, *params)


async def first_activity(conn: asyncpg.Connection, tz: ZoneInfo) -> date | None:
    """The first local day with any record (the start of 'cumulative')."""
    row = await conn.fetchval(
        """
SELECT timezone($1, least(
    (SELECT min(enqueued_at) FROM calls WHERE direction = 'inbound'),
    (SELECT min(occurred_at) FROM call_registrations),
    (SELECT min(created_at) FROM conversations),
    (SELECT min(created_at) FROM callbacks)))::date
""",
        tz.key,
    )
    return row
