"""Erlang C against values worked out by hand from the formula."""

from __future__ import annotations

import math

import pytest

from contact_center.stats.staffing import erlang_c, service_level, staffing


def _by_hand_c(n: int, a: float) -> float:
    """The textbook form: (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def test_100_calls_an_hour_of_180_seconds_for_80_in_20_needs_8_agents():
    s = staffing(100, 180, target_sl=0.8, threshold=20)
    assert s.traffic_erlangs == 5.0
    assert s.agents == 8
    # By hand, A = 100 · 180 / 3600 = 5 erlangs:
    #   N = 8: C = 0.1673, SL = 1 − 0.1673 · e^(−3·20/180) = 0.8801, ASA = 0.1673 · 180 / 3 = 10.04 s
    #   N = 7: C = 0.3241, SL = 1 − 0.3241 · e^(−2·20/180) = 0.7404 (short of 80 %)
    #   N = 6: C = 0.5875, SL = 0.4743
    assert s.service_level == pytest.approx(0.8801, abs=1e-4)
    assert s.asa_seconds == pytest.approx(10.04, abs=0.01)
    assert s.occupancy == 0.625
    assert service_level(7, 5.0, 180, 20) == pytest.approx(1 - _by_hand_c(7, 5.0) * math.exp(-2 * 20 / 180), abs=1e-12)
    assert round(service_level(7, 5.0, 180, 20), 4) == 0.7404
    assert round(service_level(6, 5.0, 180, 20), 4) == 0.4743


@pytest.mark.parametrize("n, a", [(6, 5.0), (7, 5.0), (8, 5.0), (12, 9.5), (30, 25.0)])
def test_erlang_c_matches_the_textbook_form(n, a):
    assert erlang_c(n, a) == pytest.approx(_by_hand_c(n, a), rel=1e-12)


def test_shrinkage_and_edges():
    s = staffing(100, 180, target_sl=0.8, threshold=20, shrinkage=0.3)
    assert (s.agents, s.scheduled_agents) == (8, 12)  # ceil(8 / 0.7) = 12
    assert staffing(0, 180).agents == 0
    assert erlang_c(5, 5.0) == 1.0 and service_level(4, 5.0, 180, 20) == 0.0
    with pytest.raises(ValueError):
        staffing(100, 180, target_sl=80)


# --- the plan from a seeded history ----------------------------------------------------------

from sqlalchemy import text  # noqa: E402

from tests.plugins.backend import API_TOKEN  # noqa: E402

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

# Two Mondays (6 and 13 April 2026, no holiday near): at 10:00-11:00 Baku time 100 calls each, every one
# answered after 10 s and talked 150 s; seven agents logged in 09:00-12:00 (one of them
# paused: still logged in). All wrap-ups take 30 s (on Sunday night, away from the figures
# looked at): handling time 150 + 30 = 180 s, so 100 calls/h need 8 agents for 80/20.
HISTORY = """
INSERT INTO calls (pbx_call_id, direction, queue, agent, enqueued_at, answered_at, ended_at, transferred)
SELECT 'h' || d || '-' || n, 'inbound', '142', '1001',
       (d || ' 10:00:00+04')::timestamptz + n * interval '36 seconds',
       (d || ' 10:00:10+04')::timestamptz + n * interval '36 seconds',
       (d || ' 10:02:40+04')::timestamptz + n * interval '36 seconds', FALSE
FROM unnest(ARRAY['2026-04-06', '2026-04-13']) AS d, generate_series(0, 99) AS n;
INSERT INTO agent_state_intervals (agent, start_at, end_at, state, reason, machine)
SELECT 'a' || k, (d || ' 09:00:00+04')::timestamptz, (d || ' 12:00:00+04')::timestamptz,
       CASE WHEN k = 7 THEN 'paused' ELSE 'available' END, NULL, '{}'::jsonb
FROM unnest(ARRAY['2026-04-06', '2026-04-13']) AS d, generate_series(1, 7) AS k;
INSERT INTO agent_state_intervals (agent, start_at, end_at, state, reason, machine)
SELECT 'w', '2026-04-12 03:00:00+04'::timestamptz + n * interval '30 seconds',
       '2026-04-12 03:00:30+04'::timestamptz + n * interval '30 seconds', 'wrap_up', NULL, '{}'::jsonb
FROM generate_series(0, 199) AS n;
"""


async def test_the_plan_of_a_seeded_history(client, db):
    async with db.begin() as conn:
        for statement in HISTORY.split(";"):
            if statement.strip():
                await conn.execute(text(statement))
    resp = await client.get("/api/v1/stats/staffing", headers=AUTH,
                            params={"from": "2026-04-06", "to": "2026-04-19", "shrinkage": "0.3"})
    assert resp.status == 200, await resp.text()
    plan = await resp.json()
    assert plan["wrap_up_seconds"] == 30.0 and len(plan["cells"]) == 7 * 24
    monday_10 = plan["cells"][10]
    assert (monday_10["weekday"], monday_10["hour"]) == (1, 10)
    assert monday_10["offered_per_hour"] == 100.0  # 200 calls over two Mondays
    assert monday_10["handle_seconds"] == 180.0
    assert (monday_10["agents_needed"], monday_10["scheduled_agents"]) == (8, 12)
    assert monday_10["service_level"] == pytest.approx(0.8801, abs=1e-4)
    assert monday_10["agents_present"] == 7.0 and monday_10["gap"] == -5.0  # under-staffed
    monday_9 = plan["cells"][9]
    assert (monday_9["offered_per_hour"], monday_9["agents_needed"], monday_9["agents_present"]) == (0.0, 0, 7.0)
    tuesday_10 = plan["cells"][24 + 10]
    assert (tuesday_10["offered_per_hour"], tuesday_10["agents_present"]) == (0.0, 0.0)
    assert plan["days_off"] == []
    bad = await client.get("/api/v1/stats/staffing", headers=AUTH, params={"from": "2026-03-02", "to": "x"})
    assert bad.status == 422 and (await bad.json())["field"] == "to"
    assert (await client.get("/api/v1/stats/staffing", params={"from": "2026-03-02", "to": "2026-03-03"})).status == 401


async def test_days_off_are_left_out_of_the_plan(client, db, make_user):
    """A holiday's traffic says nothing about an ordinary week: Women's Day 2026 falls on
    Sunday 8 March, so Monday 9 March is a day off (the Labour Code's transfer rule). Its
    calls, agents and wrap-ups stay out, and the weekday's mean is over the other Mondays."""
    async with db.begin() as conn:
        for statement in HISTORY.split(";"):
            if statement.strip():
                await conn.execute(text(statement))
        # 300 calls and 20 agents on the holiday Monday, 10:00-11:00
        await conn.execute(text("""
INSERT INTO calls (pbx_call_id, direction, queue, agent, enqueued_at, answered_at, ended_at, transferred)
SELECT 'hol-' || n, 'inbound', '142', '1001', '2026-03-09 10:00:00+04'::timestamptz + n * interval '12 seconds',
       '2026-03-09 10:00:10+04'::timestamptz + n * interval '12 seconds',
       '2026-03-09 10:20:00+04'::timestamptz + n * interval '12 seconds', FALSE
FROM generate_series(0, 299) AS n"""))
        await conn.execute(text("""
INSERT INTO agent_state_intervals (agent, start_at, end_at, state, reason, machine)
SELECT 'h' || k, '2026-03-09 09:00:00+04', '2026-03-09 12:00:00+04', 'available', NULL, '{}'::jsonb
FROM generate_series(1, 20) AS k"""))
    resp = await client.get("/api/v1/stats/staffing", headers=AUTH,
                            params={"from": "2026-03-02", "to": "2026-04-19", "shrinkage": "0.3"})
    assert resp.status == 200, await resp.text()
    plan = await resp.json()
    assert {d["day"]: d["kind"] for d in plan["days_off"]} == {
        "2026-03-08": "fixed", "2026-03-09": "moved", **{f"2026-03-{d}": "movable" for d in range(20, 25)},
        "2026-03-25": "moved", "2026-03-26": "moved"}  # Novruz's Saturday and Sunday move on
    monday_10 = plan["cells"][10]
    # Mondays in the period: 2, 9, 16, 23, 30 March, 6, 13 April; 9 and 23 March are days off
    # (23 March: Novruz), so the 200 ordinary calls are spread over five Mondays.
    assert monday_10["offered_per_hour"] == 40.0
    assert monday_10["handle_seconds"] == 180.0  # the holiday's 20-minute calls left out too
    assert monday_10["agents_present"] == round(14 / 5, 2)
    # the supervisors' page names the days it left out
    from tests.plugins.console import login

    await make_user("boss", role="supervisor")
    await login(client, "boss")
    page = await (await client.get("/console/staffing", params={"from": "2026-03-02", "to": "2026-04-19"})).text()
    assert "hesablamaya daxil edilməyib: 08.03.2026 Qadınlar günü; 09.03.2026 Qadınlar günü (köçürülmüş" in page


def test_the_command_for_one_hour(tmp_path):
    import json
    import subprocess
    import sys

    from tests.plugins.backend import ROOT

    out = subprocess.run(
        [sys.executable, "-m", "contact_center", "staffing", "--calls-per-hour", "100", "--aht", "180",
         "--target-sl", "0.8", "--threshold", "20", "--shrinkage", "0.3", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    data = json.loads(out.stdout)
    assert set(data) == {"traffic_erlangs", "agents", "scheduled_agents", "service_level", "asa_seconds", "occupancy"}
    assert (data["traffic_erlangs"], data["agents"], data["scheduled_agents"]) == (5.0, 8, 12)


async def test_the_shift_plan_page_shows_the_heat_map(client, db, make_user):
    import re

    from tests.plugins.console import login

    async with db.begin() as conn:
        for statement in HISTORY.split(";"):
            if statement.strip():
                await conn.execute(text(statement))
    await make_user("boss", role="supervisor")
    await make_user("aysel", extension="1001")
    await login(client, "aysel")
    assert (await client.get("/console/staffing")).status == 403  # supervisors only
    client.session.cookie_jar.clear()
    await login(client, "boss")
    home = await (await client.get("/console")).text()
    assert "Növbə planı" in home  # in the navigation
    page = await (await client.get("/console/staffing", params={
        "from": "2026-04-06", "to": "2026-04-19", "target_sl": "0.8", "threshold": "20", "shrinkage": "0.3"})).text()
    cell = re.search(r'<td class="(hm-\w+)" data-cell="1-10" data-needed="(\d+)" data-present="([\d.]+)"', page)
    assert cell and cell.groups() == ("hm-under2", "12", "7.0")  # 12 scheduled for 80/20, 7 there
    assert re.search(r'data-cell="1-9" data-needed="0" data-present="7.0"', page)  # no calls at 9: idle
    assert 'name="shrinkage"' in page and 'value="0.3"' in page
    bad = await client.get("/console/staffing", params={"from": "2026-03-02", "to": "nope"})
    assert bad.status == 422 and "İİİİ-AA-GG" in await bad.text()
