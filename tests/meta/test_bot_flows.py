"""Facebook and Instagram through the real bot (Rasa, trained model, action
server) and the fake Graph API: what the citizen gets back in Messenger."""

from __future__ import annotations

import random
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from contact_center.config import Settings
from contact_center.db.models import Conversation, Message
from contact_center.social import social_feed
from tests.fakes.graph_server import FakeGraph
from tests.plugins.meta import (
    DEFAULT_TOKEN,
    PAGE_ID,
    PAGE_TOKEN,
    inbox_drained,
    post_meta,
    wait_until,
    worker_caught_up,
)


@pytest.fixture
async def bot_client(make_meta_client: Any, meta_settings: Settings, rasa_server: Any, db: Any) -> Any:
    # Rasa keys its trackers by conversation id and outlives one test: start
    # the ids somewhere fresh so no test inherits another's dialogue state.
    async with db.begin() as conn:
        await conn.execute(text("SELECT setval('conversations_id_seq', :n)"),
                           {"n": random.randrange(10**6, 10**9)})
    return await make_meta_client(meta_settings.with_(rasa_url=rasa_server.url, rasa_timeout_seconds=60))


def message_event(sender: str, mid: str, body: dict[str, Any], *, page: str = PAGE_ID) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": page, "time": 1732356000000, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": page}, "timestamp": 1732356000000, **body}]}]}


async def conversation_of(sm: Any, contact_id: str) -> Conversation:
    async with sm() as s:
        return (await s.scalars(select(Conversation).where(Conversation.contact_id == contact_id))).one()


async def citizen_messages(sm: Any, contact_id: str) -> list[Message]:
    async with sm() as s:
        return list((await s.scalars(
            select(Message).join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.contact_id == contact_id, Message.sender == "citizen").order_by(Message.id)
        )).all())


async def settled(db: Any) -> bool:
    """Every inbox item processed and no reply left waiting in the outbox."""
    async with db.connect() as conn:
        left = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM meta_inbox WHERE processed_at IS NULL)"
            " + (SELECT count(*) FROM outbox WHERE status = 'pending')"))).scalar()
    return left == 0


async def test_a_question_is_answered_by_the_bot_in_messenger(
    bot_client: Any, sessionmaker: Any, db: Any, graph: FakeGraph
) -> None:
    await post_meta(bot_client, message_event(
        "7000000000000070", "m_q_70", {"message": {"mid": "m_q_70", "text": "Əlillik dərəcəsi necə təyin olunur?"}}))
    await inbox_drained(db, timeout=30)
    await wait_until(lambda: settled(db), timeout=30)
    conv = await conversation_of(sessionmaker, "7000000000000070")
    assert conv.status == "bot" and conv.direction == "disability"  # the bot kept it, and classified it
    [question] = await citizen_messages(sessionmaker, "7000000000000070")
    assert question.direction == "disability" and question.intent
    replies = graph.delivered
    assert replies, "the bot's answer reached the Send API"
    assert any("tibbi-sosial ekspertiza" in r.body["message"]["text"].lower() for r in replies)
    for r in replies:
        assert r.token == PAGE_TOKEN and r.body["recipient"] == {"id": "7000000000000070"}
        assert r.body["messaging_type"] == "RESPONSE" and r.body["message"]["text"].strip()
        assert "cc142" not in r.body["message"]["text"]  # the bot's metadata never reaches the citizen


async def test_postback_and_quick_reply_payloads_reach_the_bot(
    bot_client: Any, sessionmaker: Any, db: Any, graph: FakeGraph
) -> None:
    # The titles alone mean nothing; only the payload asks for a human.
    await post_meta(bot_client, message_event(
        "7000000000000071", "m_pb_71", {"postback": {"mid": "m_pb_71", "title": "2", "payload": "/request_human"}}))
    await post_meta(bot_client, message_event(
        "7000000000000072", "m_qr_72",
        {"message": {"mid": "m_qr_72", "text": "Seçim", "quick_reply": {"payload": "/request_human"}}}))
    await inbox_drained(db, at_least=2, timeout=30)
    await wait_until(lambda: settled(db), timeout=30)
    for contact, shown in (("7000000000000071", "2"), ("7000000000000072", "Seçim")):
        conv = await conversation_of(sessionmaker, contact)
        assert (conv.status, conv.handoff_reason) == ("pending", "requested"), contact
        [msg] = await citizen_messages(sessionmaker, contact)
        assert msg.text == shown  # what the agent sees: what the citizen tapped
        told = [r.body["message"]["text"] for r in graph.delivered if r.body["recipient"]["id"] == contact]
        assert told, f"{contact} was told about the hand-off through the Send API"


async def test_a_page_menu_postback_gives_the_bot_the_title(
    bot_client: Any, sessionmaker: Any, db: Any, graph: FakeGraph
) -> None:
    await post_meta(bot_client, message_event(
        "7000000000000073", "m_pb_73", {"postback": {"mid": "m_pb_73", "title": "Salam", "payload": "GET_STARTED"}}))
    await inbox_drained(db, timeout=30)
    await wait_until(lambda: settled(db), timeout=30)
    [msg] = await citizen_messages(sessionmaker, "7000000000000073")
    assert msg.intent == "greet"
    assert (await conversation_of(sessionmaker, "7000000000000073")).status == "bot"
    assert any(r.body["recipient"]["id"] == "7000000000000073" for r in graph.delivered)


async def test_echoes_never_reach_the_bot(bot_client: Any, sessionmaker: Any, db: Any, graph: FakeGraph) -> None:
    await post_meta(bot_client, "text")
    await inbox_drained(db)
    await wait_until(lambda: settled(db), timeout=30)
    sent_before = len(graph.received)
    # A page admin answers from Meta Business Suite.
    await post_meta(bot_client, "echo")
    rows = await inbox_drained(db, at_least=2)
    assert rows[-1]["result"] == "echo_stored"
    await worker_caught_up(bot_client.app, "outbox")  # anything the echo made it send has gone out
    assert len(graph.received) == sent_before  # the bot said nothing to it
    conv = await conversation_of(sessionmaker, "7000000000000001")
    assert conv.status == "bot"
    async with sessionmaker() as s:
        last = (await s.scalars(select(Message).where(Message.conversation_id == conv.id)
                                .order_by(Message.id.desc()).limit(1))).one()
    assert (last.sender, last.agent_id, last.external_id) == ("agent", None, "m_echo_0001")


async def test_the_bot_sees_the_attachment_placeholder(
    bot_client: Any, sessionmaker: Any, db: Any, graph: FakeGraph
) -> None:
    await post_meta(bot_client, "attachment")
    await inbox_drained(db, timeout=30)
    await wait_until(lambda: settled(db), timeout=30)
    [msg] = await citizen_messages(sessionmaker, "7000000000000051")
    assert msg.text == "[Şəkil] [Fayl]"
    assert msg.intent is not None  # the bot handled it (and classified it)
    assert msg.payload["bot"] is not None
    assert any(r.body["recipient"]["id"] == "7000000000000051" for r in graph.delivered)


async def test_statistics_feed_counts_what_was_answered(
    bot_client: Any, sessionmaker: Any, db: Any, graph: FakeGraph
) -> None:
    # Facebook: one citizen answered by the bot ...
    await post_meta(bot_client, "text")
    await inbox_drained(db)
    await wait_until(lambda: settled(db), timeout=30)
    # ... and one whose answers Meta refused (outside the window, say).
    graph.fail_next("outside_window", times=20)
    await post_meta(bot_client, message_event(
        "7000000000000081", "m_stats_81", {"message": {"mid": "m_stats_81", "text": "Əlillik dərəcəsi necə təyin olunur?"}}))
    await inbox_drained(db, at_least=2, timeout=30)
    await wait_until(lambda: settled(db), timeout=30)
    graph._failures.clear()
    # Instagram: one citizen answered (the default page token).
    await post_meta(bot_client, "instagram_text")
    await inbox_drained(db, at_least=3, timeout=30)
    await wait_until(lambda: settled(db), timeout=30)
    assert any(r.token == DEFAULT_TOKEN and r.status == 200 for r in graph.received)

    async with sessionmaker() as s:
        feed = await social_feed(s, date(2024, 11, 23), date(2024, 11, 23), ZoneInfo("Asia/Baku"))
    assert feed["facebook"].as_dict() == {
        "messages_received": 2, "messages_answered": 1, "answer_rate": 0.5,
        "conversations": 2, "conversations_answered": 1,
    }
    assert feed["instagram"].as_dict() == {
        "messages_received": 1, "messages_answered": 1, "answer_rate": 1.0,
        "conversations": 1, "conversations_answered": 1,
    }
