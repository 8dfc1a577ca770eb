"""The supervisors' urgent banner: on every console page, until someone claims the conversation."""

from __future__ import annotations

import re

import aiohttp
import pytest
from playwright.async_api import expect

from contact_center.chat.conversations import hand_off
from contact_center.config import Settings
from contact_center.db.models import Conversation
from tests.chat.conftest import say, visitor
from tests.plugins.browser import screenshot, sign_in
from tests.plugins.console import csrf_from, login, login_http

URGENT_TEXT = "Həyat yoldaşım məni döyür, qorxuram"


async def _make_urgent(sessionmaker, conversation_id: int) -> None:
    # The chat core's own path: a conversation already with the humans becomes urgent.
    async with sessionmaker.begin() as s:
        conv = await s.get(Conversation, conversation_id)
        await hand_off(s, conv, reason="urgent", urgent=True)


async def test_supervisors_see_unclaimed_urgent_conversations_on_every_page(
    make_client, dead_rasa, sessionmaker, make_user
):
    await make_user("boss", role="supervisor")
    await make_user("aysel")
    citizens = await make_client(dead_rasa)
    ordinary = await say(citizens, visitor(), "Pensiyam gecikir")  # the bot is down: pending, not urgent
    urgent = await say(citizens, visitor(), "Kömək edin")
    await _make_urgent(sessionmaker, urgent["conversation_id"])
    cid = urgent["conversation_id"]

    boss = await make_client(dead_rasa)
    await login(boss, "boss")
    for path in ("/console", "/console/calls", "/console/callbacks", "/console/agents", "/console/inbox"):
        html = await (await boss.get(path)).text()
        banner = re.search(r'<div id="part-urgent".*?</div>\s*</div>', html, re.S)
        assert banner, f"no urgent banner on {path}"
        assert 'role="alert"' in banner.group(0)
        assert f"Təcili müraciət:</strong> söhbət № {cid} (Veb çat" in banner.group(0)
        assert f'href="/console/inbox/{cid}"' in banner.group(0)
        assert f"№ {ordinary['conversation_id']} " not in banner.group(0)  # only urgent ones
    fragment = await boss.get("/console/parts/urgent")
    assert fragment.status == 200 and f'href="/console/inbox/{cid}"' in await fragment.text()

    agent = await make_client(dead_rasa)
    token = await login(agent, "aysel")
    html = await (await agent.get("/console/calls")).text()
    assert 'id="part-urgent"' not in html and "Təcili müraciət" not in html  # supervisors only
    assert (await agent.get("/console/parts/urgent")).status == 404

    # An agent claims it: the banner is gone from the supervisor's pages.
    resp = await agent.post(f"/console/inbox/{cid}/claim", data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    html = await (await boss.get("/console/calls")).text()
    assert 'id="part-urgent"' in html and "Təcili müraciət" not in html
    assert (await (await boss.get("/console/parts/urgent")).text()).strip() == ""


@pytest.fixture
def settings(settings: Settings, rasa_server) -> Settings:
    """The console server of these tests talks to the really trained bot."""
    return settings.with_(rasa_url=rasa_server.url, rasa_timeout_seconds=30.0)


async def test_a_citizens_urgent_message_alerts_a_supervisor_on_another_page_until_claimed(
    page, console_server, make_user
):
    base = console_server.url
    await make_user("boss", role="supervisor", full_name="Rəşad Quliyev")
    await make_user("aysel", full_name="Aysel Məmmədova")
    await sign_in(page, base, "boss")
    await page.goto(base + "/console/calls")  # the registrations page, not the inbox
    await expect(page.locator("#live-indicator")).to_have_attribute("data-state", "connected")
    banner = page.locator("#part-urgent .urgent-banner")
    await expect(banner).to_have_count(0)

    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/v1/chat/messages",
                             json={"visitor_id": visitor(), "text": URGENT_TEXT}) as resp:
            assert resp.status == 200
            body = await resp.json()
    assert body["urgent"] is True and body["status"] == "pending"  # the bot recognised it
    cid = body["conversation_id"]

    # Within a second, without a reload, as an accessible alert with a link.
    await expect(banner).to_be_visible(timeout=1000)
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text(f"Təcili müraciət: söhbət № {cid} (Veb çat")
    link = alert.get_by_role("link", name="Söhbəti aç")
    await expect(link).to_have_attribute("href", f"/console/inbox/{cid}")
    await screenshot(page, "urgent_banner")

    # It persists across page loads (rendered from the database).
    await page.goto(base + "/console/callbacks")
    await expect(page.locator("#part-urgent .urgent-banner")).to_contain_text(f"söhbət № {cid}")
    await expect(page.locator("#live-indicator")).to_have_attribute("data-state", "connected")

    # An agent claims the conversation in the inbox: the banner goes away live.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as agent:
        await login_http(agent, base, "aysel")
        async with agent.get(f"{base}/console/inbox/{cid}") as resp:
            token = csrf_from(await resp.text())
        async with agent.post(f"{base}/console/inbox/{cid}/claim", data={"csrf_token": token},
                              allow_redirects=False) as resp:
            assert resp.status == 303
    await expect(page.locator("#part-urgent .urgent-banner")).to_have_count(0, timeout=1000)
    await page.reload()
    await expect(page.locator("#part-urgent .urgent-banner")).to_have_count(0)
