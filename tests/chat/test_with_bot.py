"""The chat against the really trained bot (Rasa + its action server)."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from sqlalchemy import make_url, select

from contact_center.chat import inbox
from contact_center.db.driver import driver_dsn
from contact_center.db.models import Callback, Conversation, Message
from contact_center.events import CHANNEL
from tests.chat.conftest import say, visitor


@pytest.fixture
def bot_settings(settings, rasa_server):
    return settings.with_(rasa_url=rasa_server.url, rasa_timeout_seconds=30.0)


async def test_a_question_gets_a_classified_answer_and_the_direction_is_stored(make_client, bot_settings, sessionmaker):
    client = await make_client(bot_settings)
    v = visitor()
    hello = await say(client, v, "Salam")
    assert hello["status"] == "bot" and hello["replies"] and hello["direction"] is None
    body = await say(client, v, "Ünvanlı dövlət sosial yardımı almaq üçün nə etməliyəm?")
    assert body["status"] == "bot" and body["handoff"] is False
    assert body["direction"] == "social_protection"
    assert body["replies"] and all(r["sender"] == "bot" and r["text"] for r in body["replies"])
    async with sessionmaker() as s:
        conv = await s.get(Conversation, body["conversation_id"])
        citizen = (await s.scalars(select(Message).where(Message.sender == "citizen").order_by(Message.id))).all()
        bot = (await s.scalars(select(Message).where(Message.sender == "bot"))).all()
    assert conv.direction == "social_protection"
    assert [m.direction for m in citizen] == [None, "social_protection"]  # a greeting has no direction
    assert all(m.intent for m in citizen) and citizen[1].confidence > 0
    assert [m.text for m in bot][-len(body["replies"]):] == [r["text"] for r in body["replies"]]
    # Typed without Azerbaijani letters: the same direction.
    other = await say(client, visitor(), "issiz kimi qeydiyyata nece dusmek olar")
    assert other["direction"] == "employment"


async def test_explicit_handoff_then_messages_go_to_the_agent(make_client, bot_settings, sessionmaker):
    client = await make_client(bot_settings)
    v = visitor()
    body = await say(client, v, "Operatorla danışmaq istəyirəm")
    assert body["status"] == "pending" and body["handoff"] is True and body["urgent"] is False
    assert body["replies"], "the citizen is told what happens"
    async with sessionmaker() as s:
        bot_before = len((await s.scalars(select(Message).where(Message.sender != "citizen"))).all())
    later = await say(client, v, "Pensiyam barədə sualım var")
    assert later["status"] == "pending" and later["replies"] == []
    async with sessionmaker() as s:
        conv = await s.get(Conversation, body["conversation_id"])
        bot_after = len((await s.scalars(select(Message).where(Message.sender != "citizen"))).all())
        last = (await s.scalars(select(Message).order_by(Message.id.desc()).limit(1))).one()
    assert conv.handoff_reason == "requested"
    assert bot_after == bot_before  # the bot was not asked
    assert (last.sender, last.text, last.intent) == ("citizen", "Pensiyam barədə sualım var", None)


async def test_urgent_handoff_is_flagged_first_in_the_queue_and_supervisors_hear_of_it(
    make_client, bot_settings, sessionmaker, database_url
):
    client = await make_client(bot_settings)
    ordinary = await say(client, visitor(), "Operatorla danışmaq istəyirəm")
    heard: asyncio.Queue[dict] = asyncio.Queue()
    conn = await asyncpg.connect(driver_dsn(make_url(database_url)))
    await conn.add_listener(CHANNEL, lambda *args: heard.put_nowait(json.loads(args[-1])))
    try:
        body = await say(client, visitor(), "Həyat yoldaşım məni döyür, qorxuram")
        assert body["status"] == "pending" and body["urgent"] is True and body["handoff"] is True
        while True:
            event = await asyncio.wait_for(heard.get(), 10)
            if event["topic"] == "chat.urgent":
                break
    finally:
        await conn.close()
    assert event["data"]["conversation_id"] == body["conversation_id"]
    assert event["data"]["audience"] == {"role": "supervisor"}
    async with sessionmaker() as s:
        queue = await inbox.pending_queue(s)
        conv = await s.get(Conversation, body["conversation_id"])
    assert [q.id for q in queue] == [body["conversation_id"], ordinary["conversation_id"]]
    assert conv.handoff_reason == "urgent"


async def test_two_misunderstood_messages_hand_off(make_client, bot_settings, sessionmaker):
    client = await make_client(bot_settings)
    v = visitor()
    first = await say(client, v, "qwrtp zxvbn mlkjh")
    assert first["status"] == "bot"
    second = await say(client, v, "ppqqr tzzxw vvbnm")
    assert second["status"] == "pending" and second["handoff"] is True
    async with sessionmaker() as s:
        conv = await s.get(Conversation, second["conversation_id"])
    assert conv.handoff_reason == "low_confidence"


async def test_after_resolution_a_new_message_starts_a_new_bot_conversation(
    make_client, bot_settings, sessionmaker, make_actor
):
    client = await make_client(bot_settings)
    v = visitor()
    handed = await say(client, v, "Canlı operatorla əlaqə saxlamaq istəyirəm")
    assert handed["status"] == "pending"
    agent = await make_actor()
    async with sessionmaker.begin() as s:
        await inbox.claim(s, bot_settings, handed["conversation_id"], agent)
        await inbox.reply(s, bot_settings, handed["conversation_id"], agent, "Salam, buyurun")
        await inbox.resolve(s, bot_settings, handed["conversation_id"], agent, outcome="fully_answered")
    again = await say(client, v, "Vakansiyalara harada baxa bilərəm?")
    assert again["conversation_id"] != handed["conversation_id"]
    assert again["status"] == "bot" and again["replies"] and again["direction"] == "employment"


async def test_a_callback_requested_in_the_chat_is_queued(make_client, bot_settings, sessionmaker):
    client = await make_client(bot_settings)
    v = visitor()
    asked = await say(client, v, "Mənə zəng edin")
    assert asked["status"] == "bot" and "telefon" in asked["replies"][-1]["text"].lower()
    bad = await say(client, v, "12345")
    assert bad["status"] == "bot" and "düzgün" in " ".join(r["text"] for r in bad["replies"])
    await say(client, v, "050 123 45 67")
    district = await say(client, v, "Yasamal")
    confirm = district["replies"][-1]
    assert "+994501234567" in confirm["text"] or "050" in confirm["text"]
    yes = next(b for b in confirm["buttons"] if b["payload"] == "/affirm")
    done = await say(client, v, yes["title"], payload=yes["payload"])
    assert done["status"] == "bot"
    async with sessionmaker() as s:
        cb = (await s.scalars(select(Callback))).one()
    assert (cb.phone, cb.district, cb.source, cb.status) == ("+994501234567", "baku_yasamal", "bot", "open")
    assert cb.conversation_id == done["conversation_id"]


async def test_the_backend_reads_contract_2_replies_in_russian_and_frustration(make_client, bot_settings, sessionmaker):
    """The bot's payload (contract 2) carries answer_key, language and the reason "frustration":
    the backend stores the classification, shows the Russian text and hands the conversation
    to a person with the reason the agent sees in the inbox."""
    client = await make_client(bot_settings)
    v = visitor()
    body = await say(client, v, "Как мне оформить пенсию?")
    assert body["status"] == "bot" and body["direction"] == "social_protection"
    assert body["replies"] and any("пенси" in r["text"] for r in body["replies"])
    angry = await say(client, v, "Ты вообще ничего не понимаешь")
    assert angry["status"] == "pending" and angry["handoff"] is True and angry["urgent"] is False
    assert angry["replies"] and "оператор" in " ".join(r["text"] for r in angry["replies"])
    async with sessionmaker() as s:
        conv = await s.get(Conversation, body["conversation_id"])
        citizen = (await s.scalars(
            select(Message).where(Message.sender == "citizen").order_by(Message.id))).all()
    assert conv.handoff_reason == "frustration"
    assert citizen[0].direction == "social_protection"
    assert citizen[0].payload["bot"]["answer_key"] == "social_protection/pension"
    assert citizen[0].payload["bot"]["language"] == "ru"
