"""Agent states from every source, through the real entry points: queue_log agent
lines, the JSON API's agent events (AMI member events: tests/ami/test_agent_states.py),
call events and the console (pause with a reason, registration ends the
wrap-up); the user<->extension history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from contact_center.accounts.agent_states import intervals
from contact_center.db.models import AgentEvent, Call, ExtensionAssignment, PbxEvent
from tests.helpers import event, post_pbx, signed
from tests.plugins.console import login

FORM = {"direction": "employment", "call_type": "information", "district": "baku_xetai",
        "outcome": "fully_answered", "note": ""}
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "pbx" / "queue_log_sample.txt"


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _rows(rows, agent):
    return [(r.start, r.end, r.state, r.reason) for r in rows if r.agent == agent]


async def _intervals(sessionmaker):
    async with sessionmaker() as session:
        return await intervals(session)


async def test_queue_log_agent_lines_and_calls_give_the_states(client, sessionmaker):
    body, headers = signed(SAMPLE.read_bytes())
    resp = await client.post("/api/v1/pbx/queue-log", data=body, headers=headers)
    summary = await resp.json()
    assert (resp.status, summary["agent_events"], summary["non_call_events"]) == (202, 3, 5)
    rows = await _intervals(sessionmaker)
    # 1001: ADDMEMBER, answers .6 at 64005, transfers it at 64065 (wrap-up 30 s), pauses for lunch
    assert _rows(rows, "1001") == [
        (_at(1709359200), _at(1709364005), "available", None),
        (_at(1709364005), _at(1709364065), "on_call", None),
        (_at(1709364065), _at(1709364095), "wrap_up", None),
        (_at(1709364095), _at(1709364500), "available", None),
        (_at(1709364500), None, "paused", "lunch"),
    ]
    # 1002: AGENTLOGIN as Agent/1002 from SIP/1002; answers .1 (talk 180 s)
    assert _rows(rows, "1002") == [
        (_at(1709359201), _at(1709362815), "available", None),
        (_at(1709362815), _at(1709362995), "on_call", None),
        (_at(1709362995), _at(1709363025), "wrap_up", None),
        (_at(1709363025), None, "available", None),
    ]
    # 1003 never logged in: the exchange still says when it talked; offline after
    assert _rows(rows, "1003") == [
        (_at(1709364130), _at(1709364190), "on_call", None),
        (_at(1709364190), _at(1709364220), "wrap_up", None),
        (_at(1709364220), None, "offline", None),
    ]
    # the same file again adds nothing
    again = await (await client.post("/api/v1/pbx/queue-log", data=body, headers=headers)).json()
    assert again["accepted"] == 0
    assert await _intervals(sessionmaker) == rows


async def test_the_json_api_takes_agent_events_into_their_own_table(client, sessionmaker):
    t = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    iso = lambda minutes: (t + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    payload = [
        {"event_id": "a1", "type": "agent_login", "at": iso(0), "agent": "1001", "queue": "142"},
        {"event_id": "a2", "type": "agent_pause", "at": iso(30), "agent": "1001", "queue": "142", "reason": "Təlim"},
        {"event_id": "a3", "type": "agent_unpause", "at": iso(90), "agent": 1001},
        event("c1", "call-9", "enqueued", iso(100), caller="0501234567", queue="142"),
        event("c2", "call-9", "answered", iso(101), agent="1001"),
        event("c3", "call-9", "completed", iso(105)),  # no agent: the call's
        {"event_id": "a4", "type": "agent_logoff", "at": iso(240), "agent": "1001"},
    ]
    resp = await post_pbx(client, payload)
    assert (resp.status, await resp.json()) == (202, {"accepted": 7, "duplicates": 0})
    async with sessionmaker() as session:
        kinds = [k for (k,) in (await session.execute(select(AgentEvent.kind).order_by(AgentEvent.at)))]
        pbx = (await session.execute(select(PbxEvent.event_id))).scalars().all()
    assert sorted(pbx) == ["c1", "c2", "c3"]  # agent events never go to pbx_events
    assert kinds == ["login", "pause", "unpause", "on_call", "wrap_up", "logoff"]
    assert _rows(await _intervals(sessionmaker), "1001") == [
        (t, t + timedelta(minutes=30), "available", None),
        (t + timedelta(minutes=30), t + timedelta(minutes=90), "paused", "Təlim"),
        (t + timedelta(minutes=90), t + timedelta(minutes=101), "available", None),
        (t + timedelta(minutes=101), t + timedelta(minutes=105), "on_call", None),
        (t + timedelta(minutes=105), t + timedelta(minutes=105, seconds=30), "wrap_up", None),
        (t + timedelta(minutes=105, seconds=30), t + timedelta(minutes=240), "available", None),
        (t + timedelta(minutes=240), None, "offline", None),
    ]
    again = await post_pbx(client, payload[:3])
    assert await again.json() == {"accepted": 0, "duplicates": 3}
    bad = await post_pbx(client, [{"event_id": "a9", "type": "agent_pause", "at": iso(1)}])
    assert bad.status == 422 and (await bad.json())["field"] == "agent"
    spec = await (await client.get("/api/v1/openapi.json")).json()
    agent_schema = spec["components"]["schemas"]["PbxAgentEvent"]
    assert agent_schema["properties"]["type"]["enum"] == ["agent_login", "agent_logoff", "agent_pause", "agent_unpause"]
    assert "call_id" not in agent_schema["properties"]


async def test_the_console_pause_the_exchange_wins_and_saving_the_registration_ends_the_wrap_up(
    make_client, settings, make_user, sessionmaker
):
    client = await make_client(settings.with_(wrap_up_seconds=3600))  # the registration comes within it
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")  # signing in: available
    headers = {"X-CSRF-Token": token}
    pause = await client.post("/console/status", data={"status": "paused", "csrf_token": token},
                              allow_redirects=False)
    assert pause.status == 303 and pause.headers["Location"] == "/console/pause"  # pick a reason first
    page = await (await client.get("/console/pause")).text()
    assert 'data-reason="lunch"' in page and "Nahar" in page and "Texniki problem" in page
    assert (await client.post("/console/status", json={"status": "paused", "reason": "lunch"},
                              headers=headers)).status == 200
    paused_at = datetime.now(UTC)
    resp = await post_pbx(client, [  # a call after the pause (the exchange rang the agent all the same)
        event("c1", "call-1", "enqueued", (paused_at - timedelta(seconds=10)).isoformat(), caller="0501234567"),
        event("c2", "call-1", "answered", paused_at.isoformat(), agent="1001"),
        event("c3", "call-1", "completed", datetime.now(UTC).isoformat(), agent="1001"),
    ])
    assert resp.status == 202
    states = [r[2] for r in _rows(await _intervals(sessionmaker), "1001")]
    # a paused agent who takes a call is on it; afterwards in wrap-up (WRAP_UP_SECONDS), then paused again
    assert states == ["available", "paused", "on_call", "wrap_up", "paused"]
    async with sessionmaker() as session:
        call = (await session.execute(select(Call))).scalar_one()
    saved = await client.post(f"/console/calls/new?call={call.id}", data=FORM | {"csrf_token": token},
                              allow_redirects=False)
    assert saved.status in (200, 303), await saved.text()
    rows = _rows(await _intervals(sessionmaker), "1001")
    assert [r[2] for r in rows] == ["available", "paused", "on_call", "wrap_up", "paused"]
    wrap = rows[3]
    assert (wrap[1] - wrap[0]).total_seconds() < 60  # ended by saving, long before its hour
    assert rows[4][3] == "lunch"


async def test_an_extension_follows_its_holders_over_time(client, make_user, sessionmaker):
    await make_user("root", role="admin")
    first = await make_user("aysel", extension="1001")
    second = await make_user("murad")
    token = await login(client, "root")
    for user, ext in ((first, ""), (second, "1001")):
        resp = await client.post(f"/console/admin/users/{user.id}", data={
            "csrf_token": token, "role": "agent", "extension": ext, "full_name": user.username, "active": "1"})
        assert resp.status in (200, 303), await resp.text()
    async with sessionmaker() as session:
        rows = (await session.execute(select(ExtensionAssignment).order_by(ExtensionAssignment.id))).scalars().all()
    assert [(r.extension, r.user_id, r.valid_to is None) for r in rows] == [("1001", first.id, False),
                                                                            ("1001", second.id, True)]
    assert rows[0].valid_from.year == 1970  # the first holder owns the history before
    assert rows[0].valid_to <= rows[1].valid_from  # never two holders at once
