"""One process at a time: leader election on a PostgreSQL advisory lock.

Some jobs must run in exactly one backend process of a deployment: the
statistics refresher (contact_center/stats/refresher.py), retention and
the Asterisk AMI connection. Every process
contends; the leader runs the job:

    await run_as_leader(dsn, "stats-refresher", refresh_forever)

or, for code that watches its leadership itself:

    async with leadership(dsn, "ami") as lead:
        ...                  # lead.lost is set the moment the lock may be gone

How it works:

- Each contender opens a DEDICATED asyncpg connection (not one of the pool:
  a pooled connection is returned, reset and closed by the pool, which would
  drop the lock behind our back) and tries `pg_try_advisory_lock(key)` every
  `retry_seconds`. The lock is a session lock: it lives exactly as long as
  that connection.
- The process holding it is the leader. When it dies or loses the
  connection (a crash, a network cut, pg_terminate_backend), PostgreSQL
  releases the lock and another contender takes over within `retry_seconds`.
- The leader watches its connection (asyncpg's termination callback, and a
  `SELECT 1` every `check_seconds` for a half-open TCP connection that never
  reports its end). When it is lost, `run_as_leader` cancels the job at once
  (it is no longer the only one running it) and, after stepping back for two
  tries (so that a contender with a healthy connection takes over first),
  contends again.
- The connection never holds a transaction open (every statement is
  autocommit), so it never holds back vacuum or the rollup refresher's
  horizon. It shows in pg_stat_activity as application_name
  "cc142 leader: <name>"; the key is `leader_key(name)` (pg_locks: an
  advisory lock, classid = the key's high 32 bits, objid = the low ones).

Names in use: "stats-refresher", "retention" (contact_center/privacy/retention.py),
"ami" (contact_center/runtime.py: the Asterisk Manager connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 5.0
CHECK_SECONDS = 15.0
CONNECT_TIMEOUT = 10.0


def leader_key(name: str) -> int:
    """The advisory lock key of a leadership: a stable, non-negative 63-bit hash of its name."""
    digest = hashlib.blake2b(f"cc142 leader: {name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


@dataclass
class Leadership:
    name: str
    key: int
    pid: int  # the backend of the dedicated connection (pg_stat_activity, pg_locks)
    lost: asyncio.Event = field(default_factory=asyncio.Event)


async def _acquire(
    dsn: str, name: str, key: int, retry_seconds: float, on_attempt: Callable[[bool], None] | None
) -> asyncpg.Connection:
    """A connection holding the lock; waits (and reconnects) for as long as it takes."""
    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(
                dsn, timeout=CONNECT_TIMEOUT, server_settings={"application_name": f"cc142 leader: {name}"}
            )
            while True:
                got = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
                if on_attempt is not None:
                    on_attempt(got)
                if got:
                    return conn
                await asyncio.sleep(retry_seconds)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # The database is away (or restarting): contend again when it is back.
            log.warning("leader %s: %s; trying again in %.1fs", name, exc, retry_seconds)
            if conn is not None:
                conn.terminate()
            await asyncio.sleep(retry_seconds)
        except BaseException:
            if conn is not None:
                conn.terminate()
            raise


async def _watch(conn: asyncpg.Connection, lost: asyncio.Event, check_seconds: float) -> None:
    conn.add_termination_listener(lambda _conn: lost.set())
    if conn.is_closed():
        lost.set()
    while not lost.is_set():
        try:
            await asyncio.wait_for(lost.wait(), check_seconds)
        except TimeoutError:
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), 5)
            except Exception:  # noqa: BLE001 - whatever it is, the lock can no longer be trusted
                lost.set()


@contextlib.asynccontextmanager
async def leadership(
    dsn: str,
    name: str,
    *,
    retry_seconds: float = RETRY_SECONDS,
    check_seconds: float = CHECK_SECONDS,
    on_attempt: Callable[[bool], None] | None = None,
) -> AsyncIterator[Leadership]:
    """Wait until this process leads `name`; the lock is released when the block ends.

    `on_attempt(acquired)` is called after every try (logs, tests)."""
    key = leader_key(name)
    conn = await _acquire(dsn, name, key, retry_seconds, on_attempt)
    lead = Leadership(name, key, conn.get_server_pid())
    watcher = asyncio.create_task(_watch(conn, lead.lost, check_seconds), name=f"cc142-leader-{name}")
    log.info("leader %s: this process leads (backend %s)", name, lead.pid)
    try:
        yield lead
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        # Closing the connection releases the lock (no unlock round trip needed).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.close(), 2)
        if not conn.is_closed():
            conn.terminate()


async def run_as_leader(
    dsn: str,
    name: str,
    job: Callable[[], Awaitable[T]],
    *,
    retry_seconds: float = RETRY_SECONDS,
    check_seconds: float = CHECK_SECONDS,
    on_attempt: Callable[[bool], None] | None = None,
) -> T:
    """Run `job()` in the one process that leads `name`, for as long as it leads.

    Contends until it leads; when the leadership is lost the job is cancelled
    and the process contends again (a new `job()` runs when it leads again).
    Returns what the job returns (its exception propagates); either way the
    leadership is given up. Cancel the caller to stop contending."""
    while True:
        async with leadership(
            dsn, name, retry_seconds=retry_seconds, check_seconds=check_seconds, on_attempt=on_attempt
        ) as lead:
            work = asyncio.ensure_future(job())
            lost = asyncio.ensure_future(lead.lost.wait())
            try:
                await asyncio.wait({work, lost}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                lost.cancel()
                if not work.done():
                    work.cancel()
                # Wait until the job has stopped before contending again (or returning).
                await asyncio.gather(work, lost, return_exceptions=True)
            if not work.cancelled():
                return work.result()  # it ended by itself (its exception propagates)
        log.warning("leader %s: the connection was lost; the job was stopped, contending again", name)
        # Step back for two tries: a contender whose connection is healthy takes over first.
        await asyncio.sleep(2 * retry_seconds)
