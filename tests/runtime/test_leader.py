"""Leader election (contact_center/db/leader.py): one process at a time runs a job;
when the leader's connection dies another takes over."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from contact_center.db.driver import driver_dsn
from contact_center.db.leader import leader_key, leadership, run_as_leader

HOLDER_SQL = """
SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND ((classid::bigint << 32) | objid::bigint) = $1
"""


class Contender:
    """One process's view: its job's start and stop, its tries for the lock."""

    def __init__(self, dsn: str, name: str) -> None:
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        self.failed_tries = 0
        self.task = asyncio.create_task(
            run_as_leader(dsn, name, self.job, retry_seconds=0.2, check_seconds=0.5, on_attempt=self.tried)
        )

    def tried(self, acquired: bool) -> None:
        if not acquired:
            self.failed_tries += 1

    async def job(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()  # a job that runs until it is stopped
        finally:
            self.stopped.set()

    async def tries_more(self, n: int) -> None:
        """Wait until this contender has failed `n` more tries (it is really contending)."""
        target = self.failed_tries + n
        while self.failed_tries < target:
            await asyncio.sleep(0.01)


async def _holders(dsn: str, name: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        return [r["pid"] for r in await conn.fetch(HOLDER_SQL, leader_key(name))]
    finally:
        await conn.close()


@pytest.fixture
def dsn(engine) -> str:
    return driver_dsn(engine.url)


async def test_one_contender_runs_the_job_and_another_takes_over_when_it_dies(dsn):
    name = f"test-{uuid.uuid4()}"
    a, b = Contender(dsn, name), Contender(dsn, name)
    try:
        done, _ = await asyncio.wait(
            [asyncio.ensure_future(a.started.wait()), asyncio.ensure_future(b.started.wait())],
            timeout=10, return_when=asyncio.FIRST_COMPLETED,
        )
        assert done, "nobody became the leader"
        leader, other = (a, b) if a.started.is_set() else (b, a)
        # The other one keeps trying and keeps failing: its job never starts.
        await asyncio.wait_for(other.tries_more(5), 10)
        assert not other.started.is_set()
        [pid] = await _holders(dsn, name)

        # The leader's dedicated connection dies: its job stops, the other takes over.
        admin = await asyncpg.connect(dsn)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        await asyncio.wait_for(leader.stopped.wait(), 10)
        await asyncio.wait_for(other.started.wait(), 10)
        [new_pid] = await _holders(dsn, name)
        assert new_pid != pid
        # The old leader contends again, and waits.
        await asyncio.wait_for(leader.tries_more(3), 10)
        assert leader.started.is_set() and not other.stopped.is_set()
    finally:
        for c in (a, b):
            c.task.cancel()
        await asyncio.gather(a.task, b.task, return_exceptions=True)
    assert await _holders(dsn, name) == []  # stopping gives the lock up


async def test_a_finished_job_gives_the_leadership_up(dsn):
    name = f"test-{uuid.uuid4()}"

    async def job() -> int:
        assert len(await _holders(dsn, name)) == 1
        return 42

    assert await run_as_leader(dsn, name, job, retry_seconds=0.05) == 42
    assert await _holders(dsn, name) == []


async def test_leadership_as_a_block_says_when_it_is_lost(dsn):
    name = f"test-{uuid.uuid4()}"
    async with leadership(dsn, name, check_seconds=0.5) as lead:
        assert await _holders(dsn, name) == [lead.pid]
        assert not lead.lost.is_set()
        admin = await asyncpg.connect(dsn)
        try:
            await admin.fetchval("SELECT pg_terminate_backend($1)", lead.pid)
        finally:
            await admin.close()
        await asyncio.wait_for(lead.lost.wait(), 10)
    assert await _holders(dsn, name) == []
