"""The live wallboard: calls waiting now (posted by the PBX through the signed
endpoint), agents by status, chats waiting (urgent first), callbacks due."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from contact_center.accounts import agent_status
from tests.dashboard.conftest import get_html
from tests.helpers import event, post_pbx


def _big(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html).group(1)


async def test_a_call_waiting_in_the_pbx_queue_shows_up(supervisor):
    now = datetime.now(UTC)
    resp = await post_pbx(supervisor, [
        event("q1", "wait-1", "enqueued", (now - timedelta(seconds=75)).isoformat(), caller="0501234567", queue="142"),
        event("q2", "wait-2", "enqueued", (now - timedelta(seconds=10)).isoformat(), caller="0557654321", queue="142"),
        # Lost events: a record left unfinished hours ago is not a caller still waiting.
        event("q3", "stale", "enqueued", (now - timedelta(hours=6)).isoformat(), caller="0701112233", queue="142"),
    ])
    assert resp.status == 202
    board = await get_html(supervisor, "/console/wallboard")
    assert _big(board, "wb-waiting") == "2"
    longest = int(re.search(r'id="wb-longest" data-tick="(\d+)"', board).group(1))
    assert 75 <= longest < 90
    assert re.search(r'id="wb-longest"[^>]*>1:1\d<', board)
    # The waiting callers, longest first, masked (a wall screen is no place for numbers).
    assert board.index("+994 50 ••• •• 67") < board.index("+994 55 ••• •• 21")
    assert "123 45 67" not in board and "765 43 21" not in board
    assert "+994 70 ••• •• 33" not in board
    # The card refreshes itself every 2 seconds (no event announces a call entering the queue).
    assert re.search(r'id="wb-calls" data-wb-region="calls" data-url="/console/wallboard/calls" '
                     r'data-topics="live.resync" data-every="2000"', board)

    resp = await post_pbx(supervisor, [event("q4", "wait-1", "answered", now.isoformat(), agent="1001")])
    assert resp.status == 202
    card = await get_html(supervisor, "/console/wallboard/calls")
    assert (_big(card, "wb-waiting"), _big(card, "wb-talking")) == ("1", "1")
    assert re.search(r'id="wb-longest" data-tick="1\d"', card)  # now the 10-second caller
    resp = await post_pbx(supervisor, [event("q5", "wait-2", "abandoned", now.isoformat()),
                                       event("q6", "wait-1", "completed", now.isoformat())])
    card = await get_html(supervisor, "/console/wallboard/calls")
    assert (_big(card, "wb-waiting"), _big(card, "wb-longest"), _big(card, "wb-talking")) == ("0", "—", "0")
    assert "İndi növbədə zəng yoxdur." in card


async def test_agents_chats_and_callbacks(supervisor, make_user, sessionmaker, db):
    ids = [(await make_user(f"op{n}", extension=f"20{n:02d}", full_name=f"Operator {n}")).id for n in range(5)]
    async with sessionmaker.begin() as session:
        for uid, status in zip(ids, ["available", "available", "busy", "break", "offline"]):
            await agent_status.set_status(session, uid, status)
    async with db.begin() as conn:
        await conn.execute(text(
            "INSERT INTO conversations (channel, contact_id, status, urgent, handoff_reason, handoff_at, "
            "low_confidence_streak, abandoned, created_at) VALUES "
            "('web_chat', 'a', 'pending', FALSE, 'requested', now() - interval '5 minutes', 0, FALSE, now()), "
            "('facebook', 'b', 'pending', TRUE, 'urgent', now() - interval '1 minute', 0, FALSE, now()), "
            "('instagram', 'c', 'open', FALSE, 'requested', now() - interval '9 minutes', 0, FALSE, now())"))
        await conn.execute(text(
            "INSERT INTO callbacks (phone, source, status, due_at, attempts, note, created_at) VALUES "
            "('+994501110011', 'web', 'open', now() - interval '10 minutes', 0, '', now() - interval '1 hour'), "
            "('+994552220022', 'bot', 'open', now() + interval '30 minutes', 0, '', now())"))
    agents = await get_html(supervisor, "/console/wallboard/agents")
    counts = dict(re.findall(r'data-status="(\w+)"><strong>(\d+)</strong>', agents))
    # The supervisor "boss" is on the floor list too: signing in made them available.
    assert counts == {"available": "3", "on_call": "0", "wrap_up": "0", "paused": "2", "offline": "1"}
    states = dict(re.findall(r'<li data-agent="(\w+)" data-state="(\w+)"', agents))
    assert states == {"op0": "available", "op1": "available", "boss": "available", "op2": "paused", "op3": "paused"}
    assert "Fasilədədir: Başqa iş" in agents and "Fasilədədir: Fasilə" in agents  # busy and break, migrated
    # each with the time in the state, which wallboard.js ticks every second
    assert re.search(r'<li data-agent="op2" data-state="paused">.*?<strong data-tick="\d+">0:0\d</strong>', agents)
    chats = await get_html(supervisor, "/console/wallboard/chats")
    assert (_big(chats, "wb-chats"), _big(chats, "wb-urgent")) == ("2", "1")
    rows = re.findall(r'<li data-conversation="\d+" class="([\w ]*)"', chats)
    # The urgent one first, though it waits less; both (a minute and more, five minutes) are past
    # the chat SLA's 60 s target.
    assert rows == ["urgent late", "late"]
    assert re.search(r'data-tick="(29\d|30\d)"', chats)  # the other has waited five minutes
    callbacks = await get_html(supervisor, "/console/wallboard/callbacks")
    assert (_big(callbacks, "wb-cb-open"), _big(callbacks, "wb-cb-overdue")) == ("2", "1")
    assert re.findall(r'<li data-callback="\d+" class="(\w*)">', callbacks) == ["overdue", ""]
    board = await get_html(supervisor, "/console/wallboard")
    assert 'data-topics="agent.status,agent.state,live.resync"' in board and 'data-topics="callback.*,live.resync"' in board
    assert (await supervisor.get("/console/wallboard/nothing")).status == 404


async def test_todays_figures(supervisor):
    now = datetime.now(UTC)
    await post_pbx(supervisor, [
        event("t1", "d1", "enqueued", (now - timedelta(seconds=9)).isoformat(), caller="0501234567"),
        event("t2", "d1", "answered", (now - timedelta(seconds=4)).isoformat(), agent="1001"),
        event("t3", "d2", "enqueued", (now - timedelta(seconds=9)).isoformat(), caller="0501234568"),
        event("t4", "d2", "abandoned", (now - timedelta(seconds=1)).isoformat()),
    ])
    card = await get_html(supervisor, "/console/wallboard/today")
    figures = dict(re.findall(r'data-today="(\w+)"><strong>([^<]+)</strong>', card))
    assert figures == {"offered": "2", "answer_rate": "50,00 %", "abandoned": "1", "service_level": "100,00 %",
                       "asa": "5,0 san"}
