"""Several backends on one database: a `cc142 serve --workers 2` group and a
separate backend process, as two machines behind one load balancer would run.

What must hold whichever process a request lands on: the PBX events of one
call merge into one call, a screen pop reaches the agent's socket, the
per-address limits count every process's requests together, and the rollup
refresher runs in exactly one process, another taking over when it stops.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from tests.helpers import event, next_event, signed
from tests.plugins.backend import API_TOKEN, PBX_SECRET, ROOT, BackendProcess, free_port, start_backend, wait_ready
from tests.plugins.console import login_http

LEADS = "leader stats-refresher: this process leads"


@pytest.fixture
def deployment(database_url: str, db: object, tmp_path: Path) -> Iterator[tuple[BackendProcess, BackendProcess]]:
    """A `cc142 serve --workers 2` group (two processes sharing one port) and another backend."""
    env = {"DATABASE_URL": database_url, "PBX_WEBHOOK_SECRET": PBX_SECRET, "CC142_API_TOKEN": API_TOKEN,
           "CC142_STATS_REFRESH_SECONDS": "1", "CALLBACK_RATE_PER_IP": "3", "CALLBACK_RATE_PER_PHONE": "100"}
    port = free_port()
    log = tmp_path / "group.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "contact_center", "serve", "--workers", "2", "--port", str(port)],
            cwd=ROOT, env={**env, "CC142_DATA_DIR": str(tmp_path / "group"), "PATH": "/usr/bin:/bin"},
            stdout=out, stderr=subprocess.STDOUT)
    group = BackendProcess(f"http://127.0.0.1:{port}", proc, log)
    other: BackendProcess | None = None
    try:
        wait_ready(group, 60)
        other = start_backend({**env, "CC142_DATA_DIR": str(tmp_path / "other")}, tmp_path)
        yield group, other
    finally:
        group.stop()
        if other is not None:
            other.stop()


async def _post_events(http: aiohttp.ClientSession, base: str, *events: dict[str, Any]) -> None:
    body, headers = signed(json.dumps(list(events)))
    async with http.post(base + "/api/v1/pbx/events", data=body,
                         headers=headers | {"Content-Type": "application/json", "Connection": "close"}) as resp:
        assert resp.status == 202, await resp.text()


async def _until(check: Any, timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := check()):
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)
    return value


async def test_a_process_group_and_another_backend_behave_as_one(deployment, make_user, sessionmaker, engine):
    group, other = deployment
    await make_user("aysel", extension="1001")
    now = datetime.now(UTC)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        # The agent's socket is on the group (on whichever of its two processes took it) ...
        await login_http(http, group.url, "aysel")
        async with http.ws_connect(group.url.replace("http", "ws") + "/console/live/ws") as ws:
            assert json.loads((await ws.receive()).data)["type"] == "hello"
            # ... and the exchange reports one call's events to all three processes.
            await _post_events(http, group.url, event("s1", "scale-1", "enqueued",
                                                      (now - timedelta(seconds=20)).isoformat(), caller="0501112233"))
            await _post_events(http, other.url, event("s2", "scale-1", "answered", now.isoformat(), agent="1001"))
            screen = await next_event(ws, "call.answered")
            assert screen["data"]["caller"] == "0501112233" and round(screen["data"]["wait_seconds"]) == 20
        for _ in range(4):  # the same event, redelivered; new connections: the kernel spreads them over the group's processes
            await _post_events(http, group.url, event("s3", "scale-1", "completed",
                                                      (now + timedelta(seconds=90)).isoformat(), agent="1001"))
    async with sessionmaker() as session:
        calls = (await session.execute(text(
            "SELECT answered_at IS NOT NULL, ended_at IS NOT NULL FROM calls WHERE pbx_call_id = 'scale-1'"))).all()
        stored = await session.scalar(text("SELECT count(*) FROM pbx_events WHERE event_id LIKE 's%'"))
    assert calls == [(True, True)]  # one call, merged from every process's events
    assert stored == 3  # the completed event's four deliveries stored once

    # The per-address limit (3 an hour) counts the requests of every process together.
    statuses = []
    async with aiohttp.ClientSession() as http:
        for n, base in enumerate([group.url, other.url, group.url, other.url, group.url]):
            async with http.post(base + "/api/v1/callbacks", headers={"Connection": "close"},
                                 json={"phone": f"050 123 45 6{n}", "source": "web"}) as resp:
                statuses.append(resp.status)
    assert statuses[:3] == [201, 201, 201] and statuses[3:] == [429, 429], statuses

    # The refresher: one process leads; when it stops, another takes over.
    def leaders() -> list[str]:
        return [name for name, path in (("group", group.log), ("other", other.log)) for line in
                path.read_text(errors="replace").splitlines() if LEADS in line]

    [first] = await _until(leaders)
    await asyncio.sleep(2)  # a second leader, if there were one, would have said so by now
    assert leaders() == [first]
    (group if first == "group" else other).stop()
    await _until(lambda: len(leaders()) == 2)
    assert leaders()[1] != first
