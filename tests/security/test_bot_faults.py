"""The bot killed in the middle of a conversation (issue 13; a fake Rasa on loopback):
the citizen's next message is kept, they get the apology, the chat reaches the inbox."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from contact_center.chat import inbox
from contact_center.chat.bot_reply import TEXT_BOT_UNAVAILABLE
from contact_center.db.models import Conversation, Message
from tests.fakes.rasa_server import FakeRasa


async def test_bot_killed_mid_conversation(make_client, settings, sessionmaker):
    bot = await FakeRasa(replies=[{"recipient_id": "x", "text": "Salam! Sualınızı yazın."}]).start()
    client = await make_client(settings.with_(rasa_url=bot.url, rasa_timeout_seconds=2.0))
    visitor = "v-" + secrets.token_hex(12)
    try:
        first = await client.post("/api/v1/chat/messages", json={"visitor_id": visitor, "text": "Salam"})
        assert (await first.json())["status"] == "bot"
    finally:
        await bot.stop()  # the bot dies
    second = await client.post("/api/v1/chat/messages",
                               json={"visitor_id": visitor, "text": "Pensiyam niyə gecikir?"})
    assert second.status == 200
    body = await second.json()
    assert body["status"] == "pending" and [r["text"] for r in body["replies"]] == [TEXT_BOT_UNAVAILABLE]
    async with sessionmaker() as s:
        conv = (await s.scalars(select(Conversation))).one()
        texts = [(m.sender, m.text) for m in (await s.scalars(select(Message).order_by(Message.id))).all()]
        queue = await inbox.pending_queue(s)
    assert texts == [("citizen", "Salam"), ("bot", "Salam! Sualınızı yazın."),
                     ("citizen", "Pensiyam niyə gecikir?"), ("system", TEXT_BOT_UNAVAILABLE)]
    assert conv.handoff_reason == "bot_unavailable"
    assert [q.id for q in queue] == [conv.id]
