"""Where the connector's call events go: `pbx_record.record` (the ingest + the call
hooks in one transaction), the one path every PBX input takes, so AMI adds no second
path into the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.calls.ami.connector import CallSink
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
