"""Group commit for PBX requests: concurrent requests share one transaction.

One per process (started by contact_center.runtime); the PBX endpoint
(webhooks/pbx.py) hands it each request's parsed events.

The exchange posts every event on its own, so at peak most requests carry a
single event, and a transaction per request (BEGIN, the ingest statement,
COMMIT: three round trips and a WAL flush) costs far more than the event.
Requests that arrive while a write is in flight wait for the next one and
go in together, in one statement; each request still gets its own answer
(accepted and duplicates counted per request) only after the transaction
holding its events has committed, and a failed transaction fails every
request in it (nothing half-written: each one is answered with an error
and the exchange retries it).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.calls.pbx_ingest import PbxEventIn
from contact_center.calls.pbx_record import record
from contact_center.config import Settings
from contact_center.db.driver import driver_transaction

# Requests of this many events or more are batches already: they get their
# own transaction at once (and run in parallel). Smaller ones are grouped,
# at most MAX_BATCH_EVENTS per statement, with at most MAX_CONCURRENT_WRITES
# group writes at once, so that a group fills while the previous one commits.
OWN_TRANSACTION_EVENTS = 50
MAX_BATCH_EVENTS = 500
MAX_CONCURRENT_WRITES = 2


@dataclass(frozen=True, slots=True)
class Counts:
    accepted: int
    duplicates: int


@dataclass(slots=True)
class _Request:
    events: Sequence[PbxEventIn]
    done: asyncio.Future[Counts]


class PbxBatcher:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._queue: deque[_Request] = deque()
        self._writers = 0

    async def ingest(self, events: Sequence[PbxEventIn]) -> Counts:
        """Store `events` (one request's, all or nothing); returns once committed."""
        if len(events) >= OWN_TRANSACTION_EVENTS:
            request = _Request(events, asyncio.get_running_loop().create_future())
            await self._write([request])
            return request.done.result()
        request = _Request(events, asyncio.get_running_loop().create_future())
        self._queue.append(request)
        if self._writers < MAX_CONCURRENT_WRITES:
            self._writers += 1
            asyncio.create_task(self._write_while_queued())
        return await request.done

    async def _write_while_queued(self) -> None:
        try:
            while self._queue:
                batch = self._take()
                try:
                    await self._write(batch)
                except BaseException as exc:  # noqa: BLE001 - every waiter must hear of it
                    for r in batch:
                        if not r.done.done():
                            r.done.set_exception(exc)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
        finally:
            self._writers -= 1

    def _take(self) -> list[_Request]:
        batch, size = [], 0
        while self._queue and (not batch or size + len(self._queue[0].events) <= MAX_BATCH_EVENTS):
            r = self._queue.popleft()
            batch.append(r)
            size += len(r.events)
        return batch

    async def _write(self, batch: list[_Request]) -> None:
        # An event id repeated across requests belongs to the first request
        # that carries it; later copies are that request's duplicates.
        owned: list[list[str]] = []
        events: list[PbxEventIn] = []
        seen: set[str] = set()
        for r in batch:
            mine = []
            for e in r.events:
                if e.event_id not in seen:
                    seen.add(e.event_id)
                    mine.append(e.event_id)
                    events.append(e)
            owned.append(mine)
        async with driver_transaction(self._engine) as conn:
            result = await record(conn, self._settings, events)
        for r, mine in zip(batch, owned):
            accepted = sum(1 for event_id in mine if event_id in result.inserted_ids)
            if not r.done.done():  # its handler may have been cancelled meanwhile
                r.done.set_result(Counts(accepted, len(r.events) - accepted))
