"""Store PBX call events and fold them into call records.

One SQL statement per request: insert the events (a repeated event_id is a
duplicate and is skipped), then merge what the new events say into `calls`.
Every merge is order-independent (earliest enqueue/answer, latest end), and
status, wait and talk time are generated columns computed by PostgreSQL
from the merged timestamps, so out-of-order delivery gives the same record.
A post-call survey is an event like the others: one that arrives before its
call makes the call row (no enqueue time, so no statistics count it) and the
call's events fill it in later. Of several surveys the latest `at` wins
(equal times: the higher score), whatever order they came in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class PbxEventIn:
    event_id: str
    call_id: str
    type: str
    at: datetime
    caller: str | None = None
    queue: str | None = None
    agent: str | None = None
    direction: str = "inbound"
    score: int | None = None  # type "survey" only: the citizen's rating 1..5


@dataclass(frozen=True, slots=True)
class ChangedCall:
    """A call touched by this ingest, as it stands after the merge."""

    id: int
    pbx_call_id: str
    status: str
    caller: str | None
    agent: str | None
    wait_seconds: float | None
    enqueued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    answered_now: bool  # this request carried the call's answer event


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int
    calls: list[ChangedCall]
    # The event ids this call stored (not duplicates), for callers that
    # share one statement between several requests.
    inserted_ids: frozenset[str] = frozenset()


_TERMINAL = "('completed','abandoned','transferred','timeout','exit_key','exit_empty')"

INGEST_SQL = f"""
WITH ev AS (
    SELECT * FROM unnest(
        $1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[],
        $10::smallint[]
    ) AS e(event_id, call_id, type, at, caller, queue, agent, direction, score)
), ins AS (
    INSERT INTO pbx_events (event_id, call_id, type, at, caller, queue, agent, direction, source, score)
    SELECT event_id, call_id, type, at, caller, queue, agent, direction, $9::text, score FROM ev
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id, call_id, type, at, caller, queue, agent, direction, score
), agg AS (
    SELECT
        call_id,
        max(direction) AS direction,
        (array_agg(caller ORDER BY at) FILTER (WHERE caller IS NOT NULL))[1] AS caller,
        (array_agg(queue ORDER BY at) FILTER (WHERE queue IS NOT NULL))[1] AS queue,
        (array_agg(agent ORDER BY at) FILTER (WHERE type = 'answered' AND agent IS NOT NULL))[1] AS agent,
        min(at) FILTER (WHERE type = 'enqueued') AS enqueued_at,
        min(at) FILTER (WHERE type = 'answered') AS answered_at,
        max(at) FILTER (WHERE type IN {_TERMINAL}) AS ended_at,
        min(type) FILTER (WHERE type IN ('abandoned','timeout','exit_key','exit_empty')) AS unanswered_reason,
        bool_or(type = 'transferred') AS transferred,
        (array_agg(score ORDER BY at DESC, score DESC) FILTER (WHERE type = 'survey'))[1] AS survey_score,
        max(at) FILTER (WHERE type = 'survey') AS survey_at
    FROM ins GROUP BY call_id
), up AS (
INSERT INTO calls AS c (
    pbx_call_id, direction, caller, queue, agent, enqueued_at, answered_at, ended_at,
    unanswered_reason, transferred, survey_score, survey_at
)
SELECT call_id, direction, caller, queue, agent, enqueued_at, answered_at, ended_at,
       unanswered_reason, transferred, survey_score, survey_at
FROM agg
ON CONFLICT (pbx_call_id) DO UPDATE SET
    direction = GREATEST(c.direction, EXCLUDED.direction),
    caller = COALESCE(c.caller, EXCLUDED.caller),
    queue = COALESCE(c.queue, EXCLUDED.queue),
    -- the agent is the one on the earliest answer, whichever arrived first
    agent = CASE
        WHEN EXCLUDED.answered_at IS NOT NULL
             AND (c.answered_at IS NULL OR EXCLUDED.answered_at < c.answered_at)
        THEN COALESCE(EXCLUDED.agent, c.agent)
        ELSE COALESCE(c.agent, EXCLUDED.agent)
    END,
    enqueued_at = LEAST(c.enqueued_at, EXCLUDED.enqueued_at),
    answered_at = LEAST(c.answered_at, EXCLUDED.answered_at),
    ended_at = GREATEST(c.ended_at, EXCLUDED.ended_at),
    unanswered_reason = LEAST(c.unanswered_reason, EXCLUDED.unanswered_reason),
    transferred = c.transferred OR EXCLUDED.transferred,
    -- the latest survey wins (equal times: the higher score), in any arrival order
    survey_score = CASE
        WHEN EXCLUDED.survey_at IS NOT NULL AND (c.survey_at IS NULL
             OR (EXCLUDED.survey_at, EXCLUDED.survey_score) > (c.survey_at, c.survey_score))
        THEN EXCLUDED.survey_score ELSE c.survey_score
    END,
    survey_at = GREATEST(c.survey_at, EXCLUDED.survey_at),
    updated_at = now()
RETURNING c.id, c.pbx_call_id, c.status, c.caller, c.agent, c.wait_seconds,
          c.enqueued_at, c.answered_at, c.ended_at,
          c.pbx_call_id IN (SELECT call_id FROM agg WHERE answered_at IS NOT NULL) AS answered_now
)
-- the stored event ids ride on the first row only (not repeated on every call)
SELECT up.*,
       CASE WHEN row_number() OVER () = 1 THEN (SELECT array_agg(event_id) FROM ins) END AS inserted
FROM up
"""


async def ingest_events(
    conn: asyncpg.Connection, events: Sequence[PbxEventIn], *, source: str = "api"
) -> IngestResult:
    """Store `events` and merge them into their calls, on a driver connection inside
    the caller's transaction (see contact_center/db/driver.py)."""
    if not events:
        return IngestResult(0, 0, [])
    rows = await conn.fetch(
        INGEST_SQL,
        [e.event_id for e in events],
        [e.call_id for e in events],
        [e.type for e in events],
        [e.at for e in events],
        [e.caller for e in events],
        [e.queue for e in events],
        [e.agent for e in events],
        [e.direction for e in events],
        source,
        [e.score for e in events],
    )
    # No row back means every event was a duplicate (nothing to merge).
    inserted = frozenset(rows[0]["inserted"]) if rows else frozenset()
    calls = [ChangedCall(*tuple(row)[:-1]) for row in rows]
    return IngestResult(len(inserted), len(events) - len(inserted), calls, inserted)
