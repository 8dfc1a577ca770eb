"""The web chat's "end the chat and forget this device", and the idle limit of a
visitor token (CHAT_VISITOR_TTL_HOURS): the next person at a shared computer sees nothing."""

from __future__ import annotations

from sqlalchemy import select, text

from contact_center.db.models import AuditEntry, Conversation
from webhooks.chat_visitor import contact_id_for

VISITOR = "visitor-shared-pc-1"


async def _seed(db, *, idle_hours: float, status: str = "pending") -> int:
    async with db.begin() as conn:
        cid = (await conn.execute(text(
            "INSERT INTO conversations (channel, contact_id, status, urgent, abandoned, low_confidence_streak, "
            "handoff_at, last_citizen_message_at, citizen_seen_at, created_at) VALUES ('web_chat', :c, :s, FALSE, "
            "FALSE, 0, now() - make_interval(secs => :h * 3600), now() - make_interval(secs => :h * 3600), "
            "now() - make_interval(secs => :h * 3600), now() - make_interval(secs => :h * 3600 + 60)) RETURNING id"),
            {"c": contact_id_for(VISITOR), "s": status, "h": idle_hours})).scalar_one()
        await conn.execute(text(
            "INSERT INTO messages (conversation_id, sender, kind, text, channel) "
            "VALUES (:c, 'citizen', 'text', 'Mənim FİN kodum 5ABC123', 'web_chat')"), {"c": cid})
    return cid


async def _history(client):
    return await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": VISITOR})


async def test_end_the_chat_and_forget_this_device(client, db, sessionmaker):
    cid = await _seed(db, idle_hours=0.1)
    first = await _history(client)
    assert first.status == 200 and len((await first.json())["messages"]) == 1
    resp = await client.post("/api/v1/chat/forget", json={"visitor_id": VISITOR})
    assert resp.status == 200 and await resp.json() == {"forgotten": True, "conversations": 1}
    after = await _history(client)
    assert after.status == 200
    body = await after.json()
    assert body["messages"] == [] and body["state"]["conversation_id"] is None
    async with sessionmaker() as session:
        conv = await session.get(Conversation, cid)
        [entry] = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "chat_forgotten"))).all()
    # The conversation stays for the agents and the figures, ended and unlinked from the token.
    assert conv.status == "resolved" and conv.abandoned and conv.contact_id == f"forgotten:{cid}"
    assert entry.details == {"conversations": [cid], "why": "citizen"}
    bad = await client.post("/api/v1/chat/forget", json={"visitor_id": "x"})
    assert bad.status == 422


async def test_an_idle_token_gets_no_history(make_client, settings, db):
    client = await make_client(settings.with_(chat_visitor_ttl_hours=24))
    await _seed(db, idle_hours=25, status="resolved")
    expired = await _history(client)
    assert expired.status == 410 and (await expired.json())["error"] == "visitor_expired"
    again = await _history(client)  # forgotten: the token is a stranger now
    assert again.status == 200 and (await again.json())["messages"] == []


async def test_a_recent_token_keeps_its_history(make_client, settings, db):
    client = await make_client(settings.with_(chat_visitor_ttl_hours=24))
    await _seed(db, idle_hours=23)
    resp = await _history(client)
    assert resp.status == 200 and len((await resp.json())["messages"]) == 1


async def test_the_widget_socket_refuses_an_idle_token(make_client, settings, db):
    client = await make_client(settings.with_(chat_visitor_ttl_hours=1))
    await _seed(db, idle_hours=2)
    ws = await client.ws_connect("/chat/ws")
    await ws.send_json({"type": "hello", "visitor_id": VISITOR, "after": 0})
    msg = await ws.receive()
    assert ws.close_code == 4410 or msg.data == 4410
