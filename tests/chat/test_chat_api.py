"""The public chat API: input errors name the field, rate limits, idempotent retries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contact_center.db.models import Conversation, Message
from tests.chat.conftest import say, visitor


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "Salam"}, "visitor_id"),
        ({"visitor_id": "short", "text": "Salam"}, "visitor_id"),
        ({"visitor_id": "has spaces in it", "text": "Salam"}, "visitor_id"),
        ({"visitor_id": "visitor-0001"}, "text"),
        ({"visitor_id": "visitor-0001", "text": "   "}, "text"),
        ({"visitor_id": "visitor-0001", "text": 5}, "text"),
        ({"visitor_id": "visitor-0001", "text": "x" * 2001}, "text"),
        ({"visitor_id": "visitor-0001", "text": "Salam", "payload": ["x"]}, "payload"),
    ],
)
async def test_bad_input_is_422_naming_the_field_and_stores_nothing(make_client, dead_rasa, sessionmaker, body, field):
    client = await make_client(dead_rasa)
    resp = await client.post("/api/v1/chat/messages", json=body)
    assert resp.status == 422
    assert (await resp.json())["field"] == field
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 0


async def test_not_json_is_400(make_client, dead_rasa):
    client = await make_client(dead_rasa)
    resp = await client.post("/api/v1/chat/messages", data=b"{nope", headers={"Content-Type": "application/json"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_json"


async def test_rate_limit_per_visitor_then_per_ip(make_client, dead_rasa, sessionmaker):
    client = await make_client(dead_rasa.with_(chat_rate_per_visitor=3, chat_rate_per_ip=5))
    v = visitor()
    for n in range(3):
        await say(client, v, f"mesaj {n}")
    resp = await client.post("/api/v1/chat/messages", json={"visitor_id": v, "text": "daha biri"})
    assert resp.status == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 61
    assert (await resp.json())["error"] == "rate_limited"
    # Another visitor from the same address: allowed until the per-IP limit.
    other = visitor()
    await say(client, other, "salam")
    resp = await client.post("/api/v1/chat/messages", json={"visitor_id": other, "text": "salam"})
    assert resp.status == 429  # 6th request from this IP within the minute
    async with sessionmaker() as s:
        texts = (await s.scalars(select(Message.text).where(Message.sender == "citizen"))).all()
    assert "daha biri" not in texts and len(texts) == 4


async def test_a_retried_message_is_stored_once(make_client, dead_rasa, sessionmaker):
    client = await make_client(dead_rasa)
    v = visitor()
    first = await say(client, v, "Salam", client_message_id="m-1")
    again = await say(client, v, "Salam", client_message_id="m-1")
    assert again["duplicate"] is True and again["message_id"] == first["message_id"]
    assert again["conversation_id"] == first["conversation_id"]
    # The same client id from another visitor is another message.
    other = await say(client, visitor(), "Salam", client_message_id="m-1")
    assert other["duplicate"] is False
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Message).where(Message.sender == "citizen")) == 2
        assert await s.scalar(select(func.count()).select_from(Conversation)) == 2


async def test_history_needs_a_visitor_id(make_client, dead_rasa):
    client = await make_client(dead_rasa)
    resp = await client.get("/api/v1/chat/history")
    assert resp.status == 422 and (await resp.json())["field"] == "visitor_id"
    resp = await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": visitor()})
    body = await resp.json()
    assert body == {"state": body["state"], "messages": []} and body["state"]["status"] is None
