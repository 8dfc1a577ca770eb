"""The connector against the fake exchange, into the real ingest on the test PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from contact_center.calls import parse_lines, record
from contact_center.calls.ami.connector import AmiConfig, AmiConnector, State
from contact_center.calls.ami.mapping import AgentStateEvent
from contact_center.calls.ami.protocol import AmiConnection
from contact_center.calls.ami.sink import store_call_events
from contact_center.db.driver import driver_connection, driver_transaction
from contact_center.db.models import Call, Callback, PbxEvent
from contact_center.events import CHANNEL
from tests.ami.conftest import SECRET, USERNAME, running, until
from tests.fakes.ami_server import FakeAmi, FakeEntry, first_timestamp, retimed, transcript

ANSWERED_EVENTS = 6  # enqueued, three ringing, answered, completed (QueueCallerLeave is not used)


def ts(raw: float) -> datetime:
    return datetime.fromtimestamp(raw, UTC)


def events_of(text: str) -> list[str]:
    """A transcript split into its events (wire text each)."""
    return [block + "\r\n\r\n" for block in text.split("\r\n\r\n") if block.strip()]


async def calls(sessionmaker) -> list[Call]:
    async with sessionmaker() as s:
        return list((await s.scalars(select(Call).order_by(Call.id))).all())


async def count(sessionmaker, model) -> int:
    async with sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(model))


def connector_for(config: AmiConfig, engine, settings, **kwargs) -> AmiConnector:
    return AmiConnector(config, on_calls=store_call_events(engine, settings), **kwargs)


async def test_an_answered_call_gives_one_record_with_its_times_and_pops_on_the_agents_console(
    ami_server: FakeAmi, ami_config, db, settings, sessionmaker
):
    text = retimed(transcript("answered_call"), start=time.time() - 200)  # a pop needs a recent answer
    heard: list[dict] = []
    async with driver_connection(db) as raw:
        listener = lambda *args: heard.append(json.loads(args[-1]))  # noqa: E731
        await raw.add_listener(CHANNEL, listener)
        try:
            connector = connector_for(ami_config, db, settings)
            async with running(connector):
                await connector.wait_connected(5)
                await ami_server.push(text)
                await until(lambda: connector.status.call_events >= ANSWERED_EVENTS, what="the call events")
                await until(lambda: heard, what="the screen pop")
        finally:
            await raw.remove_listener(CHANNEL, listener)
    [call] = await calls(sessionmaker)
    assert (call.pbx_call_id, call.status, call.agent, call.caller, call.queue) == (
        "1709362800.1", "answered", "1002", "+994501111111", "142")
    # Worked out from the transcript's Timestamps: join .104213, connect 15.338912, complete 195.512006.
    assert call.enqueued_at == first_timestamp(text)
    assert call.wait_seconds == pytest.approx(15.234699, abs=1e-6)
    assert call.talk_seconds == pytest.approx(180.173094, abs=1e-6)
    [pop] = [h for h in heard if h["topic"] == "call.answered"]
    # the agent's state followed the call (on_call, then wrap_up; the supervisors hear it)
    assert {h["data"]["state"] for h in heard if h["topic"] == "agent.state" and h["data"]["agent"] == "1002"} >= {
        "wrap_up"}
    assert pop["data"]["audience"] == {"extension": "1002"}
    assert (pop["data"]["call_id"], pop["data"]["caller"]) == (call.id, "+994501111111")
    assert await count(sessionmaker, PbxEvent) == ANSWERED_EVENTS
    status = connector.status
    assert (status.events, status.mapped, status.ignored, status.reconnects) == (7 + 5, 6 + 3, 1 + 2, 0)
    # 7 transcript events + 5 QueueStatus items (2 QueueParams ignored, 3 members mapped)


async def test_an_abandoned_call_gets_its_automatic_callback(ami_server: FakeAmi, ami_config, db, settings, sessionmaker):
    connector = connector_for(ami_config, db, settings)
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push(retimed(transcript("abandoned_call"), start=time.time() - 60))
        await until(lambda: connector.status.call_events >= 2, what="the call events")
    [call] = await calls(sessionmaker)
    assert (call.pbx_call_id, call.status, call.caller) == ("1709363100.7", "abandoned", "+994553333333")
    assert call.wait_seconds == pytest.approx(45.361539, abs=1e-6)  # past SHORT_ABANDON_SECONDS
    async with sessionmaker() as s:
        [callback] = (await s.scalars(select(Callback))).all()
    assert (callback.phone, callback.abandoned_call_id, callback.status) == ("+994553333333", call.id, "open")


async def test_a_short_abandon_gets_no_callback(ami_server: FakeAmi, ami_config, db, settings, sessionmaker):
    text = retimed(transcript("abandoned_call"), start=time.time() - 60)
    join, abandon, leave = events_of(text)
    # The same caller hung up after 4 s (a change of mind, not a lost citizen).
    quick = abandon.replace("HoldTime: 45", "HoldTime: 4")
    stamp = float(join.split("Timestamp: ")[1].split("\r\n")[0])
    quick = quick.replace(quick.split("Timestamp: ")[1].split("\r\n")[0], f"{stamp + 4.2:.6f}")
    connector = connector_for(ami_config, db, settings)
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push(join + quick + leave)
        await until(lambda: connector.status.call_events >= 2, what="the call events")
    [call] = await calls(sessionmaker)
    assert call.status == "abandoned" and call.wait_seconds == pytest.approx(4.2, abs=1e-6)
    assert await count(sessionmaker, Callback) == 0


async def test_a_connection_dropped_mid_call_and_replayed_by_queue_status_gives_one_call_with_its_times(
    ami_server: FakeAmi, ami_config, db, settings, sessionmaker
):
    start = time.time() - 20
    text = retimed(transcript("answered_call"), start=start)
    events = events_of(text)
    connector = connector_for(ami_config, db, settings)
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push("".join(events[:2]))  # the caller joins, 1001 rings
        await until(lambda: connector.status.call_events >= 2, what="the first events")
        # The caller is still waiting when the connection dies, in the middle of an event.
        ami_server.queues["142"].entries.append(
            FakeEntry("PJSIP/azercell-trunk-00000001", "1709362800.1", "+994501111111", since=start))
        await ami_server.push(events[2][: len(events[2]) // 2])
        await ami_server.drop()
        await until(lambda: connector.status.snapshots == 2, what="the QueueStatus replay")
        assert connector.status.reconnects == 1
        ami_server.queues["142"].entries.clear()
        await ami_server.push("".join(events[3:]))  # 1002 rings and answers, the caller hangs up
        await until(lambda: connector.status.call_events >= ANSWERED_EVENTS - 1, what="the rest of the call")
    [call] = await calls(sessionmaker)
    assert (call.status, call.agent) == ("answered", "1002")
    assert call.enqueued_at == first_timestamp(text)  # the join's own time, not the QueueStatus estimate
    assert call.wait_seconds == pytest.approx(15.234699, abs=1e-6)
    assert call.talk_seconds == pytest.approx(180.173094, abs=1e-6)
    assert await count(sessionmaker, PbxEvent) == ANSWERED_EVENTS - 1  # 1001's ring-no-answer was cut off
    assert connector.status.garbage == 1  # ... and reported, not delivered half


async def test_what_was_missed_during_an_outage_is_rebuilt_from_the_durations_that_follow(
    ami_server: FakeAmi, ami_config, db, settings, sessionmaker
):
    start = time.time() - 300
    events = events_of(retimed(transcript("answered_call"), start=start))
    connector = connector_for(ami_config, db, settings)
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push(events[0])  # the caller joins
        await until(lambda: connector.status.call_events >= 1)
        await ami_server.drop()  # ... and 1002 answers while the connection is down
        await until(lambda: connector.status.snapshots == 2, what="the QueueStatus replay")
        await ami_server.push(events[-1])  # AgentComplete: HoldTime 15, TalkTime 180
        await until(lambda: connector.status.call_events >= 3)
    [call] = await calls(sessionmaker)
    assert (call.status, call.agent) == ("answered", "1002")
    assert call.talk_seconds == pytest.approx(180, abs=1e-6)  # answered = complete - TalkTime
    assert call.wait_seconds == pytest.approx(195.407793 - 180, abs=1e-6)


async def test_replaying_a_transcript_adds_nothing(ami_server: FakeAmi, ami_config, db, settings, sessionmaker):
    text = transcript("answered_call") + transcript("abandoned_call")
    for _run in range(2):  # two connectors (a restart, another leader): nothing in common but the ids
        connector = connector_for(ami_config, db, settings)
        async with running(connector):
            await connector.wait_connected(5)
            await ami_server.push(text)
            await until(lambda: connector.status.call_events >= ANSWERED_EVENTS + 2)
        if _run == 0:
            before = [(c.pbx_call_id, c.status, c.enqueued_at, c.answered_at, c.ended_at, c.agent)
                      for c in await calls(sessionmaker)]
            assert await count(sessionmaker, PbxEvent) == ANSWERED_EVENTS + 2
    after = [(c.pbx_call_id, c.status, c.enqueued_at, c.answered_at, c.ended_at, c.agent)
             for c in await calls(sessionmaker)]
    assert after == before and len(after) == 2
    assert await count(sessionmaker, PbxEvent) == ANSWERED_EVENTS + 2


# The queue_log lines app_queue writes for the answered call of the transcript
# (callid = the caller's Uniqueid, agent = the member name).
QUEUE_LOG = """\
1709362800|1709362800.1|142|NONE|ENTERQUEUE||+994501111111|1
1709362812|1709362800.1|142|Aysel Məmmədova|RINGNOANSWER|12000
1709362815|1709362800.1|142|Local/1002@from-queue/n|CONNECT|15|1709362800.3|3
1709362995|1709362800.1|142|Local/1002@from-queue/n|COMPLETECALLER|15|180|1
"""


async def import_queue_log(engine, settings, text: str) -> None:
    """What `cc142 import-queue-log` does."""
    report = parse_lines(text.splitlines())
    async with driver_transaction(engine) as conn:
        await record(conn, settings, report.events, source="queue_log")


@pytest.mark.parametrize("ami_first", [True, False], ids=["ami-then-queue_log", "queue_log-then-ami"])
async def test_a_queue_log_import_of_the_same_call_merges_into_the_ami_record(
    ami_first, ami_server: FakeAmi, ami_config, db, settings, sessionmaker
):
    if not ami_first:
        await import_queue_log(db, settings, QUEUE_LOG)
    connector = connector_for(ami_config, db, settings)
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push(transcript("answered_call"))
        await until(lambda: connector.status.call_events >= ANSWERED_EVENTS)
    if ami_first:
        await import_queue_log(db, settings, QUEUE_LOG)
    [call] = await calls(sessionmaker)
    # Earliest enqueue and answer (queue_log's whole seconds), latest end (AMI's microseconds).
    assert (call.pbx_call_id, call.status, call.agent) == ("1709362800.1", "answered", "1002")
    assert call.enqueued_at == ts(1709362800) and call.answered_at == ts(1709362815)
    assert call.ended_at == ts(1709362995.512006)
    assert call.wait_seconds == pytest.approx(15.0) and call.talk_seconds == pytest.approx(180.512006, abs=1e-6)
    assert await count(sessionmaker, PbxEvent) == ANSWERED_EVENTS + 4


async def test_wrong_credentials_mean_auth_failed_a_clear_log_line_and_no_retry_storm(
    ami_server: FakeAmi, ami_config, db, settings, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, "contact_center.calls.ami")
    connector = connector_for(replace(ami_config, secret="not-the-secret"), db, settings)
    async with running(connector):
        await until(lambda: connector.status.state is State.AUTH_FAILED, what="auth_failed")
        # Five back-off periods of a lost connection: a refused login is not retried in them.
        await asyncio.sleep(5 * ami_config.backoff_max)
        assert len(ami_server.actions("Login")) == 1
        assert connector.status.state is State.AUTH_FAILED
    assert "Authentication failed" in (connector.status.last_error or "")
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "login as 'cc142' refused" in errors[0] and "AMI_SECRET" in errors[0]
    assert "not-the-secret" not in caplog.text


async def test_bad_lines_unknown_events_and_other_queues_around_a_call_lose_nothing(
    ami_server: FakeAmi, ami_config, db, settings, sessionmaker, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, "contact_center.calls.ami")
    config = replace(ami_config, queues=frozenset({"142"}))
    events = events_of(transcript("answered_call"))
    newchannel = transcript("other/Newchannel")
    other_queue = events_of(transcript("abandoned_call"))[0].replace("Queue: 142", "Queue: 143")
    noisy = (
        events[0] + "<html>502 Bad Gateway</html>\r\n" + newchannel + events[1] + other_queue
        + "Event: AgentCalled\r\nPrivilege: agent,all\r\nChann"  # half an event ...
        + events[2] + newchannel + events[3] + "\x00\x01\x02\r\n" + "".join(events[4:])
    )
    connector = connector_for(config, db, settings)
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push(noisy)
        await until(lambda: connector.status.call_events >= ANSWERED_EVENTS, what="the call events")
    [call] = await calls(sessionmaker)
    assert (call.status, call.agent) == ("answered", "1002")
    assert call.wait_seconds == pytest.approx(15.234699, abs=1e-6)
    status = connector.status
    assert status.garbage == 3  # the HTML line, the half event, the control characters
    assert status.filtered == 1 + 1  # the caller of queue 143, and queue 143's member in QueueStatus
    assert status.ignored == 2 + 1 + 2  # Newchannel twice, QueueCallerLeave, the two QueueParams
    unknown = [r for r in caplog.records if "Newchannel" in r.getMessage() and r.levelno == logging.INFO]
    assert len(unknown) == 1  # once per event name
    assert any("'143'" in r.getMessage() and "AMI_QUEUES" in r.getMessage() for r in caplog.records)


async def test_a_batch_the_database_refuses_is_retried_not_lost(ami_server: FakeAmi, ami_config, db, settings, sessionmaker):
    store = store_call_events(db, settings)
    failures = 2

    async def flaky(events):
        nonlocal failures
        if failures:
            failures -= 1
            raise ConnectionError("the database is restarting")
        await store(events)

    connector = AmiConnector(ami_config, on_calls=flaky)
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push(transcript("abandoned_call"))
        await until(lambda: connector.status.call_events >= 2, timeout=10)
    [call] = await calls(sessionmaker)
    assert call.status == "abandoned" and call.wait_seconds == pytest.approx(45.361539, abs=1e-6)
    assert connector.status.delivery_failures == 2


async def test_queue_status_on_connect_brings_back_who_waits_and_who_is_paused(
    ami_server: FakeAmi, ami_config, db, settings, sessionmaker
):
    now = time.time()
    ami_server.queues["142"].entries.append(
        FakeEntry("PJSIP/azercell-trunk-00000031", "1709999999.31", "+994705555555", since=now - 30))
    agents: list[AgentStateEvent] = []

    async def on_agents(events):
        agents.extend(events)

    connector = connector_for(replace(ami_config, queues=frozenset({"142"})), db, settings, on_agents=on_agents)
    async with running(connector):
        await connector.wait_connected(5)
    assert [(a.extension, a.queue, a.kind, a.paused, a.reason, a.snapshot) for a in agents] == [
        ("1001", "142", "status", True, "nahar", True),
        ("1002", "142", "status", False, None, True),
    ]  # queue 143's member is filtered out
    [call] = await calls(sessionmaker)
    assert (call.pbx_call_id, call.status, call.caller, call.queue) == (
        "1709999999.31", "in_progress", "+994705555555", "142")
    # Waiting for 30 s (QueueStatus says Wait: 30, in whole seconds).
    assert abs((call.enqueued_at - ts(now - 30)).total_seconds()) < 2


async def test_a_silent_exchange_is_declared_dead_and_reconnected(ami_server: FakeAmi, ami_config, db, settings):
    ami_server.ignore_actions.add("ping")
    config = replace(ami_config, ping_interval=0.05, ping_timeout=0.2)
    connector = connector_for(config, db, settings)
    async with running(connector):
        await until(lambda: connector.status.reconnects >= 1, what="a reconnect")
        assert "no answer to Ping within 0.2 s" in (connector.status.last_error or "")
        await ami_server.wait_for_action("Login", count=2)  # logged in again
        ami_server.ignore_actions.clear()
        # Ten answered pings (0.5 s) outlast a ping left unanswered just before (0.2 s) ...
        await ami_server.wait_for_action("Ping", count=len(ami_server.actions("Ping")) + 10)
        await until(lambda: connector.status.state is State.CONNECTED)
        reconnects, pings = connector.status.reconnects, len(ami_server.actions("Ping"))
        await ami_server.wait_for_action("Ping", count=pings + 5)  # ... then the connection stays
        assert connector.status.reconnects == reconnects and connector.status.state is State.CONNECTED


async def test_an_unreachable_exchange_is_retried_with_back_off(ami_config, db, settings):
    from tests.plugins.backend import free_port

    connector = connector_for(replace(ami_config, port=free_port()), db, settings)
    began = time.monotonic()
    async with running(connector):
        await until(lambda: connector.status.reconnects >= 3, what="three retries")
        elapsed = time.monotonic() - began
        status = connector.status
    assert status.state in (State.DISCONNECTED, State.CONNECTING)
    assert "connection refused" in (status.last_error or "")
    # Waits of at least half of 0.05, 0.1, 0.2 s (back-off doubling to its cap, jittered).
    assert elapsed >= (0.05 + 0.1 + 0.2) / 2


def test_back_off_grows_to_its_cap_with_jitter(ami_config):
    import random

    connector = AmiConnector(replace(ami_config, backoff_initial=1, backoff_max=60), on_calls=None,  # type: ignore[arg-type]
                             rng=random.Random(7))
    delays = [connector._backoff(n) for n in range(10)]
    for n, d in enumerate(delays):
        ceiling = min(60, 2 ** n)
        assert ceiling / 2 <= d <= ceiling
    assert len({round(connector._backoff(3), 6) for _ in range(20)}) > 1  # jittered


async def test_stopping_logs_off_and_the_status_is_plain_json(ami_server: FakeAmi, ami_config, db, settings):
    connector = connector_for(ami_config, db, settings)
    async with running(connector):
        await connector.wait_connected(5)
        await ami_server.push(transcript("abandoned_call"))
        await until(lambda: connector.status.call_events >= 2)
        live = json.loads(json.dumps(connector.status.as_dict()))
    await ami_server.wait_for_action("Logoff")
    assert live["state"] == "connected" and live["asterisk"] == "11.0.0"
    assert live["peer"] == f"127.0.0.1:{ami_server.port}"
    assert live["last_event_at"] is not None and live["connected_since"] is not None
    assert {"events", "mapped", "ignored", "filtered", "reconnects", "last_error"} <= live.keys()
    assert connector.status.state is State.DISCONNECTED


async def test_a_login_still_in_use_elsewhere_is_retried_soon_not_as_a_wrong_secret(
    ami_server: FakeAmi, ami_config, db, settings
):
    # allowmultiplelogin = no, and the previous holder's session has not timed out yet (a fail-over).
    ami_server.allow_multiple_login = False
    old = await AmiConnection.open("127.0.0.1", ami_server.port)
    await old.login(USERNAME, SECRET)
    connector = connector_for(ami_config, db, settings)
    async with running(connector):
        await ami_server.wait_for_action("Login", count=3)  # refused, retried with the back-off
        assert connector.status.state is not State.AUTH_FAILED
        assert "Login Already In Use" in (connector.status.last_error or "")
        await old.logoff()
        await connector.wait_connected(5)
