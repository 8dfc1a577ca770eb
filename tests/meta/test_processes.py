"""Two real backend processes (`cc142 serve`) sharing one database: Meta
delivers webhooks to either; every message is processed once and every reply
sent once, by whichever process's worker claims it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from sqlalchemy import text

from tests.fakes.graph_server import FakeGraph
from tests.plugins.backend import free_port
from tests.plugins.meta import (
    APP_SECRET,
    DEFAULT_TOKEN,
    PAGE_ID,
    VERIFY_TOKEN,
    inbox_drained,
    meta_headers,
    wait_until,
)


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
    assert {r["attempts"] for r in rows} == {1}  # each message taken once, by one process
    # Nothing more can go out once every reply's answer is recorded and Meta has had
    # one request per claim of a reply (claiming is the only way to the Send API).
    claims = await wait_until(lambda: _replies_settled(db), timeout=30)
    await graph.wait_for(claims, timeout=30)
    assert claims == len(graph.received) == 20
    apologies = sorted(r.body["recipient"]["id"] for r in graph.delivered)
    assert apologies == contacts  # one each: none lost, none doubled


async def _replies_settled(db: Any) -> int | None:
    """The claims of the outbox (each one a Send API request) once no reply is pending."""
    async with db.connect() as conn:
        pending, claims = (await conn.execute(text(
            "SELECT count(*) FILTER (WHERE status = 'pending'), coalesce(sum(attempts), 0) FROM outbox"))).one()
    return None if pending else claims
