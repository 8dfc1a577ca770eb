"""Graph API failing several times in a row (issue 13): every reply reaches Meta
exactly once afterwards (the fake Send API on loopback, a shortened back-off)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from contact_center.config import Settings
from tests.fakes.graph_server import FakeGraph
from tests.meta.test_outbox import conversation, delivered, reply
from tests.plugins.meta import wait_until


async def test_500s_and_429s_in_a_row_then_each_reply_exactly_once(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    graph.fail_next("server_error", times=2)
    graph.fail_next("rate_limit")
    conv = await conversation(sessionmaker)
    texts = ["Bir", "İki", "Üç"]
    ids = [await reply(sessionmaker, meta_settings, conv, text) for text in texts]
    await graph.wait_for(3, delivered=True, timeout=20)
    for mid in ids:
        assert (await wait_until(lambda mid=mid: delivered(sessionmaker, mid))).delivery_status == "sent"
    sent = Counter(r.body["message"]["text"] for r in graph.delivered)
    assert sent == Counter(texts)  # none lost, none doubled
    # In order, despite the retries.
    assert [r.body["message"]["text"] for r in graph.delivered] == texts
    assert [r.status for r in graph.received].count(500) == 2
