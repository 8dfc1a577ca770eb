"""Two real Rasa replicas sharing one tracker store (PostgreSQL, `<db>_rasa`)
and one lock store (Redis): a conversation carries on whichever replica
answers, survives the loss of one, is never handled by both at once, and its
tracker is deleted by erasure and after the conversation ended.

The replicas start once for this module (two more Rasa processes: about a
minute and 2.4 GB); the test that kills one runs last.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from sqlalchemy import make_url, select, update

from contact_center.chat import bot_client
from contact_center.chat.receive import bot_sender_id
from contact_center.db.models import Callback, Conversation
from contact_center.privacy import citizen
from contact_center.privacy.bot_trackers import forget_ended, tracker_dsn
from contact_center.runtime import CHAT
from tests.chat.conftest import say, visitor
from tests.plugins.rasa_server import manage

START_TIMEOUT = float(os.environ.get("RASA_START_TIMEOUT", "400"))
PHONE = "050 123 45 67"


@pytest.fixture(scope="module")
def replicas(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    log_dir: Path = tmp_path_factory.mktemp("rasa-replicas")
    try:
        processes = manage.start(replicas=2, database_url=database_url, redis_url=redis_url,
                                 log_dir=log_dir, timeout=START_TIMEOUT)
    except manage.BotError as exc:
        pytest.fail(f"two Rasa replicas did not start (logs in {log_dir}):\n{exc}", pytrace=False)
    try:
        yield processes
    finally:
        processes.stop()


@pytest.fixture
def on(settings):
    """Settings whose RASA_URL is the given replicas (comma-separated)."""
    return lambda *urls: settings.with_(rasa_url=",".join(urls), rasa_timeout_seconds=60.0)


async def tracker_events(database_url: str, sender: str) -> list[tuple[str, str | None, str | None]]:
    """(type, intent, action) of the sender's tracker rows, in order, read from Rasa's own table."""
    conn = await asyncpg.connect(tracker_dsn(make_url(database_url)))
    try:
        rows = await conn.fetch("SELECT type_name, intent_name, action_name FROM events "
                                "WHERE sender_id = $1 ORDER BY id", sender)
    finally:
        await conn.close()
    return [(r["type_name"], r["intent_name"], r["action_name"]) for r in rows]


async def sender_of(sessionmaker, conversation_id: int) -> str:
    async with sessionmaker() as s:
        return bot_sender_id(await s.get(Conversation, conversation_id))


def text_of(body: dict) -> str:
    return " ".join(r["text"] for r in body["replies"]).lower()


async def test_a_callback_form_started_on_one_replica_and_finished_on_the_other_makes_one_callback(
    make_client, on, replicas, sessionmaker, database_url
):
    first, second = replicas.urls
    # Two backends, each with its own replica: the citizen's messages alternate between them.
    one = await make_client(on(first))
    two = await make_client(on(second))
    v = visitor()
    asked = await say(one, v, "Mənə zəng edin")
    assert asked["status"] == "bot" and "telefon" in text_of(asked)
    district = await say(two, v, PHONE)  # replica 2 knows the form is waiting for the number
    assert district["status"] == "bot" and "rayon" in text_of(district)
    confirm = await say(one, v, "Yasamal")
    question = confirm["replies"][-1]
    assert "+994501234567" in question["text"] or "050" in question["text"]
    yes = next(b for b in question["buttons"] if b["payload"] == "/affirm")
    done = await say(two, v, yes["title"], payload=yes["payload"])
    assert done["status"] == "bot" and done["conversation_id"] == asked["conversation_id"]
    async with sessionmaker() as s:
        callbacks = (await s.scalars(select(Callback))).all()
    assert [(c.phone, c.district, c.source) for c in callbacks] == [("+994501234567", "baku_yasamal", "bot")]
    # One tracker in PostgreSQL holds the whole form, whichever replica wrote each turn.
    events = await tracker_events(database_url, await sender_of(sessionmaker, done["conversation_id"]))
    assert sum(1 for e in events if e[0] == "user") == 4


async def test_both_replicas_hit_at_once_for_one_conversation_never_interleave(replicas, database_url):
    """The Redis lock store: one replica handles a sender's message at a time, so the
    tracker is every turn whole (user, the bot's actions, action_listen), none lost.
    (Rasa's own RedisLockStore failed this: chatbot/cc142_locks.py.)"""
    sender = f"{999_000 + os.getpid()}-{int(datetime.now(UTC).timestamp() * 1_000_000)}"
    messages = ["Salam", "Pensiya haqqında sualım var", "Arayış necə almaq olar?",
                "Vakansiyalara harada baxa bilərəm?", "DOST mərkəzləri saat neçədə işləyir?", "Təşəkkür edirəm"]

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        async def post(url: str, text: str) -> list:
            body = {"sender": sender, "message": text, "metadata": {"channel": "web_chat"}}
            async with http.post(f"{url}/webhooks/rest/webhook", json=body) as resp:
                assert resp.status == 200
                return await resp.json()

        for text in messages:  # each round: the same conversation on both replicas at once
            answers = await asyncio.gather(*(post(url, text) for url in replicas.urls))
            assert all(answers), "both replicas answered"
    events = await tracker_events(database_url, sender)
    users = [i for i, e in enumerate(events) if e[0] == "user"]
    assert len(users) == 2 * len(messages), "no turn lost"
    for start, end in zip(users, [*users[1:], len(events)]):
        turn = events[start + 1:end]
        actions = [e[2] for e in turn if e[0] == "action"]
        assert actions and actions[-1] == "action_listen", f"turn {events[start]} was cut into: {turn}"
        assert actions.count("action_listen") == 1, f"two turns interleaved: {turn}"


async def test_erasure_deletes_the_bot_trackers_of_the_citizens_conversations(
    make_client, on, replicas, sessionmaker, database_url
):
    client = await make_client(on(*replicas.urls))
    v = visitor()
    await say(client, v, "Mənə zəng edin")
    await say(client, v, PHONE)
    confirm = await say(client, v, "Yasamal")
    yes = next(b for b in confirm["replies"][-1]["buttons"] if b["payload"] == "/affirm")
    done = await say(client, v, yes["title"], payload=yes["payload"])  # the number is now tied to it
    other = await say(client, visitor(), "Salam")  # another citizen's conversation
    mine = await sender_of(sessionmaker, done["conversation_id"])
    theirs = await sender_of(sessionmaker, other["conversation_id"])
    assert await tracker_events(database_url, mine)
    async with sessionmaker.begin() as s:
        erased = await citizen.erase(s, PHONE, "k" * 32)
    assert done["conversation_id"] in erased.conversation_ids
    assert await tracker_events(database_url, mine) == []  # Rasa forgot the conversation
    assert await tracker_events(database_url, theirs), "another citizen's tracker is kept"


async def test_trackers_of_ended_conversations_are_deleted_after_the_grace_period(
    make_client, on, replicas, sessionmaker, database_url
):
    client = await make_client(on(*replicas.urls))
    ended = await say(client, visitor(), "Salam")
    handed = await say(client, visitor(), "Operatorla danışmaq istəyirəm")
    talking = await say(client, visitor(), "Pensiya haqqında sualım var")
    senders = {k: await sender_of(sessionmaker, b["conversation_id"])
               for k, b in (("ended", ended), ("handed", handed), ("talking", talking))}
    async with sessionmaker.begin() as s:
        await s.execute(update(Conversation).where(Conversation.id == ended["conversation_id"])
                        .values(status="resolved", resolved_at=datetime.now(UTC)))
    url = make_url(database_url)
    grace = timedelta(hours=24)
    async with sessionmaker() as s:
        assert await forget_ended(s, url, grace) == 0  # nothing ended a day ago yet
    later = datetime.now(UTC) + timedelta(hours=25)
    async with sessionmaker() as s:
        # a day on: the resolved one and the citizen who left the bot are forgotten;
        # the one waiting for a person keeps its tracker until it is resolved (the
        # trackers of earlier tests' conversations, emptied from our tables, go too)
        assert await forget_ended(s, url, grace, now=later) >= 2
    assert await tracker_events(database_url, senders["ended"]) == []
    assert await tracker_events(database_url, senders["talking"]) == []
    assert await tracker_events(database_url, senders["handed"])


async def test_a_killed_replica_is_replaced_mid_conversation_with_the_context_intact(
    make_client, on, replicas, sessionmaker, monkeypatch
):
    client = await make_client(on(*replicas.urls))
    v = visitor()
    asked = await say(client, v, "Mənə zəng edin")
    assert "telefon" in text_of(asked)
    sender = await sender_of(sessionmaker, asked["conversation_id"])
    home = client.server.app[CHAT].bot.order(sender)[0]
    replicas.kill_replica(replicas.urls.index(home))  # the replica holding this conversation dies
    district = await say(client, v, PHONE)
    # answered by the other replica, the form still waiting for the number: no apology, no hand-off
    assert district["status"] == "bot" and district["handoff"] is False
    assert "rayon" in text_of(district)
    confirm = await say(client, v, "Yasamal")
    yes = next(b for b in confirm["replies"][-1]["buttons"] if b["payload"] == "/affirm")
    await say(client, v, yes["title"], payload=yes["payload"])
    async with sessionmaker() as s:
        assert len((await s.scalars(select(Callback))).all()) == 1
    monkeypatch.setattr(bot_client, "HEALTH_TTL_SECONDS", 0.0)
    body = await (await client.get("/readyz")).json()
    assert body["bot"] == "degraded" and sorted(body["bot_replicas"]) == ["ready", "unavailable"]
