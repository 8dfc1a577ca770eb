"""Chromium through nginx (TLS, the shipped deploy/nginx.conf) in front of two
backend processes: the chat page's WebSocket and the console's live updates
pass the proxy, and an agent and a citizen talk live."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.plugins.browser import VIEWPORT, sign_in


async def test_the_widget_and_the_console_live_updates_work_through_nginx(browser: Browser, behind_nginx, make_user):
    base = behind_nginx.nginx.url
    await make_user("aysel", full_name="Aysel Məmmədova")
    # The certificate is the test's own: the browser is told to accept it.
    citizen_ctx = await browser.new_context(viewport=VIEWPORT, locale="az-AZ", ignore_https_errors=True)
    agent_ctx = await browser.new_context(viewport=VIEWPORT, locale="az-AZ", timezone_id="Asia/Baku",
                                          ignore_https_errors=True)
    citizen, agent = await citizen_ctx.new_page(), await agent_ctx.new_page()
    try:
        await sign_in(agent, base, "aysel")
        await agent.goto(base + "/console/inbox")
        await expect(agent.locator("#live-indicator[data-state=connected]")).to_be_visible()
        assert all(c["secure"] for c in await agent_ctx.cookies())

        await citizen.goto(base + "/chat")
        await expect(citizen.locator("#conn.online")).to_be_visible()
        box = citizen.get_by_placeholder("Mesajınızı yazın…")
        await box.fill("Salam, pensiyam haqqında sualım var")
        await box.press("Enter")
        # No bot here: the chat goes to a person at once, and the inbox hears of it live.
        await expect(citizen.locator("#status")).to_have_text("Operator gözlənilir…")
        row = agent.locator("tr[data-conversation]", has_text="pensiyam")
        await expect(row).to_be_visible()
        await row.get_by_role("button", name="Götür").click()
        await agent.wait_for_url(re.compile(re.escape(base) + r"/console/inbox/\d+$"))
        await expect(citizen.locator("li.msg.event", has_text="Aysel söhbətə qoşuldu.")).to_be_visible()

        reply = agent.get_by_label("Cavab", exact=False).first
        await reply.fill("Salam! Sualınızı yazın, kömək edək.")
        await reply.press("Enter")
        await expect(citizen.locator("li.msg.agent", has_text="kömək edək")).to_be_visible()
        await box.fill("Təşəkkür edirəm")
        await box.press("Enter")
        await expect(agent.locator("#transcript .tm-citizen", has_text="Təşəkkür edirəm")).to_be_visible()
    finally:
        await citizen_ctx.close()
        await agent_ctx.close()
    # Both sockets were upgraded through nginx (not the long-poll fallback).
    access = behind_nginx.nginx.log.read_text()
    assert re.search(r'"GET /console/live/ws HTTP/1\.1" 101 ', access), access[-2000:]
    assert re.search(r'"GET /chat/ws HTTP/1\.1" 101 ', access), access[-2000:]
