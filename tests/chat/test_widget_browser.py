"""The web chat widget in Chromium: embedded with one script tag on a plain page
of another origin, talking to the real bot, surviving a reload, and showing a
live reply an agent sends from the console inbox (served by another backend
process: the event crosses processes through PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from playwright.async_api import Browser, FrameLocator, Page, expect
from sqlalchemy import select

from contact_center.db.models import Conversation
from tests.plugins.backend import free_port
from tests.plugins.browser import VIEWPORT, ConsoleServer, screenshot, sign_in

HOST_PAGE = """<!doctype html>
<html lang="az"><head><meta charset="utf-8"><title>Nümunə sayt</title></head>
<body><h1>Bələdiyyə xəbərləri</h1><p>Adi bir sayt; çat bir sətirlə qoşulub.</p>
<script src="{backend}/chat/widget.js" async></script>
</body></html>"""


@pytest.fixture
async def host_site(backend_processes, rasa_server) -> AsyncIterator[tuple[str, str]]:
    """(plain site URL, backend URL): the site embeds the widget of a real backend process."""
    backend = backend_processes(RASA_URL=rasa_server.url, RASA_TIMEOUT_SECONDS="30")
    app = web.Application()

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=HOST_PAGE.format(backend=backend.url), content_type="text/html")

    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/", backend.url
    await runner.cleanup()


@pytest.fixture
async def inbox_server(settings, rasa_server, db) -> AsyncIterator[ConsoleServer]:
    server = ConsoleServer(settings.with_(rasa_url=rasa_server.url))
    await server.start()
    yield server
    await server.stop()


async def open_widget(page: Page, url: str) -> FrameLocator:
    await page.goto(url)
    await page.get_by_role("button", name="142 onlayn çat").click()
    frame = page.frame_locator("iframe[title='142 onlayn çat']")
    await expect(frame.locator("#conn.online")).to_be_visible()
    return frame


async def ask(frame: FrameLocator, text: str, *, reply: bool = True) -> None:
    """Send like a citizen (Enter); with `reply`, wait for the bot's answer."""
    before = await frame.locator("li.msg").count()
    await frame.get_by_placeholder("Mesajınızı yazın…").fill(text)
    await frame.get_by_placeholder("Mesajınızı yazın…").press("Enter")
    await expect(frame.locator("li.msg.citizen", has_text=text)).to_be_visible()
    await expect(frame.locator("li.msg.citizen.sending")).to_have_count(0)
    if reply:
        await expect(frame.locator("li.msg")).not_to_have_count(before + 1)


async def test_widget_talks_to_the_bot_survives_a_reload_and_shows_the_agent(
    browser: Browser, host_site, inbox_server, make_user, sessionmaker
):
    site, backend = host_site
    await make_user("aysel", full_name="Aysel Məmmədova")
    citizen_ctx = await browser.new_context(viewport=VIEWPORT, locale="az-AZ")
    agent_ctx = await browser.new_context(viewport=VIEWPORT, locale="az-AZ", timezone_id="Asia/Baku")
    citizen, agent = await citizen_ctx.new_page(), await agent_ctx.new_page()
    try:
        frame = await open_widget(citizen, site)
        await ask(frame, "Salam")
        await expect(frame.locator("li.msg.bot").first).to_be_visible()
        await ask(frame, "Ünvanlı sosial yardım almaq üçün hara müraciət etməliyəm?")
        bot_answers = await frame.locator("li.msg.bot").count()
        assert bot_answers >= 2
        async with sessionmaker() as s:
            conv = (await s.scalars(select(Conversation))).one()
        assert conv.direction == "social_protection" and conv.status == "bot"
        await screenshot(citizen, "chat_widget")

        # A reload keeps the conversation (visitor token in localStorage) and the open panel.
        await citizen.reload()
        frame = citizen.frame_locator("iframe[title='142 onlayn çat']")
        await expect(frame.locator("li.msg.citizen", has_text="Ünvanlı sosial yardım")).to_be_visible()
        await expect(frame.locator("li.msg.bot")).to_have_count(bot_answers)

        # The agent waits in the inbox; the hand-off appears there live.
        await sign_in(agent, inbox_server.url, "aysel")
        await agent.goto(inbox_server.url + "/console/inbox")
        await expect(agent.locator("#live-indicator[data-state=connected]")).to_be_visible()
        await ask(frame, "Operatorla danışmaq istəyirəm")
        await expect(frame.locator("#status")).to_have_text("Operator gözlənilir…")
        row = agent.locator(f"tr[data-conversation='{conv.id}']")
        await expect(row).to_be_visible()
        await screenshot(agent, "chat_inbox")
        await row.get_by_role("button", name="Götür").click()
        await agent.wait_for_url(f"{inbox_server.url}/console/inbox/{conv.id}")
        await expect(frame.locator("li.msg.event", has_text="Aysel söhbətə qoşuldu.")).to_be_visible()
        await expect(frame.locator("#status")).to_have_text("Operator söhbətdədir")

        # The whole transcript, the bot's part included.
        await expect(agent.locator("#transcript .tm-bot").first).to_be_visible()
        await expect(agent.locator("#transcript")).to_contain_text("Ünvanlı sosial yardım")

        box = agent.get_by_label("Cavab", exact=False).first
        await box.fill("Salam! Ünvanlı yardım üçün e-sosial.az portalından müraciət edə bilərsiniz.")
        await expect(frame.get_by_text("Operator yazır…")).to_be_visible()
        await box.press("Enter")
        await expect(frame.locator("li.msg.agent", has_text="e-sosial.az portalından")).to_be_visible()
        await expect(agent.locator("#transcript .tm-agent", has_text="e-sosial.az")).to_be_visible()

        # The citizen answers; the agent sees it without reloading.
        await ask(frame, "Çox sağ olun, aydın oldu", reply=False)
        await expect(agent.locator("#transcript .tm-citizen", has_text="Çox sağ olun")).to_be_visible()
        await screenshot(agent, "chat_conversation")

        await agent.select_option("#resolve-outcome", "fully_answered")
        await agent.get_by_role("button", name="Bağla", exact=True).click()
        await agent.wait_for_url(inbox_server.url + "/console/inbox")
        await frame.get_by_role("button", name="5 ulduz").click()
        await expect(frame.get_by_text("Qiymətləndirməniz üçün təşəkkür edirik!")).to_be_visible()
        await screenshot(citizen, "chat_widget_csat")
        async with sessionmaker() as s:
            conv = await s.get(Conversation, conv.id)
        assert (conv.status, conv.outcome, conv.csat_score) == ("resolved", "fully_answered", 5)
    finally:
        await citizen_ctx.close()
        await agent_ctx.close()
