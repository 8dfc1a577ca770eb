"""The strict CSP in a real browser: the console and the embedded chat widget still
work, and Chromium reports no Content-Security-Policy violation on any page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, expect

from tests.plugins.backend import free_port
from tests.plugins.browser import VIEWPORT, ConsoleServer, sign_in

# Runs in every frame before the page's own scripts (Playwright's init scripts are not subject to the CSP).
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));
"""

CONSOLE_PAGES = ["/console", "/console/inbox", "/console/calls", "/console/calls/new", "/console/callbacks",
                 "/console/callback-requests", "/console/conversations", "/console/pbx-calls", "/console/agents",
                 "/console/stats", "/console/wallboard", "/console/reports/monthly", "/console/admin/users",
                 "/console/admin/reference", "/console/admin/canned"]


@pytest.fixture
async def server(settings, db) -> AsyncIterator[ConsoleServer]:
    srv = ConsoleServer(settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1.0))
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def host_site(server) -> AsyncIterator[str]:
    app = web.Application()

    async def page(_request: web.Request) -> web.Response:
        return web.Response(content_type="text/html", text=(
            '<!doctype html><html lang="az"><head><meta charset="utf-8"><title>Sayt</title></head><body>'
            f'<h1>Xəbərlər</h1><script src="{server.url}/chat/widget.js" async></script></body></html>'))

    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/"
    await runner.cleanup()


async def _context(browser: Browser, messages: list[str]) -> BrowserContext:
    context = await browser.new_context(viewport=VIEWPORT, locale="az-AZ", timezone_id="Asia/Baku")
    await context.add_init_script(COLLECT)
    context.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return context


async def _violations(page) -> list[str]:
    found: list[str] = []
    for frame in page.frames:
        found += await frame.evaluate("window.__csp || []")
    return found


async def test_console_and_widget_work_without_csp_violations(browser: Browser, server, host_site, make_user):
    await make_user("admin1", role="admin", full_name="Admin Adminov", extension="1001")
    messages: list[str] = []
    citizen_ctx = await _context(browser, messages)
    agent_ctx = await _context(browser, messages)
    try:
        citizen = await citizen_ctx.new_page()
        await citizen.goto(host_site)
        await citizen.get_by_role("button", name="142 onlayn çat").click()
        frame = citizen.frame_locator("iframe[title='142 onlayn çat']")
        await expect(frame.locator("#conn.online")).to_be_visible()
        box = frame.get_by_placeholder("Mesajınızı yazın…")
        await box.fill("Salam, pensiya barədə sualım var")
        await box.press("Enter")
        await expect(frame.locator("li.msg.citizen.sending")).to_have_count(0)
        await expect(frame.locator("li.msg").nth(1)).to_be_visible()  # the bot is down: the apology
        assert await _violations(citizen) == []

        agent = await agent_ctx.new_page()
        await sign_in(agent, server.url, "admin1")
        for path in CONSOLE_PAGES:
            response = await agent.goto(server.url + path)
            assert response is not None and response.status == 200, path
            await agent.wait_for_load_state("networkidle")
            assert await _violations(agent) == [], path
        # The inbox shows the citizen's chat, fragments and all.
        await agent.goto(server.url + "/console/inbox")
        await expect(agent.get_by_text("pensiya barədə").first).to_be_visible()
        assert await _violations(agent) == []
        assert messages == []
    finally:
        await citizen_ctx.close()
        await agent_ctx.close()
