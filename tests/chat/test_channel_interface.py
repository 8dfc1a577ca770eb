"""The interface other channels (Meta) build on: receive_message, the delivery
registry, record_outgoing_echo."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from contact_center.appkeys import CHAT
from contact_center.chat import InboundMessage, delivery, inbox, receive_message
from contact_center.chat.bot_reply import TEXT_BOT_UNAVAILABLE
from contact_center.db.models import Conversation, Message
from contact_center.social import record_outgoing_echo


def fb(text: str, mid: str, **extra) -> InboundMessage:
    return InboundMessage(channel="facebook", contact_id="psid-1", account_id="page-1", text=text,
                          external_id=mid, **extra)


async def test_every_outgoing_message_goes_through_the_channel_sender(
    make_client, dead_rasa, sessionmaker, make_actor
):
    sent: list[tuple[str, str, str]] = []

    async def sender(session, settings, conversation, message):
        sent.append((conversation.contact_id, message.sender, message.text))
        message.delivery_status = "sent"

    client = await make_client(dead_rasa)  # its runtime registers the Meta outbox as the sender
    previous = delivery.sender_for("facebook")
    delivery.register_sender("facebook", sender)
    try:
        ctx = client.server.app[CHAT]
        at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
        first = await receive_message(client.server.app[CHAT], fb("[Şəkil]", "m-1", payload={"attachments": [
            {"type": "image", "url": "https://example.invalid/x.jpg"}]}, at=at))
        assert first.status == "pending" and first.duplicate is False
        again = await receive_message(ctx, fb("[Şəkil]", "m-1"))
        assert again.duplicate is True and again.message_id == first.message_id
        agent = await make_actor()
        async with sessionmaker.begin() as s:
            await inbox.claim(s, dead_rasa, first.conversation_id, agent)
            await inbox.add_note(s, dead_rasa, first.conversation_id, agent, "daxili qeyd")
            await inbox.reply(s, dead_rasa, first.conversation_id, agent, "Şəkli aldıq")
        assert sent == [
            ("psid-1", "system", TEXT_BOT_UNAVAILABLE),
            ("psid-1", "system", f"{agent.name} söhbətə qoşuldu."),
            ("psid-1", "agent", "Şəkli aldıq"),
        ]
        async with sessionmaker() as s:
            conv = await s.get(Conversation, first.conversation_id)
            citizen = (await s.scalars(select(Message).where(Message.sender == "citizen"))).one()
        assert conv.account_id == "page-1"
        assert citizen.kind == "attachment" and citizen.created_at == at and citizen.external_id == "m-1"
    finally:
        if previous is not None:
            delivery.register_sender("facebook", previous)


async def test_echoes_of_page_messages_are_stored_once(make_client, dead_rasa, sessionmaker):
    client = await make_client(dead_rasa)
    first = await receive_message(client.server.app[CHAT], fb("Salam", "m-1"))
    async with sessionmaker.begin() as s:
        assert await record_outgoing_echo(s, "facebook", "psid-1", "page-1", "Cavab Meta-dan", "m-echo-1", None)
    async with sessionmaker.begin() as s:
        assert not await record_outgoing_echo(s, "facebook", "psid-1", "page-1", "Cavab Meta-dan", "m-echo-1", None)
        # A message we sent ourselves (its external_id was recorded by the sender): not stored again.
        assert not await record_outgoing_echo(s, "facebook", "psid-1", "page-1", "Salam", "m-1", None)
    async with sessionmaker() as s:
        rows = (await s.execute(select(Message.sender, Message.text, Message.agent_id)
                                .where(Message.conversation_id == first.conversation_id)
                                .order_by(Message.id))).all()
    assert ("agent", "Cavab Meta-dan", None) in [tuple(r) for r in rows]
    assert sum(1 for r in rows if r[1] == "Cavab Meta-dan") == 1
