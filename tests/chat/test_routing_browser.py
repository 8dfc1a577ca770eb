"""Chat routing and transfer in real consoles (Chromium): a chat transferred by one
agent appears live in the colleague's inbox with the note; a chat routed to another
direction's agents appears in an unskilled agent's open inbox when the fallback
passes, without a reload."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import expect
from sqlalchemy import select

from contact_center.config import Settings
from contact_center.db.models import Conversation, User, UserSkill
from tests.plugins.backend import free_port
from tests.plugins.browser import VIEWPORT, screenshot, sign_in
from tests.plugins.console import login_http

FALLBACK = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The bot is down (every chat waits for an agent); a short routing fallback."""
    return settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2.0,
                          chat_routing_fallback_seconds=FALLBACK)


async def citizen_writes(base: str, text: str, visitor_id: str) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/v1/chat/messages", json={"visitor_id": visitor_id, "text": text}) as resp:
            assert resp.status == 200
            body = await resp.json()
    assert body["status"] == "pending"
    return int(body["conversation_id"])


async def test_an_agent_transfers_a_chat_to_a_colleague_who_gets_it_live_with_the_note(
    page, browser, console_server, make_user, sessionmaker
):
    base = console_server.url
    await make_user("aysel", full_name="Aysel Məmmədova")
    await make_user("resad", full_name="Rəşad Əliyev")
    cid = await citizen_writes(base, "Salam, pensiyam gecikir", "v-routing-browser-0000000001")

    # Rəşad has his inbox open.
    await sign_in(page, base, "resad")
    await page.goto(base + "/console/inbox")
    await expect(page.locator("#live-indicator")).to_have_attribute("data-state", "connected")
    mine = page.locator("#inbox-lists table.inbox-table").nth(1)

    # Aysel claims the chat and transfers it to him with a note.
    context = await browser.new_context(viewport=VIEWPORT, locale="az-AZ", timezone_id="Asia/Baku")
    try:
        aysel = await context.new_page()
        await sign_in(aysel, base, "aysel")
        await aysel.goto(base + "/console/inbox")
        await aysel.locator(f'tr[data-conversation="{cid}"] button', has_text="Götür").click()
        await aysel.wait_for_url(f"{base}/console/inbox/{cid}")
        await aysel.select_option("#transfer-target", label="Rəşad Əliyev")
        await aysel.fill("#transfer-note", "Pensiya hesablanması: sənədləri yoxlayın")
        await aysel.get_by_role("button", name="Ötür", exact=True).click()
        await aysel.wait_for_url(base + "/console/inbox")
        await expect(aysel.locator(".flash")).to_contain_text("Rəşad Əliyev")
    finally:
        await context.close()

    # Without a reload: the chat is in Rəşad's own list, with who sent it and the note.
    row = mine.locator(f'tr[data-conversation="{cid}"]')
    await expect(row).to_be_visible(timeout=3000)
    await expect(row.locator(".handed")).to_contain_text("Aysel Məmmədova")
    await expect(row.locator(".transfer-note")).to_have_text("Pensiya hesablanması: sənədləri yoxlayın")
    await screenshot(page, "inbox_transferred")
    await row.get_by_role("link", name=str(cid)).click()
    await expect(page.locator("#transfers")).to_contain_text("Pensiya hesablanması: sənədləri yoxlayın")
    await expect(page.locator("#transcript")).to_contain_text("Müraciətiniz başqa əməkdaşa yönləndirildi")
    await expect(page.locator("#reply-text")).to_be_visible()  # his to answer now


async def test_a_routed_chat_appears_for_everyone_when_the_fallback_passes_without_a_reload(
    page, console_server, make_user, sessionmaker
):
    base = console_server.url
    await make_user("aysel", full_name="Aysel Məmmədova")
    await make_user("resad", full_name="Rəşad Əliyev")
    async with sessionmaker.begin() as s:
        aysel_id = await s.scalar(select(User.id).where(User.username == "aysel"))
        s.add(UserSkill(user_id=aysel_id, direction="social_protection"))

    await sign_in(page, base, "resad")
    await page.goto(base + "/console/inbox")
    await expect(page.locator("#live-indicator")).to_have_attribute("data-state", "connected")
    queue = page.locator("#inbox-lists table.inbox-table").first

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await login_http(http, base, "aysel")  # signed in: available, with the skill
        cid = await citizen_writes(base, "Ünvanlı sosial yardım", "v-routing-browser-0000000002")
        async with sessionmaker.begin() as s:
            (await s.get(Conversation, cid)).direction = "social_protection"
        await page.reload()  # (the direction was set behind the server's back: read it once)
        await expect(queue.locator(f'tr[data-conversation="{cid}"]')).to_have_count(0)
        # The fallback passes while the page stays as it is.
        await expect(queue.locator(f'tr[data-conversation="{cid}"]')).to_have_count(1, timeout=(FALLBACK + 4) * 1000)
