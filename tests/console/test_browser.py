"""The console in a real browser (headless Chromium): the flows agents live in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import aiohttp
from playwright.async_api import expect
from sqlalchemy import select

from contact_center.accounts import agent_status
from contact_center.db.models import Callback, CallRegistration
from tests.helpers import event, signed
from tests.plugins.browser import screenshot, sign_in


async def _post_pbx(base: str, events: list[dict]) -> None:
    body, headers = signed(json.dumps(events))
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/v1/pbx/events", data=body,
                             headers=headers | {"Content-Type": "application/json"}) as resp:
            assert resp.status == 202


async def _request_callback(base: str, **payload: object) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/v1/callbacks", json=payload) as resp:
            assert resp.status == 201
            return (await resp.json())["id"]


async def test_a_pbx_event_pops_the_call_and_the_agent_registers_it(page, console_server, make_user, sessionmaker):
    base = console_server.url
    await make_user("aysel", extension="1001", full_name="Aysel Məmmədova")
    await make_user("boss", role="supervisor", full_name="Rəşad Quliyev")
    # An earlier request from the same citizen, so the pop has history to show.
    await _request_callback(base, phone="0501234567", name="Kamran", district="baku_xetai")
    await sign_in(page, base, "aysel")
    indicator = page.locator("#live-indicator")
    await expect(indicator).to_have_attribute("data-state", "connected")
    await screenshot(page, "home")

    now = datetime.now(UTC)
    await _post_pbx(base, [
        event("p1", "call-77", "enqueued", (now - timedelta(seconds=34)).isoformat(), caller="0501234567", queue="142"),
        event("p2", "call-77", "answered", now.isoformat(), agent="1001"),
    ])
    pop = page.locator("#screen-pop")
    # The pop shows up within a second of the PBX event, without a reload.
    await expect(pop).to_be_visible(timeout=1000)
    await expect(pop.locator(".pop-phone")).to_have_text("+994 50 123 45 67")
    await expect(pop.locator(".pop-wait")).to_have_text("34 san")
    await expect(pop).to_contain_text("Geri zəng sorğusu")  # the caller's earlier callback
    await expect(pop.locator("#f-direction")).to_be_focused()

    # Keyboard-first wrap-up; the district is found by typing without Azerbaijani letters.
    await page.select_option("#f-direction", "employment")
    await page.select_option("#f-call_type", "information")
    await pop.locator(".select-filter").fill("xetai")
    await expect(page.locator("#f-district")).to_have_value("baku_xetai")
    await page.select_option("#f-outcome", "fully_answered")
    await page.fill("#f-note", "Vakansiyalar barədə məlumat verildi")
    await screenshot(page, "screen_pop")
    await page.press("#f-note", "Control+Enter")  # saves without leaving the keyboard
    await expect(page.locator(".flash")).to_contain_text("Zəng qeydə alındı")
    async with sessionmaker() as session:
        reg = (await session.execute(select(CallRegistration))).scalar_one()
    assert (reg.direction, reg.district, reg.outcome, reg.phone) == (
        "employment", "baku_xetai", "fully_answered", "+994501234567")

    # Open it and change the outcome: the history shows both versions.
    await page.goto(f"{base}/console/calls/{reg.id}/edit")
    await page.select_option("#f-outcome", "sent_to_office")
    await page.get_by_role("button", name="Dəyişikliyi saxla").click()
    await expect(page.locator("#history")).to_contain_text("Kargüzarlığa göndərildi")
    await screenshot(page, "registration")


async def test_claim_and_complete_a_callback(page, console_server, make_user, sessionmaker):
    base = console_server.url
    await make_user("aysel", extension="1001", full_name="Aysel Məmmədova")
    first = await _request_callback(base, phone="0551112233", name="Leyla Həsənova", district="quba",
                                    direction="social_protection", preferred_time="Səhər (09:00–12:00)")
    await sign_in(page, base, "aysel")
    await page.goto(base + "/console/callbacks")
    await expect(page.locator("#live-indicator")).to_have_attribute("data-state", "connected")
    # A new request arrives while the queue is open: it appears without a reload.
    second = await _request_callback(base, phone="0703334455", name="Elvin", district="baku_nesimi",
                                     direction="employment")
    await expect(page.locator(f'tr[data-callback="{second}"]')).to_be_visible()
    await screenshot(page, "callbacks")

    await page.locator(f'tr[data-callback="{first}"]').get_by_role("button", name="Götür").click()
    await expect(page.locator("#cb-status")).to_have_text("Götürülüb")
    await page.get_by_role("button", name="Əlaqə quruldu → qeydiyyat").click()
    await expect(page.locator("#f-district")).to_have_value("quba")  # what the citizen told us
    await page.select_option("#f-call_type", "application")
    await page.select_option("#f-outcome", "investigation")
    await page.get_by_role("button", name="Qeydə al").click()
    await expect(page.locator(".flash")).to_contain_text("Zəng qeydə alındı")
    async with sessionmaker() as session:
        cb = await session.get(Callback, first)
        reg = (await session.execute(select(CallRegistration))).scalar_one()
    assert (cb.status, cb.registration_id, reg.channel, reg.direction) == (
        "reached", reg.id, "callback", "social_protection")


async def _user(sessionmaker, username: str):
    from contact_center.db.models import User

    async with sessionmaker() as session:
        return (await session.execute(select(User).where(User.username == username))).scalar_one()


async def _some_registrations(sessionmaker, agents) -> None:
    """A few wrap-ups made through the service, as agents would have made them."""
    from contact_center.accounts.sessions import CurrentUser
    from contact_center.calls.registrations import RegistrationInput, register_call

    samples = [
        ("social_protection", "information", "baku_nesimi", "fully_answered", "+994501112233", "Səbinə Əliyeva"),
        ("employment", "application", "gence", "sent_to_office", "+994552223344", None),
        ("disability", "complaint", "quba", "investigation", "+994703334455", "Tural Həsənov"),
        ("certificates", "information", "baku_xetai", "fully_answered", "+994774445566", None),
    ]
    async with sessionmaker.begin() as session:
        for n, (direction, kind, district, outcome, phone, name) in enumerate(samples):
            agent = agents[n % len(agents)]
            who = CurrentUser(agent.id, agent.username, agent.full_name, "agent", agent.extension, "available", "", 0)
            await register_call(session, who, RegistrationInput(direction, kind, district, outcome, phone, name, ""))


async def test_the_connection_indicator_follows_the_backend(page, console_server, make_user, sessionmaker):
    base = console_server.url
    await make_user("boss", role="supervisor", full_name="Rəşad Quliyev")
    await make_user("aysel", extension="1001", full_name="Aysel Məmmədova")
    murad = await make_user("murad", extension="1002", full_name="Murad Əliyev")
    await make_user("nigar", extension="1003", full_name="Nigar Rzayeva")
    async with sessionmaker.begin() as session:
        await agent_status.set_status(session, murad.id, "busy")
    await _some_registrations(sessionmaker, [await _user(sessionmaker, "aysel"), murad])
    await sign_in(page, base, "boss")
    await page.goto(base + "/console/calls")
    await expect(page.locator("#total")).to_have_text("4")
    await screenshot(page, "registrations")
    await page.goto(base + "/console/agents")
    indicator = page.locator("#live-indicator")
    await expect(indicator).to_have_attribute("data-state", "connected")
    await expect(indicator).to_have_text("Canlı")
    await screenshot(page, "agents")

    await console_server.stop()
    await expect(indicator).to_have_attribute("data-state", "reconnecting")
    await expect(indicator).to_have_attribute("data-state", "offline", timeout=20_000)
    await expect(indicator).to_have_text("Əlaqə yoxdur")

    await console_server.start()
    await expect(indicator).to_have_attribute("data-state", "connected", timeout=20_000)
    # Live again: an agent's status change shows up on the supervisor's page.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        from tests.plugins.console import csrf_from, login_http

        await login_http(http, base, "aysel")
        async with http.get(base + "/console") as home:
            token = csrf_from(await home.text())
        async with http.post(base + "/console/status", json={"status": "break"},
                             headers={"X-CSRF-Token": token}) as resp:
            assert resp.status == 200
    await expect(page.locator('tr[data-user="aysel"] .tag')).to_have_text("Fasilədədir: Fasilə")


async def test_the_public_callback_page(page, console_server, sessionmaker):
    base = console_server.url
    await page.goto(base + "/callback")
    await page.fill("#cb-phone", "12345")
    await page.get_by_role("button", name="Zəng sifariş et").click()
    await expect(page.locator("#cb-phone-error")).to_contain_text("Telefon nömrəsi düzgün deyil")
    await page.fill("#cb-phone", "050 765 43 21")
    await page.fill("#cb-name", "Günel")
    await page.select_option("#cb-district", "lenkeran")
    await screenshot(page, "callback_request")
    await page.get_by_role("button", name="Zəng sifariş et").click()
    await expect(page.locator("h1")).to_have_text("Sorğunuz qəbul edildi")
    async with sessionmaker() as session:
        cb = (await session.execute(select(Callback))).scalar_one()
    assert (cb.phone, cb.citizen_name, cb.district, cb.source) == ("+994507654321", "Günel", "lenkeran", "web")
