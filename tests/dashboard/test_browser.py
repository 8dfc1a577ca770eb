"""The supervisors' statistics pages in a real browser (headless Chromium):
the dashboard's SVG charts, switching the period, a drill-down, printing, the
live wallboard and the monthly overview. Saves docs/screenshots/dashboard.png,
wallboard.png and report_monthly.png (with CC142_SCREENSHOTS=1)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import aiohttp
from playwright.async_api import expect
from sqlalchemy import text

from contact_center.accounts import agent_status
from contact_center.db.driver import driver_connection
from contact_center.demo import seed_demo
from contact_center.stats.rollups import rebuild_all
from tests.helpers import event, signed
from tests.plugins.browser import screenshot, sign_in

# A year earlier: most of the generated calls again (with their registrations),
# so the dashboard has something to compare with.
YEAR_EARLIER = """
INSERT INTO calls (pbx_call_id, direction, caller, queue, agent, enqueued_at, answered_at, ended_at,
                   unanswered_reason, transferred)
SELECT pbx_call_id || '-y', direction, caller, queue, agent, enqueued_at - interval '1 year',
       answered_at - interval '1 year', ended_at - interval '1 year', unanswered_reason, transferred
FROM calls WHERE id % 7 <> 0 AND pbx_call_id IS NOT NULL;
INSERT INTO call_registrations (call_id, channel, agent_id, phone, direction, call_type, district, outcome, note,
                                occurred_at)
SELECT n.id, r.channel, r.agent_id, r.phone, r.direction, r.call_type, r.district, r.outcome, '',
       r.occurred_at - interval '1 year'
FROM call_registrations r JOIN calls c ON c.id = r.call_id JOIN calls n ON n.pbx_call_id = c.pbx_call_id || '-y';
"""


# Live work for the wallboard: chats waiting for an agent (one urgent), callbacks (one overdue).
LIVE_WORK = """
INSERT INTO conversations (channel, contact_id, status, urgent, handoff_reason, handoff_at, low_confidence_streak,
                           abandoned, created_at)
VALUES ('web_chat', 'v-1', 'pending', FALSE, 'requested', now() - interval '4 minutes', 0, FALSE,
        now() - interval '6 minutes'),
       ('facebook', 'psid-2', 'pending', TRUE, 'urgent', now() - interval '1 minute', 0, FALSE,
        now() - interval '2 minutes'),
       ('instagram', 'ig-3', 'pending', FALSE, 'low_confidence', now() - interval '90 seconds', 0, FALSE,
        now() - interval '3 minutes');
INSERT INTO callbacks (phone, source, status, due_at, attempts, note, created_at)
VALUES ('+994501110011', 'abandoned_call', 'open', now() - interval '20 minutes', 0, '', now() - interval '80 minutes'),
       ('+994552220022', 'web', 'open', now() + interval '35 minutes', 0, '', now() - interval '25 minutes'),
       ('+994703330033', 'bot', 'open', now() + interval '50 minutes', 0, '', now() - interval '10 minutes');
"""


async def _run_sql(db, script: str) -> None:
    async with db.begin() as conn:
        for statement in script.split(";"):  # asyncpg: one statement per execute
            if statement.strip():
                await conn.execute(text(statement))


async def _post_pbx(base: str, events: list[dict]) -> None:
    body, headers = signed(json.dumps(events))
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/v1/pbx/events", data=body,
                             headers=headers | {"Content-Type": "application/json"}) as resp:
            assert resp.status == 202


async def test_dashboard_wallboard_and_report_in_the_browser(page, console_server, make_user, db, sessionmaker):
    settings = console_server.settings
    base = console_server.url
    await make_user("boss", role="supervisor", full_name="Rəşad Quliyev")
    await seed_demo(db, settings, days=45, seed=11, rollups=False)
    await _run_sql(db, YEAR_EARLIER)
    async with driver_connection(db) as conn:
        await rebuild_all(conn, settings.tz)

    await sign_in(page, base, "boss")
    yesterday = (datetime.now(settings.tz) - timedelta(days=1)).date()
    first = yesterday - timedelta(days=29)
    await page.goto(f"{base}/console/stats?period=custom&from={first}&to={yesterday}")
    # Every chart is an inline SVG with an accessible title, drawn by the server.
    charts = page.locator("figure.chart svg[role=img]")
    await expect(charts).to_have_count(7)
    await expect(page.locator("#chart-by-day svg title").first).to_have_text("Zənglər günlər üzrə")
    await expect(page.locator("#chart-by-day svg a")).to_have_count(30)  # one linked bar per day
    await expect(page.locator("#chart-waits .threshold")).to_contain_text("T = 20 san")
    offered = await page.locator('[data-tile="offered"]').get_attribute("data-value")
    assert int(offered) > 30 * 1500
    await expect(page.locator('[data-yoy="offered"]')).to_contain_text("ötən il:")
    await screenshot(page, "dashboard", full_page=True)

    # Printing: the form and the menu go, the charts stay.
    await page.emulate_media(media="print")
    await expect(page.locator("#dash-form")).to_be_hidden()
    await expect(page.locator("header.topbar")).to_be_hidden()
    await expect(charts.first).to_be_visible()
    await page.emulate_media(media="screen")

    # Switch the period with the picker: the page reloads with this month's figures.
    await page.locator("label.seg", has_text="Bu ay").click()
    await expect(page.locator("#dash-period")).to_contain_text("Bu ay:")
    month_start = datetime.now(settings.tz).date().replace(day=1)
    await expect(page.locator("#d-from")).to_have_value(month_start.isoformat())
    await expect(page.locator("figure.chart svg[role=img]")).to_have_count(7)

    # Drill down: the unanswered calls of the period are listed, as many as the tile says.
    unanswered = await page.locator('[data-tile="abandoned"]').get_attribute("data-value")
    if int(unanswered):
        await page.locator('[data-drill="abandoned"]').click()
        await expect(page.locator("h1")).to_have_text("Zənglər")
        await expect(page.locator("#total")).to_have_text(unanswered)
        await expect(page.locator("#r-status")).to_have_value("unanswered")
        await screenshot(page, "dashboard_drilldown")

    # The wallboard: a call enters the PBX queue and shows up within a few seconds.
    boss = await _user_id(sessionmaker, "boss")
    async with sessionmaker.begin() as session:
        for n, status in enumerate(["available"] * 9 + ["busy"] * 6 + ["break"] * 2):
            await agent_status.set_status(session, await _user_id(sessionmaker, f"agent{1001 + n}"), status)
        await agent_status.set_status(session, boss, "available")
    await _run_sql(db, LIVE_WORK)
    await page.goto(base + "/console/wallboard")
    await expect(page.locator("#live-indicator")).to_have_attribute("data-state", "connected")
    await expect(page.locator("#wb-waiting")).to_have_text("0")
    now = datetime.now(UTC)
    await _post_pbx(base, [
        event("w1", "wall-1", "enqueued", (now - timedelta(seconds=75)).isoformat(), caller="0501234567", queue="142"),
        event("w2", "wall-2", "enqueued", (now - timedelta(seconds=12)).isoformat(), caller="0557654321", queue="142"),
    ])
    await expect(page.locator("#wb-waiting")).to_have_text("2", timeout=5000)
    await expect(page.locator("#wb-longest")).to_have_text(re.compile(r"1:1\d"))
    await expect(page.locator('[data-status="available"] strong')).to_have_text("10")
    await expect(page.locator("#wb-urgent")).to_have_text("1")
    await expect(page.locator("#wb-chat-list li").first).to_contain_text("TƏCİLİ")  # urgent first
    await expect(page.locator("#wb-cb-overdue")).to_have_text("1")
    await expect(page.locator('[data-today="offered"] strong')).to_have_text("2", timeout=7000)
    await screenshot(page, "wallboard")

    # The monthly overview of last month, with its downloads.
    last_month = (month_start - timedelta(days=1)).replace(day=1)
    await page.goto(f"{base}/console/reports/monthly?month={last_month:%Y-%m}")
    await expect(page.locator("h1")).to_contain_text("Statistik icmal")
    await expect(page.locator("#t-calls")).to_be_visible()
    await expect(page.locator('#downloads a[data-format="pdf"]')).to_be_visible()
    await screenshot(page, "report_monthly", full_page=True, clip={"x": 0, "y": 0, "width": 1366, "height": 1700})


async def _user_id(sessionmaker, username: str) -> int:
    async with sessionmaker() as session:
        return (await session.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username})).scalar_one()
