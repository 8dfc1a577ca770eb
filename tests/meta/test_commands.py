"""`cc142 meta-status` and `cc142 meta-retry`, run as real commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from contact_center.config import Settings
from tests.fakes.graph_server import FakeGraph
from tests.meta.test_outbox import conversation, delivered, reply
from tests.plugins.backend import ROOT
from tests.plugins.meta import wait_until


async def cc142(database_url: str, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "contact_center", *args, cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def test_failed_messages_are_listed_and_sent_again_after_the_token_is_fixed(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph, database_url: str
) -> None:
    graph.fail_next("invalid_token", times=2)
    conv = await conversation(sessionmaker)
    first = await reply(sessionmaker, meta_settings, conv, "Bir")
    second = await reply(sessionmaker, meta_settings, conv, "İki")
    for mid in (first, second):
        assert (await wait_until(lambda: delivered(sessionmaker, mid))).delivery_status == "failed"

    status = json.loads(await cc142(database_url, "meta-status", "--json"))
    assert (status["outbox_failed"], status["outbox_pending"], status["inbox_waiting"]) == (2, 0, 0)
    assert [f["message_id"] for f in status["failures"]] == [second, first]
    assert "access token" in status["failures"][0]["error"]

    # The administrator fixed the token; send them again.
    assert "2 failed message(s) queued again" in await cc142(database_url, "meta-retry", "--hours", "1")
    reqs = await graph.wait_for(2, delivered=True)
    assert [r.body["message"]["text"] for r in reqs] == ["Bir", "İki"]
    for mid in (first, second):
        msg = await wait_until(lambda: delivered(sessionmaker, mid))
        assert msg.delivery_status == "sent" and msg.delivery_error is None
    assert "outbox: 0 pending, 2 sent, 0 failed" in await cc142(database_url, "meta-status")
