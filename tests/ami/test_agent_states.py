"""AMI member events (QueueMemberAdded/Removed/Pause/Status) and the QueueStatus after
connecting feed the agent states (the one model: contact_center/accounts/agent_states.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from contact_center.accounts.agent_states import intervals
from contact_center.calls.ami.connector import AmiConnector
from contact_center.calls.ami.sink import store_agent_events, store_call_events
from tests.ami.conftest import running, until
from tests.fakes.ami_server import FakeAmi, transcript


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _rows(rows, agent):
    return [(r.start, r.end, r.state, r.reason) for r in rows if r.agent == agent]


async def _intervals(sessionmaker):
    async with sessionmaker() as session:
        return await intervals(session)


async def test_ami_member_events_and_the_queue_status_after_connecting(ami_server: FakeAmi, ami_config, db, settings,
                                                                        sessionmaker):
    connector = AmiConnector(ami_config, on_calls=store_call_events(db, settings),
                             on_agents=store_agent_events(db, settings))
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push(transcript("members/QueueMemberAdded", "members/QueueMemberStatus",
                                         "members/QueueMemberPause_paused", "members/QueueMemberPause_unpaused",
                                         "members/QueueMemberRemoved"))
        await until(lambda: connector.status.agent_events >= 3 + 5, what="the member events")  # QueueStatus + pushed
    rows = await _intervals(sessionmaker)
    now = datetime.now(UTC)
    assert _rows(rows, "1003") == [(_at(1709359260.022871), _at(1709391600.650442), "available", None),
                                   (_at(1709391600.650442), None, "offline", None)]
    assert _rows(rows, "1002") == [(_at(1709362815.340118), None, "available", None)]
    # 1001: paused and unpaused in 2024; the QueueStatus now says paused ("nahar") since LastPause
    [(p1, _, s1, r1), (u, _, s2, _), (p2, end, s3, r3)] = _rows(rows, "1001")
    assert (p1, s1, r1, u, s2) == (_at(1709366400.480125), "paused", "nahar", _at(1709368200.117302), "available")
    assert (s3, r3, end) == ("paused", "nahar", None) and abs((now - p2).total_seconds() - 600) < 30
    [(since, _, state, _)] = _rows(rows, "1009")  # queue 143, in the QueueStatus only
    assert state == "available" and (now - since).total_seconds() < 30


def test_a_device_state_change_never_undoes_a_console_pause():
    from contact_center.calls.ami.mapping import AgentStateEvent
    from contact_center.calls.ami.sink import agent_events_from_ami

    at = _at(1709362815)
    ringing = AgentStateEvent("s1", "1001", "142", "status", at, paused=False, device_state="ringing")
    [login] = agent_events_from_ami([ringing])
    assert (login.kind, login.queue) == ("login", "142")  # in the queue, nothing about the pause
    snapshot = AgentStateEvent("s2", "1001", "142", "status", at, reason="nahar", paused=True, snapshot=True,
                               since=_at(1709362000))
    kinds = [(e.kind, e.at, e.reason) for e in agent_events_from_ami([snapshot])]
    assert kinds == [("login", at, None), ("pause", _at(1709362000), "nahar")]  # paused since LastPause
