"""agents.per_agent[] of the summary: per person across channels, following the person
through the user<->extension history; figures worked out by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from contact_center.stats.rollups import refresh
from contact_center.db.driver import driver_connection
from tests.plugins.backend import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
D = "2026-03-02"  # a Monday; times below are Baku time (+04)

SEED = f"""
UPDATE extension_assignments SET valid_to = '{D} 12:00+04' WHERE extension = '1001';
INSERT INTO extension_assignments (extension, user_id, valid_from)
  SELECT '1001', id, '{D} 12:00+04' FROM users WHERE username = 'murad';
INSERT INTO agent_state_intervals (agent, start_at, end_at, state, reason, machine) VALUES
  ('1001', '{D} 09:00+04', '{D} 10:00+04', 'available', NULL, '{{}}'),
  ('1001', '{D} 10:00+04', '{D} 10:05+04', 'on_call', NULL, '{{}}'),
  ('1001', '{D} 10:05+04', '{D} 10:05:30+04', 'wrap_up', NULL, '{{}}'),
  ('1001', '{D} 10:05:30+04', '{D} 11:00+04', 'available', NULL, '{{}}'),
  ('1001', '{D} 11:00+04', '{D} 11:30+04', 'paused', 'lunch', '{{}}'),
  ('1001', '{D} 11:30+04', '{D} 13:00+04', 'available', NULL, '{{}}'),
  ('1001', '{D} 13:00+04', NULL, 'offline', NULL, '{{}}');
INSERT INTO calls (pbx_call_id, direction, queue, agent, enqueued_at, answered_at, ended_at, transferred,
                   survey_score, survey_at) VALUES
  ('k1', 'inbound', '142', '1001', '{D} 09:59:50+04', '{D} 10:00+04', '{D} 10:05+04', FALSE, 4, '{D} 10:06+04'),
  ('k2', 'inbound', '142', '1001', '{D} 12:29:55+04', '{D} 12:30+04', '{D} 12:32+04', FALSE, 2, '{D} 12:33+04');
INSERT INTO call_registrations (call_id, channel, agent_id, phone, direction, call_type, district, outcome, note,
                                occurred_at, created_at, updated_at)
  SELECT c.id, 'phone', u.id, '+994501234567', 'employment', 'information', 'baku_xetai', 'fully_answered', '',
         c.answered_at, c.answered_at, c.answered_at
  FROM calls c, users u WHERE c.pbx_call_id = 'k1' AND u.username = 'aysel';
INSERT INTO conversations (channel, contact_id, status, urgent, handoff_reason, handoff_at, low_confidence_streak,
                           abandoned, assigned_to, assigned_at, first_agent_reply_at, resolved_at, csat_score,
                           created_at)
  SELECT 'web_chat', 'v1', 'resolved', FALSE, 'requested', '{D} 13:59+04', 0, FALSE, id, '{D} 14:00+04',
         '{D} 14:00:40+04', '{D} 14:10+04', 5, '{D} 13:58+04' FROM users WHERE username = 'murad';
INSERT INTO callbacks (phone, source, status, due_at, attempts, note, claimed_by, claimed_at, closed_at, created_at)
  SELECT '+99450111' || n, 'web', s, '{D} 09:00+04', 1, '', id, '{D} 09:10+04', '{D} 09:30+04', '{D} 08:00+04'
  FROM users, (VALUES (1, 'reached'), (2, 'unreachable')) AS v(n, s) WHERE username = 'aysel';
"""


async def test_per_agent_follows_the_person_across_channels(make_client, settings, make_user, db):
    client = await make_client(settings.with_(stats_refresh_seconds=0))
    await make_user("aysel", extension="1001", full_name="Aysel Məmmədova")
    await make_user("murad", full_name="Murad Əliyev")
    async with db.begin() as conn:
        for statement in SEED.split(";\n"):
            if statement.strip():
                await conn.execute(text(statement))
    async with driver_connection(db) as conn:
        await refresh(conn, settings.tz)
    plain = await (await client.get("/api/v1/stats/summary", params={"from": D, "to": D}, headers=AUTH)).json()
    assert plain["agents"] == {"included": False, "per_agent": []}  # the costly part only when asked for
    resp = await client.get("/api/v1/stats/summary", params={"from": D, "to": D, "include": "agents"}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    data = await resp.json()
    assert data["agents"]["included"] is True
    people = {a["username"]: a for a in data["agents"]["per_agent"]}
    assert set(people) == {"aysel", "murad"}
    aysel, murad = people["aysel"], people["murad"]
    assert (aysel["display_name"], aysel["extensions"], murad["extensions"]) == ("Aysel Məmmədova", ["1001"], ["1001"])
    # 1001 until 12:00 is Aysel's: 09:00-12:00 logged in (10 800 s), 30 min lunch
    assert aysel["logged_in_seconds"] == 10800
    assert (aysel["available_seconds"], aysel["on_call_seconds"], aysel["wrap_up_seconds"]) == (8670, 300, 30)
    assert (aysel["paused_seconds"], aysel["paused_by_reason"]) == (1800, {"lunch": 1800})
    assert aysel["occupancy"] == pytest.approx(330 / 9000, abs=1e-4)
    assert (aysel["calls_answered"], aysel["aht_seconds"], aysel["registered_rate"]) == (1, 300, 1.0)
    assert (aysel["callbacks_completed"], aysel["callback_success_rate"]) == (2, 0.5)
    assert (aysel["chats_handled"], aysel["chat_csat"]) == (0, {"responses": 0, "score": None})
    # the post-call survey follows the person too: k1 (Aysel's) rated 4, k2 (Murad's) rated 2
    assert aysel["call_csat"] == {"responses": 1, "score": 1.0, "mean": 4.0}
    assert murad["call_csat"] == {"responses": 1, "score": 0.0, "mean": 2.0}
    # from 12:00 the phone is Murad's: an hour available, one call, one chat
    assert (murad["logged_in_seconds"], murad["available_seconds"], murad["occupancy"]) == (3600, 3600, 0.0)
    assert (murad["calls_answered"], murad["aht_seconds"], murad["registered_rate"]) == (1, 120, 0.0)
    assert (murad["chats_handled"], murad["chat_first_response_seconds"], murad["chat_handle_seconds"]) == (1, 40, 600)
    assert murad["chat_csat"] == {"responses": 1, "score": 1.0}
    # the extension-keyed list stays as it was
    assert [(a["agent"], a["answered"]) for a in data["calls"]["per_agent"]] == [("1001", 2)]


async def test_the_supervisors_per_agent_page_with_last_year(client, make_user, db):
    import re

    from tests.plugins.console import login

    await make_user("boss", role="supervisor")
    await make_user("aysel", extension="1001", full_name="Aysel Məmmədova")
    await make_user("murad", full_name="Murad Əliyev")
    async with db.begin() as conn:
        for statement in SEED.split(";\n"):
            if statement.strip():
                await conn.execute(text(statement))
        # a year earlier Aysel answered one call of 200 s
        await conn.execute(text(
            "INSERT INTO calls (pbx_call_id, direction, agent, enqueued_at, answered_at, ended_at, transferred, "
            "survey_score, survey_at) VALUES ('old', 'inbound', '1001', '2025-03-02 10:00+04', "
            "'2025-03-02 10:00:05+04', '2025-03-02 10:03:25+04', FALSE, 3, '2025-03-02 10:04+04')"))
    await login(client, "aysel")
    assert (await client.get("/console/agents/performance")).status == 403
    client.session.cookie_jar.clear()
    await login(client, "boss")
    page = await (await client.get("/console/agents/performance", params={"from": D, "to": D})).text()
    row = page.split('<tr data-user="aysel">')[1].split("</tr>")[0]
    assert "Aysel Məmmədova" in row and "Nahar 30:00" in row
    cell = lambda key: re.search(rf'data-key="{key}">([^<]*)<br><span class="muted" data-previous>([^<]*)<', row).groups()  # noqa: E731
    assert cell("logged_in_seconds") == ("3:00:00", "0:00")  # last year: a call, no states yet
    assert cell("calls_answered") == ("1", "1")  # last year's call
    assert cell("aht_seconds") == ("5:00", "3:20")
    assert cell("occupancy") == ("3.7 %", "—")
    assert cell("callback_success_rate") == ("50.0 %", "—")
    # call satisfaction (share of 4-5, responses): k1 rated 4 now, last year's call 3
    assert cell("call_csat") == ("100.0 % (1)", "0.0 % (1)")
    assert '<tr data-user="murad">' in page
    assert (await client.get("/console/agents/performance", params={"from": D, "to": "2026-03-01"})).status == 422
