"""What the agent sees of Facebook / Instagram delivery in the console inbox:
the state of each message, Meta's permanent error, and the 24-hour refusal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from contact_center.db.models import Conversation, Message
from tests.fakes.graph_server import FakeGraph
from tests.plugins.console import login
from tests.plugins.meta import PAGE_TOKEN, inbox_drained, post_meta, wait_until

CITIZEN = "7000000000000001"


def delivery_states(html: str) -> list[tuple[str, str]]:
    """(message text, delivery state) of each outgoing message in the transcript."""
    items = re.findall(r'<li class="tm tm-(\w+) [^"]*" data-message="\d+">(.*?)</li>', html, re.S)
    out = []
    for sender, body in items:
        if sender == "citizen":
            continue
        state = re.search(r'data-delivery="(\w+)"', body)
        text = re.search(r'<div class="tm-text">(.*?)</div>', body, re.S)
        out.append((text.group(1) if text else "", state.group(1) if state else ""))
    return out


async def test_agent_sees_delivery_state_and_metas_permanent_error(
    make_meta_client: Any, meta_settings: Any, make_user: Any, sessionmaker: Any, db: Any, graph: FakeGraph
) -> None:
    client = await make_meta_client(meta_settings)
    await make_user("aysel", full_name="Aysel Məmmədova")
    await post_meta(client, "text")  # the bot is down: hand-off with the apology
    await graph.wait_for(1, delivered=True)
    await inbox_drained(db)
    async with sessionmaker() as s:
        [cid] = (await s.scalars(select(Conversation.id))).all()
    token = await login(client, "aysel")
    resp = await client.post(f"/console/inbox/{cid}/claim", data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    await graph.wait_for(2, delivered=True)  # "Aysel söhbətə qoşuldu." went to Messenger too

    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    # Meta takes its time answering: the agent sees the reply on its way.
    graph.delay_seconds = 1.0
    resp = await client.post(f"/console/inbox/{cid}/reply", json={"text": "Pensiyanız bu ay köçürüləcək."},
                             headers=headers)
    assert resp.status == 200
    html = await (await client.get(f"/console/inbox/{cid}")).text()
    assert ("Pensiyanız bu ay köçürüləcək.", "pending") in delivery_states(html)
    assert "göndərilir…" in html
    req = (await graph.wait_for(3, delivered=True))[-1]
    assert req.token == PAGE_TOKEN
    assert req.body == {"recipient": {"id": CITIZEN}, "messaging_type": "RESPONSE",
                        "message": {"text": "Pensiyanız bu ay köçürüləcək."}}
    graph.delay_seconds = 0.0

    # The page token was revoked: Meta refuses, permanently.
    graph.fail_next("invalid_token")
    resp = await client.post(f"/console/inbox/{cid}/reply", json={"text": "Başqa sualınız var?"}, headers=headers)
    assert resp.status == 200

    async def settled() -> str | None:
        page = await (await client.get(f"/console/inbox/{cid}")).text()
        return page if ("Başqa sualınız var?", "failed") in delivery_states(page) else None

    html = await wait_until(settled)
    states = delivery_states(html)
    assert states == [
        (states[0][0], "sent"),  # the apology
        ("Aysel söhbətə qoşuldu.", "sent"),
        ("Pensiyanız bu ay köçürüləcək.", "sent"),
        ("Başqa sualınız var?", "failed"),
    ]
    assert "çatdırılmadı: Səhifənin giriş açarı (access token) etibarsızdır" in html
    # The transcript follows delivery live on Meta conversations.
    assert 'data-live-refresh="live.resync,chat.delivery"' in html


async def test_console_refuses_a_reply_outside_the_24_hour_window(
    make_meta_client: Any, meta_settings: Any, make_user: Any, sessionmaker: Any, db: Any, graph: FakeGraph
) -> None:
    client = await make_meta_client(meta_settings)
    await make_user("aysel", full_name="Aysel Məmmədova")
    await post_meta(client, "text")
    await graph.wait_for(1, delivered=True)
    await inbox_drained(db)
    token = await login(client, "aysel")
    resp = await client.post("/console/inbox/1/claim", data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    await graph.wait_for(2, delivered=True)
    # The citizen wrote 25 hours ago.
    ago = datetime.now(UTC) - timedelta(hours=25)
    async with sessionmaker.begin() as s:
        await s.execute(update(Message).where(Message.sender == "citizen").values(created_at=ago))
        await s.execute(update(Conversation).values(last_citizen_message_at=ago))

    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    resp = await client.post("/console/inbox/1/reply", json={"text": "Gecikmiş cavab"}, headers=headers)
    assert resp.status == 409
    body = await resp.json()
    assert body["error"] == "meta_refused" and body["field"] == "text"
    assert "24 saatdan çox keçib" in body["message"]
    # Without JavaScript: back to the conversation with the reason.
    resp = await client.post("/console/inbox/1/reply", data={"csrf_token": token, "text": "Gecikmiş cavab"})
    html = await resp.text()
    assert "24 saatdan çox keçib" in html
    assert all(text != "Gecikmiş cavab" for text, _ in delivery_states(html))
    assert len(graph.received) == 2  # nothing more went to Meta
