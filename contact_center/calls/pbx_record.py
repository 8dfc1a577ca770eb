"""Recording PBX events: store them, then what else happens to the calls they changed.

Every way call events come in goes through `record()`: the PBX batcher
(POST /api/v1/pbx/events), the queue_log endpoint and `cc142 import-queue-log`.
It runs on a driver connection inside the caller's transaction
(contact_center/db/driver.py), so the events, the call records and the
hooks' effects (screen pops, abandoned-call callbacks) commit together or
not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from contact_center.calls.hooks import calls_changed
from contact_center.calls.pbx_ingest import ChangedCall, IngestResult, PbxEventIn, ingest_events
from contact_center.config import Settings

# Events per ingest statement: large imports go in several, one transaction.
CHUNK = 1000


async def record(
    conn: asyncpg.Connection,
    settings: Settings,
    events: Sequence[PbxEventIn],
    *,
    source: str = "api",
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Store `events` (a repeated event id is a duplicate) and run the call hooks once,
    on each changed call's state after the last statement."""
    inserted: set[str] = set()
    changed: dict[int, ChangedCall] = {}
    for start in range(0, len(events), CHUNK):
        part = events[start : start + CHUNK]
        result = await ingest_events(conn, part, source=source)
        inserted |= result.inserted_ids
        changed.update((c.id, c) for c in result.calls)  # the latest state wins
        if progress:
            progress(len(part))
    calls = list(changed.values())
    await calls_changed(conn, settings, calls)
    return IngestResult(len(inserted), len(events) - len(inserted), calls, frozenset(inserted))
