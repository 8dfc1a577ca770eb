"""Callbacks for abandoned calls, queued on the PBX ingest path
(contact_center.calls.hooks decides which calls qualify)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from contact_center.events import callback_created, publish

# The abandoned-call rule, in one statement on the PBX ingest path: a callback for
# each abandoned call that never had one, unless the number already has one open.
_ABANDONED_SQL = """
WITH src AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS s(call_id, phone, due_at)
), ins AS (
    INSERT INTO callbacks (phone, note, source, status, due_at, attempts, abandoned_call_id)
    SELECT s.phone, '', 'abandoned_call', 'open', s.due_at, 0, s.call_id
    FROM src s JOIN calls c ON c.id = s.call_id
    WHERE c.direction = 'inbound'
      AND NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.abandoned_call_id = s.call_id)
    ON CONFLICT (phone) WHERE status IN ('open','claimed') DO NOTHING
    RETURNING id, due_at
)
SELECT id, due_at FROM ins ORDER BY id
"""


async def create_for_abandoned_calls(
    conn: asyncpg.Connection, items: Sequence[tuple[int, str, datetime]]
) -> int:
    """(call id, normalised phone, due time) for each abandoned call; returns how many were
    queued (each announced to the agents).

    Runs on the PBX ingest's driver connection (contact_center/db/driver.py)."""
    if not items:
        return 0
    rows = await conn.fetch(
        _ABANDONED_SQL, [i[0] for i in items], [i[1] for i in items], [i[2] for i in items]
    )
    await publish(conn, *(callback_created(row["id"], "abandoned_call", row["due_at"]) for row in rows))
    return len(rows)
