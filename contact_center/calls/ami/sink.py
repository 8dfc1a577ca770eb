"""Where the connector's call events go: `pbx_record.record` (the ingest + the call
hooks in one transaction), the one path every PBX input takes, so AMI adds no second
path into the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.accounts.agent_states import AgentEventIn, record_agent_events
from contact_center.calls.ami.connector import AgentSink, CallSink
from contact_center.calls.ami.mapping import AgentStateEvent
from contact_center.calls.pbx_ingest import IngestResult, PbxEventIn
from contact_center.calls.pbx_record import record
from contact_center.config import Settings
from contact_center.db.driver import driver_transaction


def store_call_events(
    engine: AsyncEngine, settings: Settings, on_result: Callable[[IngestResult], None] | None = None
) -> CallSink:
    """`on_calls` for AmiConnector: one transaction per batch (events, the merged
    calls, screen pops and abandoned-call callbacks commit together). `on_result`
    hears each committed batch's counts (the metrics)."""

    async def store(events: Sequence[PbxEventIn]) -> None:
        seen: set[str] = set()
        unique: list[PbxEventIn] = []
        for e in events:  # one statement cannot insert the same id twice: keep the first
            if e.event_id not in seen:
                seen.add(e.event_id)
                unique.append(e)
        async with driver_transaction(engine) as conn:
            result = await record(conn, settings, unique, source="ami")
        if on_result is not None:
            on_result(result)

    return store


def agent_events_from_ami(events: Sequence[AgentStateEvent]) -> list[AgentEventIn]:
    """AMI member events -> the agent-state model's events (one model for every source).

    Added/removed: login/logoff of that queue. Pause: pause (with PausedReason) or
    unpause. A member status (QueueMemberStatus): the member is in the queue. A
    QueueStatus member after a (re)connect: in the queue, paused (since LastPause)
    or not."""
    out: list[AgentEventIn] = []
    for e in events:
        if e.kind in ("login", "logoff", "pause", "unpause"):
            out.append(AgentEventIn(e.event_id, e.extension, e.kind, e.at, "ami", e.queue,
                                    e.reason if e.kind == "pause" else None))
        elif e.kind == "status":
            out.append(AgentEventIn(e.event_id + ":login", e.extension, "login", e.at, "ami", e.queue))
            # Only the QueueStatus reply says anything about the pause: a device-state change
            # (QueueMemberStatus, every ring) must not undo a pause taken in the console.
            if e.snapshot and e.paused is not None:
                kind = "pause" if e.paused else "unpause"
                at = e.since if (e.snapshot and e.paused and e.since is not None) else e.at
                out.append(AgentEventIn(e.event_id + ":" + kind, e.extension, kind, at, "ami", e.queue,
                                        e.reason if e.paused else None))
    return out


def store_agent_events(engine: AsyncEngine, settings: Settings) -> AgentSink:
    """`on_agents` for AmiConnector: the member events into the agent states, one
    transaction per batch."""

    async def store(events: Sequence[AgentStateEvent]) -> None:
        async with driver_transaction(engine) as conn:
            await record_agent_events(conn, agent_events_from_ami(events), wrap_up_seconds=settings.wrap_up_seconds)

    return store
