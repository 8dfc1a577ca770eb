"""Recording PBX events: store them, then what else happens to the calls they changed.

Every way call events come in goes through `record()`: the PBX batcher
(POST /api/v1/pbx/events), the queue_log endpoint and `cc142 import-queue-log`.
Agent-state events go the same way (`agent_events`: the JSON API's agent
types, queue_log's agent lines, AMI's member events), and the call events
this ingest stored make the answering agent on_call / wrap_up
(contact_center/accounts/agent_states.py). It runs on a driver connection inside the caller's transaction
(contact_center/db/driver.py), so the events, the call records and the
hooks' effects (screen pops, abandoned-call callbacks) commit together or
not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from contact_center.accounts.agent_states import AgentEventIn, record_agent_events
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
    agent_events: Sequence[AgentEventIn] = (),
) -> IngestResult:
    """Store `events` (a repeated event id is a duplicate) and run the call hooks once,
    on each changed call's state after the last statement; then the agent states:
    `agent_events` and what the new call events say about their agents."""
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
    states = [*agent_events, *call_agent_events([e for e in events if e.event_id in inserted], calls,
                                                          settings.wrap_up_seconds)]
    if states:
        await record_agent_events(conn, states, wrap_up_seconds=settings.wrap_up_seconds)
    return IngestResult(len(inserted), len(events) - len(inserted), calls, frozenset(inserted))


# A call event -> the agent-state event of the extension that took the call.
_CALL_STATES = {"answered": "on_call", "completed": "wrap_up", "transferred": "wrap_up"}


def call_agent_events(
    events: Sequence[PbxEventIn], calls: Sequence[ChangedCall], wrap_up_seconds: int
) -> list[AgentEventIn]:
    """answered -> on_call, completed/transferred -> wrap_up, for the event's agent (or,
    when the exchange leaves it out of the end event, the call's)."""
    agent_of = {c.pbx_call_id: c.agent for c in calls}
    out: list[AgentEventIn] = []
    for e in events:
        kind = _CALL_STATES.get(e.type)
        agent = e.agent or agent_of.get(e.call_id)
        if kind is None or not agent:
            continue
        out.append(AgentEventIn("call:" + e.event_id[:190], agent, kind, e.at, "calls", e.queue, None, e.call_id,
                                wrap_up_seconds if kind == "wrap_up" else None))
    return out
