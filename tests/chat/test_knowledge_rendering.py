"""The bot's answers are rendered from the knowledge base in PostgreSQL at reply
time (bot contract 2: the reply carries the answer key and the language), on
every channel, in the conversation's language; an edit is live for the next
answer with no retraining; an unknown key keeps the bot's own text. The
backend's own texts (hand-off notice, apology, CSAT) follow the language."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from contact_center import audit
from contact_center.appkeys import CHAT
from contact_center.chat import InboundMessage, delivery, inbox, receive_message
from contact_center.chat.texts import TEXTS
from contact_center.db.models import Conversation, KnowledgeEntry, Message
from contact_center.knowledge import answers
from contact_center.knowledge.entries import EntryForm, save_entry
from tests.chat.conftest import say, visitor

SHIPPED = {a["key"]: a for a in answers()}
EDITOR = audit.Actor.user(1, "nigar")


@pytest.fixture
def bot_settings(settings, rasa_server):
    return settings.with_(rasa_url=rasa_server.url, rasa_timeout_seconds=30.0)


async def edit(sessionmaker, key: str, **text: str) -> None:
    async with sessionmaker.begin() as s:
        entry = await s.get(KnowledgeEntry, key)
        form = EntryForm(text={**entry.text, **text}, sources=list(entry.sources), generic=entry.generic,
                         version=entry.version)
        result = await save_entry(s, EDITOR, key, form)
        assert result.errors == []


async def test_an_edit_is_the_next_answer_in_both_languages(make_client, bot_settings, sessionmaker):
    client = await make_client(bot_settings)
    key = "general/call_centre"
    az = SHIPPED[key]["text"]["az"] + " Zənglər pulsuzdur."
    ru = SHIPPED[key]["text"]["ru"] + " Звонки бесплатные."
    await edit(sessionmaker, key, az=az, ru=ru)

    body = await say(client, visitor(), "142 çağrı mərkəzi nədir?")
    assert body["language"] == "az" and body["replies"][0]["text"] == az
    body_ru = await say(client, visitor(), "Что такое колл-центр 142?")
    assert body_ru["language"] == "ru" and body_ru["replies"][0]["text"] == ru
    async with sessionmaker() as s:
        conv = await s.get(Conversation, body_ru["conversation_id"])
        stored = (await s.scalars(select(Message).where(Message.conversation_id == conv.id, Message.sender == "bot")
                                  .order_by(Message.id))).first()
    assert conv.language == "ru"
    assert stored.text == ru and stored.payload["answer_key"] == key


async def test_the_citizen_switches_language_and_the_conversation_follows(make_client, bot_settings):
    client = await make_client(bot_settings)
    v = visitor()
    first = await say(client, v, "Pensiya necə təyin olunur?")
    assert first["language"] == "az"
    assert first["replies"][0]["text"] == SHIPPED["social_protection/pension"]["text"]["az"]
    switched = await say(client, v, "Как назначается пенсия?")
    assert switched["conversation_id"] == first["conversation_id"] and switched["language"] == "ru"
    assert switched["replies"][0]["text"] == SHIPPED["social_protection/pension"]["text"]["ru"]
    titles = [b["title"] for b in switched["replies"][0]["buttons"]]
    assert titles == ["Связаться с оператором", "Заказать обратный звонок"]
    # The widget's explicit choice wins over the letters of the message.
    chosen = await say(client, v, "Pensiya almaq üçün hara müraciət edim?", language="ru")
    assert chosen["language"] == "ru"
    assert chosen["replies"][0]["text"] == SHIPPED["social_protection/pension"]["text"]["ru"]


async def test_an_unknown_key_keeps_the_bots_own_text(make_client, bot_settings, sessionmaker):
    client = await make_client(bot_settings)
    async with sessionmaker.begin() as s:
        await s.execute(delete(KnowledgeEntry).where(KnowledgeEntry.key == "greet"))
    body = await say(client, visitor(), "Salam")
    assert body["replies"][0]["text"] == SHIPPED["greet"]["text"]["az"]  # the bot's copy, from its domain


async def test_facebook_answers_come_from_the_knowledge_base_too(make_client, bot_settings, sessionmaker):
    sent: list[str] = []

    async def sender(session, settings, conversation, message):
        sent.append(message.text)
        message.delivery_status = "sent"

    key = "general/call_centre"
    edited = SHIPPED[key]["text"]["ru"] + " Звонки бесплатные."
    await edit(sessionmaker, key, ru=edited)
    client = await make_client(bot_settings)
    previous = delivery.sender_for("facebook")
    delivery.register_sender("facebook", sender)
    try:
        result = await receive_message(client.server.app[CHAT], InboundMessage(
            channel="facebook", contact_id="psid-kb", account_id="page-1", text="Что такое колл-центр 142?",
            external_id="m-kb-1"))
    finally:
        if previous is not None:
            delivery.register_sender("facebook", previous)
    assert result.language == "ru" and sent[0] == edited


async def test_the_backends_own_texts_follow_the_conversations_language(
    make_client, bot_settings, sessionmaker, make_actor
):
    client = await make_client(bot_settings)
    v = visitor()
    body = await say(client, v, "Соедините меня с оператором, пожалуйста")
    assert body["handoff"] is True and body["language"] == "ru"
    agent = await make_actor()
    async with sessionmaker.begin() as s:
        await inbox.claim(s, bot_settings, body["conversation_id"], agent)
        await inbox.resolve(s, bot_settings, body["conversation_id"], agent, outcome="fully_answered")
    history = await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": v})
    data = await history.json()
    texts = [m["text"] for m in data["messages"]]
    assert TEXTS["agent_joined"]["ru"].format(name=agent.name) in texts
    assert TEXTS["resolved"]["ru"] in texts
    assert data["state"]["language"] == "ru"
    rated = await say(client, v, "5", payload="cc142:csat:5")
    assert rated["replies"][0]["text"] == TEXTS["csat_thanks"]["ru"]


async def test_the_apology_is_in_the_chosen_language_when_the_bot_is_down(make_client, dead_rasa):
    client = await make_client(dead_rasa)
    body = await say(client, visitor(), "Пенсия", language="ru")
    assert body["handoff"] is True and body["language"] == "ru"
    assert body["replies"][0]["text"] == TEXTS["bot_unavailable"]["ru"]


async def test_agents_see_the_conversations_language_in_the_inbox(make_client, bot_settings, make_user):
    from tests.plugins.console import login

    client = await make_client(bot_settings)
    body = await say(client, visitor(), "Соедините меня с оператором, пожалуйста")
    assert body["handoff"] is True and body["language"] == "ru"
    await make_user("aysel", role="agent")
    await login(client, "aysel")
    queue = await (await client.get("/console/inbox")).text()
    assert 'title="Söhbətin dili: Rusca">RU</span>' in queue
    page = await (await client.get(f"/console/inbox/{body['conversation_id']}")).text()
    assert 'lang="ru">Rusca</span>' in page
