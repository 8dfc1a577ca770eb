"""Replies through the durable outbox to the (fake) Send API: retries, permanent
errors on the message, tokens per page, the 24-hour window, ordering, and
several workers sharing the table."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import pytest

from contact_center.chat import Actor, InboxError, inbox
from contact_center.chat.conversations import add_outgoing
from contact_center.config import Settings
from contact_center.db.models import Conversation, Message, OutboxItem, User
from tests.fakes.graph_server import FakeGraph
from tests.plugins.meta import (
    DEFAULT_TOKEN,
    OTHER_PAGE_ID,
    OTHER_PAGE_TOKEN,
    PAGE_ID,
    PAGE_TOKEN,
    wait_until,
    worker_caught_up,
)

CITIZEN = "7000000000000001"


async def conversation(
    sm: async_sessionmaker[AsyncSession],
    *,
    channel: str = "facebook",
    contact_id: str = CITIZEN,
    account_id: str | None = PAGE_ID,
    citizen_wrote_ago: timedelta | None = timedelta(minutes=5),
    agent: Actor | None = None,
) -> int:
    """A conversation with the citizen's first message; open and assigned when `agent` is given."""
    async with sm.begin() as s:
        conv = Conversation(channel=channel, contact_id=contact_id, account_id=account_id,
                            status="open" if agent else "bot", assigned_to=agent.id if agent else None)
        s.add(conv)
        await s.flush()
        if citizen_wrote_ago is not None:
            s.add(Message(conversation_id=conv.id, sender="citizen", text="Salam", channel=channel,
                          created_at=datetime.now(UTC) - citizen_wrote_ago))
        return conv.id


async def agent_actor(sm: async_sessionmaker[AsyncSession], name: str = "Aysel Məmmədova") -> Actor:
    async with sm.begin() as s:
        user = User(username=f"agent-{secrets.token_hex(4)}", full_name=name, password_hash="x", role="agent")
        s.add(user)
        await s.flush()
        return Actor(id=user.id, name=name.split()[0], role="agent")


async def reply(
    sm: async_sessionmaker[AsyncSession], settings: Settings, conversation_id: int, text: str,
    *, sender: str = "bot", payload: dict[str, Any] | None = None, agent: Actor | None = None,
) -> int:
    """Store a reply and deliver it in one transaction, as the chat core does: an
    agent's through the inbox service, the bot's through add_outgoing."""
    async with sm.begin() as s:
        if agent is not None:
            return (await inbox.reply(s, settings, conversation_id, agent, text)).id
        conv = await s.get_one(Conversation, conversation_id)
        return (await add_outgoing(s, settings, conv, sender=sender, text=text, payload=payload)).id


async def message(sm: async_sessionmaker[AsyncSession], message_id: int) -> Message:
    async with sm() as s:
        return await s.get_one(Message, message_id)


async def delivered(sm: async_sessionmaker[AsyncSession], message_id: int) -> Message | None:
    m = await message(sm, message_id)
    return m if m.delivery_status in ("sent", "failed") else None


async def test_agent_reply_reaches_the_send_api_with_recipient_token_and_body(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    agent = await agent_actor(sessionmaker)
    conv = await conversation(sessionmaker, agent=agent)
    mid = await reply(sessionmaker, meta_settings, conv, "Salam! Pensiya ayın 20-dək köçürülür.", agent=agent)
    [req] = await graph.wait_for(1, delivered=True)
    assert req.token == PAGE_TOKEN
    assert req.body == {
        "recipient": {"id": CITIZEN},
        "messaging_type": "RESPONSE",
        "message": {"text": "Salam! Pensiya ayın 20-dək köçürülür."},
    }
    msg = await wait_until(lambda: delivered(sessionmaker, mid))
    assert msg.delivery_status == "sent" and msg.delivery_error is None
    # Meta's message_id is ours now, so the echo will be recognised.
    assert msg.external_id == req.answer["message_id"]


async def test_bot_buttons_become_quick_replies(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    conv = await conversation(sessionmaker)
    await reply(sessionmaker, meta_settings, conv, "Necə kömək edə bilərəm?", sender="bot", payload={
        "buttons": [{"title": "Operatorla danışmaq istəyirəm", "payload": "/request_human"},
                    {"title": "Pensiya", "payload": "/ask_pension"}]})
    [req] = await graph.wait_for(1, delivered=True)
    assert req.body["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Operatorla danışmaq…", "payload": "/request_human"},
        {"content_type": "text", "title": "Pensiya", "payload": "/ask_pension"},
    ]


async def test_token_per_page_with_the_default_as_fallback(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    other = await conversation(sessionmaker, contact_id="7000000000000002", account_id=OTHER_PAGE_ID)
    unknown = await conversation(sessionmaker, contact_id="7000000000000003", account_id="104999999999999")
    await reply(sessionmaker, meta_settings, other, "Bir")
    await reply(sessionmaker, meta_settings, unknown, "İki")
    reqs = await graph.wait_for(2, delivered=True)
    tokens = {r.body["recipient"]["id"]: r.token for r in reqs}
    assert tokens == {"7000000000000002": OTHER_PAGE_TOKEN, "7000000000000003": DEFAULT_TOKEN}


async def test_retried_after_a_server_error_then_sent(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    graph.fail_next("server_error")
    conv = await conversation(sessionmaker)
    mid = await reply(sessionmaker, meta_settings, conv, "Müraciətiniz qəbul olundu")
    await graph.wait_for(1, delivered=True)
    assert [r.status for r in graph.received] == [500, 200]
    assert graph.received[0].body == graph.received[1].body
    msg = await wait_until(lambda: delivered(sessionmaker, mid))
    assert msg.delivery_status == "sent"
    async with sessionmaker() as s:
        item = (await s.execute(select(OutboxItem).where(OutboxItem.message_id == mid))).scalar_one()
    assert item.status == "sent" and item.attempts == 2 and item.sent_at is not None


async def test_rate_limits_are_retried(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    graph.fail_next("rate_limit")
    graph.fail_next("app_rate_limit")
    conv = await conversation(sessionmaker)
    mid = await reply(sessionmaker, meta_settings, conv, "Salam")
    await graph.wait_for(1, delivered=True)
    assert [r.status for r in graph.received] == [400, 400, 200]
    assert (await wait_until(lambda: delivered(sessionmaker, mid))).delivery_status == "sent"


async def test_outside_the_window_is_a_permanent_error_on_the_message(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    graph.fail_next("outside_window")
    conv = await conversation(sessionmaker)
    mid = await reply(sessionmaker, meta_settings, conv, "Cavabımız")
    msg = await wait_until(lambda: delivered(sessionmaker, mid))
    assert msg.delivery_status == "failed"
    assert "24 saatlıq cavab müddəti bitib" in msg.delivery_error
    assert "10/2018278" in msg.delivery_error
    assert len(graph.received) == 1  # not retried
    assert msg.external_id is None


async def test_invalid_token_is_a_permanent_error_on_the_message(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    graph.fail_next("invalid_token")
    conv = await conversation(sessionmaker)
    mid = await reply(sessionmaker, meta_settings, conv, "Cavabımız")
    msg = await wait_until(lambda: delivered(sessionmaker, mid))
    assert msg.delivery_status == "failed"
    assert "access token" in msg.delivery_error and "190" in msg.delivery_error
    assert len(graph.received) == 1


async def test_temporary_errors_give_up_after_the_last_attempt(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    graph.fail_next("server_error", times=10)
    conv = await conversation(sessionmaker)
    mid = await reply(sessionmaker, meta_settings, conv, "Salam")
    msg = await wait_until(lambda: delivered(sessionmaker, mid))
    assert msg.delivery_status == "failed"
    assert msg.delivery_error.startswith("4 cəhddən sonra göndərilmədi")
    assert len(graph.received) == 4  # FAST_WORKER.retry.max_attempts


async def test_a_recipients_messages_go_out_in_order_despite_a_retry(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    graph.fail_next("server_error")
    conv = await conversation(sessionmaker)
    for text_ in ("Bir", "İki", "Üç"):
        await reply(sessionmaker, meta_settings, conv, text_, sender="bot")
    reqs = await graph.wait_for(3, delivered=True)
    assert [r.body["message"]["text"] for r in reqs] == ["Bir", "İki", "Üç"]


async def test_agent_reply_outside_24_hours_is_refused_without_calling_meta(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    agent = await agent_actor(sessionmaker)
    conv = await conversation(sessionmaker, citizen_wrote_ago=timedelta(hours=25), agent=agent)
    with pytest.raises(InboxError) as refused:
        await reply(sessionmaker, meta_settings, conv, "Gecikmiş cavab", agent=agent)
    assert refused.value.field == "text"
    assert "24 saatdan çox keçib" in refused.value.message
    async with sessionmaker() as s:
        # Nothing half-written: no agent message, no outbox row.
        assert (await s.execute(select(Message).where(Message.sender == "agent"))).first() is None
        assert (await s.execute(select(OutboxItem))).first() is None
    # A bot or system message out of the window is kept, marked failed with the reason.
    mid = await reply(sessionmaker, meta_settings, conv, "Söhbət bağlandı", sender="system")
    msg = await message(sessionmaker, mid)
    assert msg.delivery_status == "failed" and "24 saatdan çox keçib" in msg.delivery_error
    await worker_caught_up(meta_client.app, "outbox")
    assert graph.received == []


async def test_human_agent_tag_within_seven_days_when_enabled(
    make_meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    settings = meta_settings.with_(meta_human_agent_tag=True)
    await make_meta_client(settings)
    agent = await agent_actor(sessionmaker)
    conv = await conversation(sessionmaker, citizen_wrote_ago=timedelta(days=3), agent=agent)
    await reply(sessionmaker, settings, conv, "Operator cavabı", agent=agent)
    [req] = await graph.wait_for(1, delivered=True)
    assert req.body["messaging_type"] == "MESSAGE_TAG" and req.body["tag"] == "HUMAN_AGENT"
    # The bot may not use the human-agent tag.
    bot_mid = await reply(sessionmaker, settings, conv, "Bot cavabı", sender="bot")
    assert (await message(sessionmaker, bot_mid)).delivery_status == "failed"
    # Beyond 7 days nobody may write.
    old = await conversation(sessionmaker, contact_id="7000000000000009", citizen_wrote_ago=timedelta(days=8),
                             agent=agent)
    with pytest.raises(InboxError, match="7 gündən çox keçib"):
        await reply(sessionmaker, settings, old, "Çox gec", agent=agent)
    # Without the setting, 3 days is too late for the agent as well.
    plain = await conversation(sessionmaker, contact_id="7000000000000010", citizen_wrote_ago=timedelta(days=3),
                               agent=agent)
    with pytest.raises(InboxError, match="24 saatdan çox keçib"):
        await reply(sessionmaker, meta_settings, plain, "Gec", agent=agent)


async def test_too_long_text_is_refused_with_the_limit(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    agent = await agent_actor(sessionmaker)
    conv = await conversation(sessionmaker, channel="instagram", account_id="17841400000000001", agent=agent)
    with pytest.raises(InboxError, match="Instagram üçün ən çox 1000 simvol"):
        await reply(sessionmaker, meta_settings, conv, "a" * 1001, agent=agent)
    await reply(sessionmaker, meta_settings, conv, "a" * 1000, agent=agent)
    [req] = await graph.wait_for(1, delivered=True)
    assert len(req.body["message"]["text"]) == 1000


async def test_two_workers_share_the_outbox_and_send_each_message_once(
    make_meta_client: Any, meta_settings: Settings, sessionmaker: Any, graph: FakeGraph
) -> None:
    await make_meta_client(meta_settings)
    await make_meta_client(meta_settings)
    ids = []
    for n in range(30):
        conv = await conversation(sessionmaker, contact_id=f"70000000000{n:05d}")
        ids.append(await reply(sessionmaker, meta_settings, conv, f"Cavab {n}"))
        ids.append(await reply(sessionmaker, meta_settings, conv, f"Əlavə {n}"))
    reqs = await graph.wait_for(60, delivered=True, timeout=30)
    texts = sorted(r.body["message"]["text"] for r in reqs)
    assert len(texts) == 60 and len(set(texts)) == 60
    # Each citizen still got their two messages in order.
    by_recipient: dict[str, list[str]] = {}
    for r in reqs:
        by_recipient.setdefault(r.body["recipient"]["id"], []).append(r.body["message"]["text"].split()[0])
    assert set(map(tuple, by_recipient.values())) == {("Cavab", "Əlavə")}
    for msg_id in ids:
        assert (await wait_until(lambda: delivered(sessionmaker, msg_id))).delivery_status == "sent"


async def test_the_console_hears_the_delivery_state_live(
    meta_client: Any, meta_settings: Settings, sessionmaker: Any, engine: Any, graph: FakeGraph
) -> None:
    import json

    heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection

        def listener(*args: Any) -> None:
            heard.put_nowait(json.loads(args[3]))

        await raw.add_listener("cc142_events", listener)
        graph.fail_next("invalid_token")
        conv = await conversation(sessionmaker)
        mid = await reply(sessionmaker, meta_settings, conv, "Salam")

        async def delivery_event() -> dict[str, Any]:
            while True:
                event = await heard.get()
                if event["topic"] == "chat.delivery":
                    return event["data"]

        data = await asyncio.wait_for(delivery_event(), 10)
        await raw.remove_listener("cc142_events", listener)
    assert data["conversation_id"] == conv and data["message_id"] == mid and data["status"] == "failed"
    assert data["audience"]["role"] == "agent"
