"""The live events' wire format: what consoles and the chat widget receive is built
in one place (contact_center.events), from the raw ingest connection and from
sessions alike, and keeps its shape."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from contact_center.appkeys import LIVE_HUB
from contact_center.db.models import Call, Callback
from contact_center.events import Event, decode
from contact_center.live import LiveEvent
from tests.helpers import event, post_pbx
from tests.plugins.backend import free_port


async def _next(sub, topic: str) -> LiveEvent:
    while True:
        got = await asyncio.wait_for(sub.queue.get(), 5)
        if got.topic == topic:
            return got


async def test_a_screen_pop_from_the_ingest_connection(client, sessionmaker):
    answered = datetime.now(UTC).replace(microsecond=250000)
    with client.app[LIVE_HUB].subscribe(lambda e: True) as sub:
        resp = await post_pbx(client, [
            event("p1", "call-p", "enqueued", (answered - timedelta(seconds=12)).isoformat(),
                  caller="+994501111111", queue="142"),
            event("p2", "call-p", "answered", answered.isoformat(), agent="1002"),
        ])
        assert resp.status == 202
        pop = await _next(sub, "call.answered")
    async with sessionmaker() as session:
        call_id = await session.scalar(select(Call.id).where(Call.pbx_call_id == "call-p"))
    assert list(pop.data) == ["call_id", "caller", "wait_seconds", "answered_at"]
    assert pop.data == {"call_id": call_id, "caller": "+994501111111", "wait_seconds": 12.0,
                        "answered_at": answered.isoformat()}
    assert pop.audience == {"extension": "1002"}


async def test_an_abandoned_call_announces_its_callback(client, sessionmaker):
    start = datetime.now(UTC) - timedelta(minutes=3)
    with client.app[LIVE_HUB].subscribe(lambda e: True) as sub:
        resp = await post_pbx(client, [
            event("a1", "call-a", "enqueued", start.isoformat(), caller="050 123 45 67", queue="142"),
            event("a2", "call-a", "abandoned", (start + timedelta(seconds=40)).isoformat()),
        ])
        assert resp.status == 202
        created = await _next(sub, "callback.created")
    async with sessionmaker() as session:
        cb = (await session.scalars(select(Callback))).one()
    assert list(created.data) == ["id", "source", "due_at"]
    assert created.data["id"] == cb.id and created.data["source"] == "abandoned_call"
    assert datetime.fromisoformat(created.data["due_at"]) == cb.due_at
    assert created.audience == {"role": "agent"}


async def test_a_citizen_message_and_the_hand_off_from_sessions(make_client, settings):
    client = await make_client(settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2.0))
    with client.app[LIVE_HUB].subscribe(lambda e: e.topic.startswith("chat.")) as sub:
        resp = await client.post("/api/v1/chat/messages", json={"visitor_id": "visitor-0001", "text": "Salam"})
        assert resp.status == 200
        body = await resp.json()
        message = await _next(sub, "chat.message")
        conversation = await _next(sub, "chat.conversation")
    assert message.data == {"conversation_id": body["conversation_id"], "message_id": body["message_id"],
                            "channel": "web_chat", "contact_id": message.data["contact_id"],
                            "sender": "citizen", "kind": "text", "status": "bot"}
    assert len(message.data["contact_id"]) == 64  # the visitor's hash, never the token
    assert message.audience == {"role": "supervisor"}  # a bot conversation: supervisors only
    # The bot is unreachable: the conversation goes to the agents, every one of them hears it.
    assert conversation.data == {"conversation_id": body["conversation_id"], "channel": "web_chat",
                                 "contact_id": message.data["contact_id"], "status": "pending",
                                 "urgent": False, "assigned_to": None, "event": "handoff"}
    assert conversation.audience is None


def test_the_notify_payload_carries_the_audience_inside_data():
    payload = Event("callback.changed", {"id": 3, "status": "claimed", "claimed_by": 7}, {"role": "agent"}).encode()
    assert payload == ('{"topic":"callback.changed","data":{"id":3,"status":"claimed","claimed_by":7,'
                       '"audience":{"role":"agent"}}}')
    assert decode(payload) == Event("callback.changed", {"id": 3, "status": "claimed", "claimed_by": 7},
                                    {"role": "agent"})
