"""The agent sees Meta's reply window before typing: time left, a warning in the
last hour, and a disabled reply box (notes still possible) once it has closed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from playwright.async_api import expect
from sqlalchemy import select, update

from contact_center.db.models import Conversation, Message
from contact_center.social import agent_window
from tests.plugins.browser import ConsoleServer, screenshot, sign_in
from tests.plugins.console import login
from tests.plugins.meta import PAGE_ID, inbox_drained, post_meta

CITIZEN = "7000000000000001"  # the sender of tests/fixtures/meta/text.json


async def _conversation(sessionmaker: Any, *, channel: str = "facebook", wrote_ago: timedelta,
                        agent_id: int | None = None) -> int:
    """A live conversation whose citizen last wrote `wrote_ago` ago (held by `agent_id`)."""
    at = datetime.now(UTC) - wrote_ago
    async with sessionmaker.begin() as s:
        conv = Conversation(
            channel=channel, contact_id=CITIZEN if channel != "web_chat" else "a" * 64,
            account_id=PAGE_ID if channel != "web_chat" else None,
            status="open" if agent_id else "pending", assigned_to=agent_id, assigned_at=at if agent_id else None,
            handoff_at=at, handoff_reason="requested", last_citizen_message_at=at, created_at=at,
        )
        s.add(conv)
        await s.flush()
        s.add(Message(conversation_id=conv.id, channel=channel, sender="citizen", text="Pensiyam gecikir",
                      external_id=f"m_{conv.id}" if channel != "web_chat" else None, created_at=at))
        return conv.id


def _window(html: str) -> str:
    found = re.search(r'<div id="reply-window".*?</div>', html, re.S)
    assert found, "no reply window on the page"
    return re.sub(r"\s+", " ", found.group(0))


def _reply_box(html: str) -> str:
    return re.search(r"<textarea id=\"reply-text\"[^>]*>", html).group(0)


async def test_the_window_as_the_service_computes_it(settings: Any, sessionmaker: Any, make_user: Any) -> None:
    cid = await _conversation(sessionmaker, wrote_ago=timedelta(0))
    async with sessionmaker() as s:
        last = (await s.get(Conversation, cid)).last_citizen_message_at
        at = lambda d: last + d  # noqa: E731
        w = await agent_window(s, settings, cid, now=at(timedelta(hours=2)))
        assert (w.open, w.closes_at, w.remaining_seconds, w.warning, w.tagged) == (
            True, last + timedelta(hours=24), 22 * 3600, False, False)
        assert w.text_limit == 2000
        w = await agent_window(s, settings, cid, now=at(timedelta(hours=23)))
        assert w.open and not w.warning  # exactly an hour left: not yet
        w = await agent_window(s, settings, cid, now=at(timedelta(hours=23, seconds=1)))
        assert w.open and w.warning and w.remaining_seconds == 3599
        w = await agent_window(s, settings, cid, now=at(timedelta(hours=24, seconds=1)))
        assert not w.open and w.remaining_seconds == 0 and "24 saatdan çox keçib" in w.reason

        tagged = settings.with_(meta_human_agent_tag=True)
        w = await agent_window(s, tagged, cid, now=at(timedelta(hours=2)))
        assert w.open and not w.tagged and w.closes_at == last + timedelta(days=7)  # agents: the 7-day window
        w = await agent_window(s, tagged, cid, now=at(timedelta(hours=25)))
        assert w.open and w.tagged and w.remaining_seconds == (7 * 24 - 25) * 3600
        w = await agent_window(s, tagged, cid, now=at(timedelta(days=7, seconds=1)))
        assert not w.open and "7 gündən çox keçib" in w.reason

    web = await _conversation(sessionmaker, channel="web_chat", wrote_ago=timedelta(days=3))
    async with sessionmaker() as s:
        assert await agent_window(s, settings, web) is None  # no window outside Meta


async def test_agent_sees_the_time_left_before_typing(make_client: Any, settings: Any, sessionmaker: Any,
                                                      make_user: Any) -> None:
    aysel = await make_user("aysel", full_name="Aysel Məmmədova")
    client = await make_client(settings)
    await login(client, "aysel")

    cid = await _conversation(sessionmaker, wrote_ago=timedelta(hours=2, seconds=30), agent_id=aysel.id)
    html = await (await client.get(f"/console/inbox/{cid}")).text()
    window = _window(html)
    assert 'data-state="open"' in window and 'role="status"' in window
    assert 'Cavab üçün <span class="rw-left">21 saat 59 dəq</span> qalıb' in window
    assert "24 saat ərzində" in window
    assert html.index('id="reply-window"') < html.index('id="reply-text"')  # before the reply box
    box = _reply_box(html)
    assert "disabled" not in box and 'maxlength="2000"' in box and 'aria-describedby="reply-window"' in box

    # The last hour: a warning.
    async with sessionmaker.begin() as s:
        ago = datetime.now(UTC) - timedelta(hours=23, minutes=30, seconds=30)
        await s.execute(update(Message).where(Message.conversation_id == cid).values(created_at=ago))
        await s.execute(update(Conversation).where(Conversation.id == cid).values(last_citizen_message_at=ago))
    html = await (await client.get(f"/console/inbox/{cid}")).text()
    window = _window(html)
    assert 'data-state="warn"' in window
    assert 'Diqqət: cavab müddətinin bitməsinə <span class="rw-left">29 dəq</span> qalıb' in window
    assert "disabled" not in _reply_box(html)

    # Closed: the reply box is disabled with the reason; notes still work.
    async with sessionmaker.begin() as s:
        ago = datetime.now(UTC) - timedelta(hours=25)
        await s.execute(update(Message).where(Message.conversation_id == cid).values(created_at=ago))
        await s.execute(update(Conversation).where(Conversation.id == cid).values(last_citizen_message_at=ago))
    page = await client.get(f"/console/inbox/{cid}")
    html = await page.text()
    window = _window(html)
    assert 'data-state="closed"' in window and "Cavab müddəti bitib." in window
    assert "24 saatdan çox keçib: Meta cavabı qəbul etmir, vətəndaş yenidən yazmalıdır." in window
    assert "daxili qeyd yazmaq olar" in window
    assert " disabled" in _reply_box(html)
    assert re.search(r'<button type="submit" id="reply-send" disabled>', html)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    resp = await client.post(f"/console/inbox/{cid}/note", json={"text": "Vətəndaşa zəng etmək lazımdır"},
                             headers=headers)
    assert resp.status == 200
    resp = await client.post(f"/console/inbox/{cid}/reply", json={"text": "Gecikmiş cavab"}, headers=headers)
    assert resp.status == 409  # the same rule refuses it on the server

    # With META_HUMAN_AGENT_TAG the agent still has the 7-day window.
    tagged = await make_client(settings.with_(meta_human_agent_tag=True))
    await login(tagged, "aysel")
    html = await (await tagged.get(f"/console/inbox/{cid}")).text()
    window = _window(html)
    assert 'data-state="open"' in window
    assert re.search(r'Cavab üçün <span class="rw-left">5 gün 2[23] saat</span> qalıb', window)
    assert "HUMAN_AGENT etiketi ilə" in window
    assert "disabled" not in _reply_box(html)


async def test_no_window_on_web_chat_or_resolved_conversations(make_client: Any, settings: Any, sessionmaker: Any,
                                                                make_user: Any) -> None:
    aysel = await make_user("aysel")
    client = await make_client(settings)
    await login(client, "aysel")
    web = await _conversation(sessionmaker, channel="web_chat", wrote_ago=timedelta(days=2), agent_id=aysel.id)
    html = await (await client.get(f"/console/inbox/{web}")).text()
    assert 'id="reply-window"' not in html and 'maxlength="4000"' in _reply_box(html)
    ig = await _conversation(sessionmaker, channel="instagram", wrote_ago=timedelta(hours=1), agent_id=aysel.id)
    html = await (await client.get(f"/console/inbox/{ig}")).text()
    assert 'data-state="open"' in _window(html) and 'maxlength="1000"' in _reply_box(html)
    async with sessionmaker.begin() as s:
        await s.execute(update(Conversation).where(Conversation.id == ig).values(
            status="resolved", resolved_at=datetime.now(UTC), resolved_by=aysel.id))
    html = await (await client.get(f"/console/inbox/{ig}")).text()
    assert 'id="reply-window"' not in html


@pytest.fixture
async def meta_console(meta_settings: Any, db: object):
    server = ConsoleServer(meta_settings)
    await server.start()
    yield server
    await server.stop()


async def test_the_reply_box_opens_again_when_the_citizen_writes(page: Any, meta_console: ConsoleServer,
                                                                  make_user: Any, sessionmaker: Any) -> None:
    base = meta_console.url
    aysel = await make_user("aysel", full_name="Aysel Məmmədova")
    cid = await _conversation(sessionmaker, wrote_ago=timedelta(hours=30), agent_id=aysel.id)
    await sign_in(page, base, "aysel")
    await page.goto(f"{base}/console/inbox/{cid}")
    await expect(page.locator("#live-indicator")).to_have_attribute("data-state", "connected")
    window = page.locator("#reply-window")
    await expect(window).to_contain_text("Cavab müddəti bitib.")
    await expect(page.locator("#reply-text")).to_be_disabled()
    await expect(page.locator("#note-text")).to_be_enabled()
    await screenshot(page, "meta_window_closed")

    # The same citizen writes to the page again (a real signed webhook).
    async with aiohttp.ClientSession(base_url=base) as http:
        resp = await post_meta(http, "text")
        assert resp.status == 200
    await expect(window).to_have_attribute("data-state", "open", timeout=10_000)
    await expect(window).to_contain_text("Cavab üçün 23 saat 59 dəq qalıb")
    await expect(page.locator("#reply-text")).to_be_enabled()
    await expect(page.locator("#reply-send")).to_be_enabled()


async def test_attachments_are_named_in_azerbaijani_in_the_transcript(
    meta_client: Any, sessionmaker: Any, make_user: Any, db: Any
) -> None:
    await make_user("aysel")
    await post_meta(meta_client, "attachment")  # an image and a PDF; the bot is down: pending
    await inbox_drained(db)
    await login(meta_client, "aysel")
    async with sessionmaker() as s:
        cid = (await s.scalars(select(Conversation.id))).one()
    html = await (await meta_client.get(f"/console/inbox/{cid}")).text()
    links = re.findall(r'<div class="tm-attachment"><a href="([^"]+)"[^>]*>([^<]+)</a></div>', html)
    assert links == [("https://scontent.xx.fbcdn.net/v/t1.15752-9/arayis.jpg", "Şəkil"),
                     ("https://cdn.fbsbx.com/v/t59.2708-21/erize.pdf", "Fayl")]
