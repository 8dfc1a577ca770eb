"""Two real backend processes (`cc142 serve`) sharing one database: Meta
delivers webhooks to either; every message is processed once and every reply
sent once, by whichever process's worker claims it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.fakes.graph_server import FakeGraph
from tests.plugins.backend import free_port
from tests.plugins.meta import APP_SECRET, DEFAULT_TOKEN, PAGE_ID, VERIFY_TOKEN, inbox_drained, meta_headers


async def test_two_processes_share_the_inbox_and_the_outbox(
    backend_processes: Any, graph: FakeGraph, db: Any
) -> None:
    env = {
        "META_APP_SECRET": APP_SECRET, "META_VERIFY_TOKEN": VERIFY_TOKEN, "META_PAGE_ACCESS_TOKEN": DEFAULT_TOKEN,
        "META_GRAPH_URL": graph.url, "RASA_URL": f"http://127.0.0.1:{free_port()}", "RASA_TIMEOUT_SECONDS": "2",
    }
    first, second = backend_processes(**env), backend_processes(**env)
    contacts = [f"70000000001{n:05d}" for n in range(20)]

    def body(n: int, contact: str) -> bytes:
        return json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [
            {"sender": {"id": contact}, "recipient": {"id": PAGE_ID}, "timestamp": 1732356000000 + n,
             "message": {"mid": f"m_proc_{n}", "text": "Salam, kömək lazımdır"}}]}]}).encode()

    async with aiohttp.ClientSession() as http:
        async def post(url: str, raw: bytes) -> int:
            async with http.post(url + "/webhooks/meta", data=raw, headers=meta_headers(raw)) as resp:
                return resp.status

        bodies = [body(n, c) for n, c in enumerate(contacts)]
        # Each POST to one process, and Meta's redelivery of it to the other.
        statuses = await asyncio.gather(*(post(p.url, b) for b in bodies for p in (first, second)))
    assert set(statuses) == {200}
    rows = await inbox_drained(db, at_least=20, timeout=30)
    assert len(rows) == 20 and {r["result"] for r in rows} == {"stored"}
    await graph.wait_for(20, delivered=True, timeout=30)
    await asyncio.sleep(0.5)
    apologies = sorted(r.body["recipient"]["id"] for r in graph.delivered)
    assert apologies == contacts  # one each: none lost, none doubled
