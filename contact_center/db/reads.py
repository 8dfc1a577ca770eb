"""Where the heavy reads go: a read replica when DATABASE_READ_URL is set.

The statistics (summary and report APIs, dashboards, wallboard figures), the
drill-down lists and their exports read a lot and write nothing, so an
operator can point them at a streaming replica and keep the primary for the
work that must not wait (PBX ingest, chat, the console's writes).

A replica that does not answer is no reason to fail a supervisor's page: the
read goes to the primary, a warning says so once, and the replica is tried
again after `RETRY_SECONDS`. Each read says where it came from and how fresh
it is (`Snapshot.source`, `Snapshot.as_of`), and the APIs pass both on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = logging.getLogger(__name__)

RETRY_SECONDS = 10.0  # after a failure, the primary serves the reads this long
PING_SECONDS = 3.0

# On a replica: how far the data reaches. A replica that has replayed all it
# received is as fresh as the primary told it (now); one that lags is as fresh
# as the last transaction it replayed. On the primary (no replica, or the
# fallback): now.
_AS_OF = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN now() "
    "WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN now() "
    "ELSE coalesce(pg_last_xact_replay_timestamp(), now()) END"
)


@dataclass(frozen=True)
class Snapshot:
    """One read-only REPEATABLE READ transaction on the replica or the primary."""

    conn: asyncpg.Connection
    source: str  # "replica" | "primary"
    as_of: datetime

    def freshness(self) -> dict[str, str]:
        """What the JSON APIs add: {"as_of": ISO time, "read_from": source}."""
        return {"as_of": self.as_of.isoformat(), "read_from": self.source}


class ReadDatabase:
    """The replica's engine (if any) with the primary's behind it."""

    def __init__(self, primary: AsyncEngine, replica: AsyncEngine | None = None) -> None:
        self.primary = primary
        self.replica = replica
        self._skip_until = 0.0

    @property
    def replica_up(self) -> bool | None:
        """None without a replica; False while reads fall back to the primary."""
        if self.replica is None:
            return None
        return time.monotonic() >= self._skip_until

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[tuple[AsyncConnection, str]]:
        """A pooled connection that answered a ping, and where it is: "replica" or "primary"."""
        conn = await self._replica_connection()
        if conn is not None:
            try:
                yield conn, "replica"
            finally:
                await conn.close()
            return
        async with self.primary.connect() as conn:
            yield conn, "primary"

    async def _replica_connection(self) -> AsyncConnection | None:
        if self.replica is None or time.monotonic() < self._skip_until:
            return None
        conn: AsyncConnection | None = None
        try:
            conn = await asyncio.wait_for(self.replica.connect(), PING_SECONDS)
            raw = (await conn.get_raw_connection()).driver_connection
            await asyncio.wait_for(raw.fetchval("SELECT 1"), PING_SECONDS)  # type: ignore[union-attr]
            return conn
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of the replica means: read from the primary
            if conn is not None:
                await conn.invalidate()  # a broken pooled connection must not come back
                await conn.close()
            self._skip_until = time.monotonic() + RETRY_SECONDS
            log.warning("read replica unavailable (%s: %s); reading from the primary for %.0f s",
                        type(exc).__name__, str(exc)[:200], RETRY_SECONDS)
            return None

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """`async with reads.snapshot() as snap:` the statistics' consistent read (snap.conn is asyncpg)."""
        async with self.connection() as (conn, source):
            raw: asyncpg.Connection = (await conn.get_raw_connection()).driver_connection  # type: ignore[assignment]
            async with raw.transaction(isolation="repeatable_read", readonly=True):
                as_of = await raw.fetchval(_AS_OF)
                yield Snapshot(raw, source, as_of)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (lists, exports): `reads.session` stands in for a sessionmaker."""
        async with self.connection() as (conn, _source):
            async with AsyncSession(bind=conn, expire_on_commit=False) as session:
                yield session
