"""The chat SLA in the console: chats waiting for an agent past
CHAT_FIRST_RESPONSE_TARGET_SECONDS are marked in the inbox and counted on the wallboard."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from contact_center.db.models import Conversation
from tests.plugins.console import login


def _row(html: str, conversation_id: int) -> str:
    match = re.search(rf'<tr class="([^"]*)" data-conversation="{conversation_id}">(.*?)</tr>', html, re.S)
    assert match, f"conversation {conversation_id} not listed"
    return match.group(1) + "|" + match.group(2)


async def test_chats_waiting_past_the_target_are_marked(make_client, settings, sessionmaker, make_user):
    client = await make_client(settings.with_(chat_first_response_target_seconds=120))
    await make_user("aysel")
    await make_user("boss", role="supervisor")
    now = datetime.now(UTC)
    ids = {}
    async with sessionmaker.begin() as s:
        for name, waited in (("late", 300), ("fresh", 30)):
            conv = Conversation(channel="web_chat", contact_id=f"sla-{name}", status="pending", urgent=False,
                                handoff_reason="asked", handoff_at=now - timedelta(seconds=waited),
                                low_confidence_streak=0, created_at=now - timedelta(seconds=waited + 20))
            s.add(conv)
            await s.flush()
            ids[name] = conv.id

    await login(client, "aysel")
    html = await (await client.get("/console/inbox")).text()
    late, fresh = _row(html, ids["late"]), _row(html, ids["fresh"])
    assert "late" in late.split("|")[0] and '<span class="tag tag-late">gecikir</span>' in late
    assert "late" not in fresh.split("|")[0] and '<span class="tag tag-late" hidden>' in fresh
    assert 'data-late-after="120"' in fresh  # the page keeps marking as time passes

    await client.post("/console/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                                        html).group(1)})
    await login(client, "boss")
    board = await (await client.get("/console/wallboard/chats")).text()
    assert "1 gecikir" in board
    assert re.search(rf'<li data-conversation="{ids["late"]}" class="[^"]*late', board)
    assert not re.search(rf'<li data-conversation="{ids["fresh"]}" class="[^"]*late', board)
