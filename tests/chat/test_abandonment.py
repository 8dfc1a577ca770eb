"""A handed-off chat nobody answered while the citizen went quiet is abandoned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from contact_center import audit
from contact_center.chat import inbox, mark_citizen_seen, transfer
from contact_center.chat.abandonment import TEXT_ABANDONED, sweep_abandoned
from contact_center.db.models import Conversation
from tests.chat.conftest import say, visitor


async def test_silence_after_handoff_without_a_reply_is_abandonment(make_client, dead_rasa, sessionmaker, make_actor):
    settings = dead_rasa.with_(chat_abandon_minutes=10)
    client = await make_client(settings)
    quiet, waiting, answered = visitor(), visitor(), visitor()
    ids = {v: (await say(client, v, "Salam"))["conversation_id"] for v in (quiet, waiting, answered)}
    agent = await make_actor()
    async with sessionmaker.begin() as s:
        await inbox.claim(s, settings, ids[answered], agent)
        await inbox.reply(s, settings, ids[answered], agent, "Salam, buyurun")
    later = datetime.now(UTC) + timedelta(minutes=11)
    # The widget of `waiting` is still connected: the citizen is there.
    async with sessionmaker.begin() as s:
        contact = (await s.get(Conversation, ids[waiting])).contact_id
        await mark_citizen_seen(s, "web_chat", contact, now=later)
    async with sessionmaker.begin() as s:
        assert await sweep_abandoned(s, settings, now=later - timedelta(minutes=5)) == []
    async with sessionmaker.begin() as s:
        closed = await sweep_abandoned(s, settings, now=later + timedelta(seconds=1))
    assert closed == [ids[quiet]]
    async with sessionmaker() as s:
        convs = {c.id: c for c in (await s.scalars(select(Conversation))).all()}
    assert convs[ids[quiet]].status == "resolved" and convs[ids[quiet]].abandoned is True
    assert convs[ids[quiet]].outcome is None
    assert convs[ids[waiting]].status == "pending" and convs[ids[answered]].status == "open"
    history = await (await client.get("/api/v1/chat/history", headers={"X-Visitor-Id": quiet})).json()
    assert history["messages"][-1]["text"] == TEXT_ABANDONED
    assert history["state"]["csat_pending"] is False
    # The citizen comes back: a new conversation.
    assert (await say(client, quiet, "Yenə salam"))["conversation_id"] != ids[quiet]


async def test_a_released_chat_waits_afresh(make_client, dead_rasa, sessionmaker, make_actor):
    """An agent took the chat and gave it back without a word: the citizen was told to wait
    for someone else, so the silence counts from the release, not from the hand-off."""
    settings = dead_rasa.with_(chat_abandon_minutes=10)
    client = await make_client(settings)
    v = visitor()
    cid = (await say(client, v, "Salam"))["conversation_id"]
    agent = await make_actor()
    async with sessionmaker.begin() as s:
        await inbox.claim(s, settings, cid, agent)
        conv = await s.get(Conversation, cid)
        conv.handoff_at = conv.last_citizen_message_at = datetime.now(UTC) - timedelta(minutes=30)
    async with sessionmaker.begin() as s:
        await transfer.release(s, settings, cid, agent, audit_actor=audit.SYSTEM)
    async with sessionmaker.begin() as s:
        assert await sweep_abandoned(s, settings) == []  # handed off 30 min ago, released now
    async with sessionmaker.begin() as s:
        assert await sweep_abandoned(s, settings, now=datetime.now(UTC) + timedelta(minutes=11)) == [cid]
