"""The agent's side of a handed-off chat: claim, reply, notes, classify, resolve, CSAT."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from contact_center.chat import inbox
from contact_center.chat.csat import TEXT_CSAT_THANKS, TEXT_RESOLVED
from contact_center.db.models import Conversation, Message
from tests.chat.conftest import say, visitor


async def pending_conversation(client, text="Salam, operatorla danışmaq istəyirəm") -> tuple[str, int]:
    v = visitor()
    body = await say(client, v, text)
    assert body["status"] == "pending"
    return v, body["conversation_id"]


async def history(client, v: str) -> dict:
    resp = await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": v})
    assert resp.status == 200
    return await resp.json()


async def test_only_one_agent_can_claim(make_client, dead_rasa, sessionmaker, make_actor):
    client = await make_client(dead_rasa)
    _, conv_id = await pending_conversation(client)
    a, b = await make_actor(), await make_actor(full_name="Rəşad Əliyev")

    async def try_claim(actor):
        try:
            async with sessionmaker.begin() as s:
                await inbox.claim(s, dead_rasa, conv_id, actor)
            return actor.id
        except inbox.InboxError as exc:
            return exc.code

    results = await asyncio.gather(try_claim(a), try_claim(b))
    assert sorted(map(str, results)) == sorted([str(a.id), "taken"]) or sorted(map(str, results)) == sorted(
        [str(b.id), "taken"]
    )
    winner = a if a.id in results else b
    async with sessionmaker() as s:
        conv = await s.get(Conversation, conv_id)
        joined = (await s.scalars(select(Message).where(Message.kind == "event"))).all()
    assert conv.status == "open" and conv.assigned_to == winner.id
    assert [m.text for m in joined] == [f"{winner.name} söhbətə qoşuldu."]


async def test_reply_note_classify_resolve_and_csat(make_client, dead_rasa, sessionmaker, make_actor):
    client = await make_client(dead_rasa)
    v, conv_id = await pending_conversation(client)
    agent, other = await make_actor(), await make_actor(full_name="Rəşad Əliyev")
    async with sessionmaker.begin() as s:
        await inbox.claim(s, dead_rasa, conv_id, agent)
    # Someone else's conversation: no reply.
    with pytest.raises(inbox.InboxError) as err:
        async with sessionmaker.begin() as s:
            await inbox.reply(s, dead_rasa, conv_id, other, "Salam")
    assert err.value.code == "not_yours"

    async with sessionmaker.begin() as s:
        await inbox.reply(s, dead_rasa, conv_id, agent, "Salam! Sizə necə kömək edə bilərəm?")
        await inbox.add_note(s, dead_rasa, conv_id, agent, "Vətəndaş ünvanlı yardım barədə soruşur")
        await inbox.classify(s, conv_id, agent, direction="social_protection", district="baku_nesimi")
    seen = await history(client, v)
    texts = [m["text"] for m in seen["messages"]]
    assert "Salam! Sizə necə kömək edə bilərəm?" in texts
    assert not any("Vətəndaş ünvanlı" in t for t in texts)  # notes never reach the citizen
    assert seen["state"]["status"] == "open" and seen["state"]["agent_joined"] is True

    # The citizen's messages now go to the agent.
    more = await say(client, v, "Ünvanlı sosial yardım üçün hara müraciət edim?")
    assert more["status"] == "open" and more["replies"] == []

    with pytest.raises(inbox.InboxError) as err:
        async with sessionmaker.begin() as s:
            await inbox.resolve(s, dead_rasa, conv_id, agent, outcome="no-such-outcome")
    assert err.value.field == "outcome"
    async with sessionmaker.begin() as s:
        await inbox.resolve(s, dead_rasa, conv_id, agent, outcome="fully_answered")
    seen = await history(client, v)
    assert seen["state"] == {**seen["state"], "status": "resolved", "csat_pending": True}
    prompt = seen["messages"][-1]
    assert prompt["text"] == TEXT_RESOLVED and prompt["event"] == "resolved"
    assert [b["payload"] for b in prompt["buttons"]] == [f"cc142:csat:{n}" for n in range(1, 6)]

    rated = await say(client, v, "★★★★", payload="cc142:csat:4")
    assert rated["conversation_id"] == conv_id and rated["status"] == "resolved"
    assert [r["text"] for r in rated["replies"]] == [TEXT_CSAT_THANKS]
    async with sessionmaker() as s:
        conv = await s.get(Conversation, conv_id)
    assert conv.csat_score == 4 and conv.outcome == "fully_answered"
    assert (conv.direction, conv.district) == ("social_protection", "baku_nesimi")
    assert conv.first_agent_reply_at is not None and conv.resolved_by == agent.id
    assert (await history(client, v))["state"]["csat_pending"] is False

    # After the resolution a new message starts a new conversation.
    again = await say(client, v, "Bir sualım da var")
    assert again["conversation_id"] != conv_id


async def test_queue_is_urgent_first_then_longest_waiting(make_client, dead_rasa, sessionmaker):
    client = await make_client(dead_rasa)
    ids = [(await pending_conversation(client, f"sual {n}"))[1] for n in range(3)]
    async with sessionmaker.begin() as s:
        last = await s.get(Conversation, ids[2])
        last.urgent = True
    async with sessionmaker() as s:
        queue = await inbox.pending_queue(s)
    assert [q.id for q in queue] == [ids[2], ids[0], ids[1]]
