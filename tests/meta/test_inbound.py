"""Webhook payloads all the way into conversations, with the bot unreachable
(so every new conversation is handed to the agents with the apology that
goes out through the Send API). Flows through the real bot are in
test_bot_flows.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.chat.bot_reply import TEXT_BOT_UNAVAILABLE
from contact_center.db.models import Conversation, Message
from contact_center.social import enqueue
from tests.fakes.graph_server import FakeGraph
from tests.plugins.meta import (
    DEFAULT_TOKEN,
    IG_ACCOUNT_ID,
    OTHER_PAGE_TOKEN,
    PAGE_ID,
    PAGE_TOKEN,
    fixture,
    inbox_drained,
    post_meta,
    wait_until,
)
from webhooks.meta_payload import parse_webhook


async def conversations(sm: Any) -> list[Conversation]:
    async with sm() as s:
        return list((await s.scalars(select(Conversation).order_by(Conversation.id))).all())


async def messages(sm: Any, conversation_id: int | None = None) -> list[Message]:
    async with sm() as s:
        stmt = select(Message).order_by(Message.id)
        if conversation_id is not None:
            stmt = stmt.where(Message.conversation_id == conversation_id)
        return list((await s.scalars(stmt)).all())


async def test_text_message_reaches_the_agents_and_the_apology_goes_out(
    meta_client: Any, sessionmaker: Any, graph: FakeGraph
) -> None:
    resp = await post_meta(meta_client, "text")
    assert resp.status == 200
    assert await resp.json() == {"accepted": 1, "duplicates": 0, "ignored": 0}

    [req] = await graph.wait_for(1, delivered=True)
    assert req.token == PAGE_TOKEN
    assert req.body == {"recipient": {"id": "7000000000000001"}, "messaging_type": "RESPONSE",
                        "message": {"text": TEXT_BOT_UNAVAILABLE}}
    [conv] = await conversations(sessionmaker)
    assert (conv.channel, conv.contact_id, conv.account_id) == ("facebook", "7000000000000001", PAGE_ID)
    assert conv.status == "pending" and conv.handoff_reason == "bot_unavailable"  # waits for an agent
    citizen, apology = await wait_until(lambda: _sent_after_citizen(sessionmaker))
    assert citizen.text == "Salam, pensiyam nə vaxt köçürüləcək?"
    assert citizen.external_id == "m_text_0001"
    assert citizen.created_at == datetime(2024, 11, 23, 10, 0, tzinfo=UTC)  # when the citizen wrote
    assert apology.external_id == req.answer["message_id"]


async def _sent_after_citizen(sm: Any) -> list[Message] | None:
    msgs = await messages(sm)
    return msgs if len(msgs) == 2 and msgs[1].delivery_status == "sent" else None


async def test_batch_every_entry_and_item_is_handled(
    meta_client: Any, sessionmaker: Any, graph: FakeGraph
) -> None:
    resp = await post_meta(meta_client, "batch")
    assert await resp.json() == {"accepted": 3, "duplicates": 0, "ignored": 1}
    reqs = await graph.wait_for(3, delivered=True)
    convs = await conversations(sessionmaker)
    assert sorted((c.contact_id, c.account_id) for c in convs) == [
        ("7000000000000011", PAGE_ID),
        ("7000000000000012", PAGE_ID),
        ("7000000000000014", "104000000000002"),
    ]
    tokens = {r.body["recipient"]["id"]: r.token for r in reqs}
    assert tokens == {"7000000000000011": PAGE_TOKEN, "7000000000000012": PAGE_TOKEN,
                      "7000000000000014": OTHER_PAGE_TOKEN}
    texts = {m.text for m in await messages(sessionmaker) if m.sender == "citizen"}
    assert texts == {"Ünvanlı sosial yardım üçün hara müraciət edim?", "Salam",
                     "Əlillik dərəcəsi necə təyin olunur?"}


async def test_duplicate_mid_is_stored_once(
    meta_client: Any, sessionmaker: Any, db: AsyncEngine, graph: FakeGraph
) -> None:
    resp = await post_meta(meta_client, "duplicate_mid")
    assert await resp.json() == {"accepted": 1, "duplicates": 1, "ignored": 0}
    # Meta redelivers the same POST (our 200 was late, say).
    resp = await post_meta(meta_client, "duplicate_mid")
    assert await resp.json() == {"accepted": 0, "duplicates": 2, "ignored": 0}
    await inbox_drained(db)
    await graph.wait_for(1, delivered=True)
    # Even once the inbox has forgotten it, the message itself deduplicates.
    async with db.begin() as conn:
        await conn.execute(text("DELETE FROM meta_inbox"))
    resp = await post_meta(meta_client, "duplicate_mid")
    assert await resp.json() == {"accepted": 1, "duplicates": 1, "ignored": 0}
    [row] = await inbox_drained(db)
    assert row["result"] == "duplicate"
    citizen = [m for m in await messages(sessionmaker) if m.sender == "citizen"]
    assert [m.text for m in citizen] == ["Məşğulluq proqramı haqqında məlumat istəyirəm"]
    assert len(graph.received) == 1  # one apology, not three


async def test_echo_typed_in_metas_apps_is_stored_as_an_agent_message_and_never_reaches_the_bot(
    meta_client: Any, sessionmaker: Any, db: AsyncEngine, graph: FakeGraph
) -> None:
    await post_meta(meta_client, "text")
    await graph.wait_for(1, delivered=True)
    await inbox_drained(db)
    resp = await post_meta(meta_client, "echo")
    assert await resp.json() == {"accepted": 1, "duplicates": 0, "ignored": 0}
    rows = await inbox_drained(db, at_least=2)
    assert rows[-1]["result"] == "echo_stored"
    [conv] = await conversations(sessionmaker)
    assert conv.status == "pending"  # unchanged: an agent still claims it here
    echo = (await messages(sessionmaker))[-1]
    assert (echo.sender, echo.agent_id, echo.external_id) == ("agent", None, "m_echo_0001")
    assert echo.text == "Salam! Müraciətiniz qeydə alındı, tezliklə cavab verəcəyik."
    assert len(graph.received) == 1  # not sent again, no bot reply


async def test_echo_of_our_own_reply_is_recognised(
    meta_client: Any, sessionmaker: Any, db: AsyncEngine, graph: FakeGraph
) -> None:
    await post_meta(meta_client, "text")
    [req] = await graph.wait_for(1, delivered=True)
    await wait_until(lambda: _sent_after_citizen(sessionmaker))
    echo = fixture("echo")
    item = echo["entry"][0]["messaging"][0]["message"]
    item["mid"], item["text"] = req.answer["message_id"], TEXT_BOT_UNAVAILABLE
    item.pop("app_id")
    await post_meta(meta_client, echo)
    rows = await inbox_drained(db, at_least=2)
    assert rows[-1]["result"] == "echo_ours"
    assert len(await messages(sessionmaker)) == 2


async def test_echo_overtaking_the_send_api_answer_waits_for_it(
    meta_client: Any, sessionmaker: Any, db: AsyncEngine, graph: FakeGraph
) -> None:
    # Meta can deliver the echo before its Send API answer reaches us.
    graph.delay_seconds = 1.0
    graph.next_message_ids.append("m_ours_0001")
    await post_meta(meta_client, "text")
    await graph.wait_for(0)
    await wait_until(lambda: _outbox_claimed(db))
    echo = fixture("echo")
    item = echo["entry"][0]["messaging"][0]["message"]
    item["mid"], item["text"] = "m_ours_0001", TEXT_BOT_UNAVAILABLE
    await post_meta(meta_client, echo)
    rows = await inbox_drained(db, at_least=2)
    assert rows[-1]["result"] == "echo_ours"
    msgs = await messages(sessionmaker)
    assert [(m.sender, m.external_id) for m in msgs] == [("citizen", "m_text_0001"), ("system", "m_ours_0001")]


async def _outbox_claimed(db: AsyncEngine) -> bool:
    async with db.connect() as conn:
        return bool((await conn.execute(text("SELECT count(*) FROM outbox WHERE claimed_at IS NOT NULL"))).scalar())


async def test_postback_and_quick_reply_keep_what_the_citizen_tapped(
    meta_client: Any, sessionmaker: Any, db: AsyncEngine
) -> None:
    await post_meta(meta_client, "postback")
    await post_meta(meta_client, "quick_reply")
    await inbox_drained(db, at_least=4)
    citizen = {m.external_id: m for m in await messages(sessionmaker) if m.sender == "citizen"}
    assert citizen["m_postback_0001"].text == "Operatorla danışmaq"
    assert citizen["m_postback_0001"].payload == {
        "postback": {"payload": "/request_human", "title": "Operatorla danışmaq"}}
    assert citizen["postback:7000000000000032:1732356400100"].text == "Başla"
    assert citizen["m_quick_0001"].text == "Operator"
    assert citizen["m_quick_0001"].payload == {"quick_reply": {"payload": "/request_human", "title": "Operator"}}
    assert citizen["m_quick_0002"].text == "Pensiya"


async def test_attachment_is_stored_as_links_with_a_placeholder(
    meta_client: Any, sessionmaker: Any, db: AsyncEngine
) -> None:
    await post_meta(meta_client, "attachment")
    await inbox_drained(db)
    [citizen] = [m for m in await messages(sessionmaker) if m.sender == "citizen"]
    assert citizen.kind == "attachment"
    assert citizen.text == "[Şəkil] [Fayl]"
    assert [a["url"] for a in citizen.payload["attachments"]] == [
        "https://scontent.xx.fbcdn.net/v/t1.15752-9/arayis.jpg",
        "https://cdn.fbsbx.com/v/t59.2708-21/erize.pdf",
    ]


async def test_read_delivery_reaction_unknown_and_changes_are_accepted_ignored_and_logged(
    meta_client: Any, db: AsyncEngine, graph: FakeGraph, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="webhooks.meta")
    expected = {"read_delivery": 2, "reaction": 2, "unknown_object": 1, "instagram_changes": 1}
    for name, ignored in expected.items():
        resp = await post_meta(meta_client, name)
        assert resp.status == 200, name
        assert await resp.json() == {"accepted": 0, "duplicates": 0, "ignored": ignored}
    async with db.connect() as conn:
        for table in ("meta_inbox", "conversations", "messages"):
            assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0, table
    logged = caplog.text
    for what in ("'read'", "'delivery'", "'reaction'", "'referral'", "'unknown_object'", "'changes'"):
        assert what in logged, what
    assert graph.received == []


async def test_instagram_text_opens_an_instagram_conversation(
    meta_client: Any, sessionmaker: Any, graph: FakeGraph
) -> None:
    await post_meta(meta_client, "instagram_text")
    [req] = await graph.wait_for(1, delivered=True)
    [conv] = await conversations(sessionmaker)
    assert (conv.channel, conv.contact_id, conv.account_id) == ("instagram", "9000000000000001", IG_ACCOUNT_ID)
    # No token of its own in META_PAGE_TOKENS: the default page token.
    assert req.token == DEFAULT_TOKEN and req.body["recipient"] == {"id": "9000000000000001"}


async def test_a_contacts_messages_are_processed_in_order(
    meta_client: Any, sessionmaker: Any, db: AsyncEngine, graph: FakeGraph
) -> None:
    items = [
        {"sender": {"id": "7000000000000061"}, "recipient": {"id": PAGE_ID}, "timestamp": 1732356000000 + n,
         "message": {"mid": f"m_order_{n}", "text": f"Mesaj {n}"}}
        for n in range(5)
    ]
    await post_meta(meta_client, {"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": items}]})
    await inbox_drained(db, at_least=5)
    citizen = [m.text for m in await messages(sessionmaker) if m.sender == "citizen"]
    assert citizen == [f"Mesaj {n}" for n in range(5)]
    [conv] = await conversations(sessionmaker)
    await graph.wait_for(1, delivered=True)
    assert len(graph.received) == 1  # one hand-off, one apology; the rest wait for the agent
    assert conv.status == "pending"


async def test_items_stored_by_a_process_that_died_are_processed(
    make_meta_client: Any, meta_settings: Any, sessionmaker: Any, db: AsyncEngine, graph: FakeGraph
) -> None:
    # A process stored the items and died before (or while) processing them.
    parsed = parse_webhook(fixture("batch"))
    async with sessionmaker.begin() as s:
        await enqueue(s, parsed.items)
        await s.execute(text("UPDATE meta_inbox SET attempts = 1, lease_until = now() - interval '1 second'"
                             " WHERE mid = 'm_batch_0001'"))
    await make_meta_client(meta_settings)  # another process starts
    rows = await inbox_drained(db, at_least=3)
    assert {r["result"] for r in rows} == {"stored"}
    await graph.wait_for(3, delivered=True)
    assert len([m for m in await messages(sessionmaker) if m.sender == "citizen"]) == 3

