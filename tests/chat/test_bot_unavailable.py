"""Rasa unreachable: the citizen gets an apology, an agent gets the conversation,
and nothing the citizen wrote is lost."""

from __future__ import annotations

from sqlalchemy import select

from contact_center.chat import inbox
from contact_center.chat.bot_reply import TEXT_BOT_UNAVAILABLE
from contact_center.db.models import Conversation, Message
from tests.chat.conftest import say, visitor


async def test_rasa_down_hands_off_with_an_apology_and_keeps_the_message(make_client, dead_rasa, sessionmaker):
    client = await make_client(dead_rasa)
    v = visitor()
    body = await say(client, v, "Salam, pensiyam niyə gecikir?")
    assert body["status"] == "pending"
    assert body["handoff"] is True and body["urgent"] is False
    assert [r["text"] for r in body["replies"]] == [TEXT_BOT_UNAVAILABLE]
    assert "Üzr istəyirik" in body["replies"][0]["text"]

    async with sessionmaker() as s:
        conv = (await s.scalars(select(Conversation))).one()
        msgs = (await s.scalars(select(Message).order_by(Message.id))).all()
    assert conv.status == "pending" and conv.handoff_reason == "bot_unavailable" and conv.handoff_at
    assert [(m.sender, m.text) for m in msgs] == [
        ("citizen", "Salam, pensiyam niyə gecikir?"),
        ("system", TEXT_BOT_UNAVAILABLE),
    ]
    async with sessionmaker() as s:
        queue = await inbox.pending_queue(s)
    assert [q.id for q in queue] == [conv.id]
    assert queue[0].last_text == "Salam, pensiyam niyə gecikir?"


async def test_messages_while_pending_go_to_the_agent_not_the_bot(make_client, dead_rasa, sessionmaker):
    client = await make_client(dead_rasa)
    v = visitor()
    first = await say(client, v, "Salam")
    second = await say(client, v, "Kimsə var?")
    # No second apology: the bot was not asked again.
    assert second["conversation_id"] == first["conversation_id"]
    assert second["status"] == "pending" and second["replies"] == []
    async with sessionmaker() as s:
        texts = (await s.scalars(select(Message.text).order_by(Message.id))).all()
    assert texts == ["Salam", TEXT_BOT_UNAVAILABLE, "Kimsə var?"]
