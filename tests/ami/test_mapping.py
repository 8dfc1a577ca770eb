"""Asterisk queue events -> our call events and agent-state events, per fixture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contact_center.calls.ami.mapping import CallMemory, Mapped, Outcome, map_message, member_extension, parse_timestamp
from contact_center.calls.ami.wire import Message, iter_messages
from tests.fakes.ami_server import transcript

RECEIVED = datetime(2024, 3, 2, 7, 30, tzinfo=UTC)  # far from every Timestamp in the fixtures


def ts(raw: str) -> datetime:
    sec, frac = raw.split(".")
    return datetime.fromtimestamp(int(sec), UTC).replace(microsecond=int(frac))


def messages(*names: str) -> list[Message]:
    return list(iter_messages(transcript(*names)))


def run(msgs: list[Message], *, memory: CallMemory | None = None, queues: frozenset[str] = frozenset(),
        received_at: datetime = RECEIVED, snapshot: bool = False) -> list[Mapped]:
    """Map like the connector does: in order, remembering what was mapped."""
    memory = memory if memory is not None else CallMemory()
    out = []
    for msg in msgs:
        result = map_message(msg, received_at=received_at, queues=queues, memory=memory, snapshot=snapshot)
        memory.note(result.calls)
        out.append(result)
    return out


def calls(results: list[Mapped]):
    return [e for r in results for e in r.calls]


def without(msg: Message, *keys: str) -> Message:
    return Message(tuple((k, v) for k, v in msg.headers if k not in keys))


def changed(msg: Message, **values: str) -> Message:
    return Message(tuple((k, values.get(k, v)) for k, v in msg.headers))


def test_an_answered_call_maps_event_by_event():
    results = run(messages("answered_call"))
    assert [r.outcome for r in results] == [Outcome.MAPPED] * 5 + [Outcome.IGNORED, Outcome.MAPPED]
    got = [(e.type, e.at, e.agent) for e in calls(results)]
    assert got == [
        ("enqueued", ts("1709362800.104213"), None),
        ("ringing", ts("1709362800.131526"), "1001"),  # PJSIP/1001, member name "Aysel Məmmədova"
        ("ringing", ts("1709362812.140087"), "1001"),
        ("ringing", ts("1709362812.151003"), "1002"),  # Local/1002@from-queue/n
        ("answered", ts("1709362815.338912"), "1002"),
        ("completed", ts("1709362995.512006"), "1002"),
    ]
    for e in calls(results):
        assert (e.call_id, e.caller, e.queue, e.direction) == ("1709362800.1", "+994501111111", "142", "inbound")
        assert e.at.tzinfo is UTC


def test_event_ids_are_stable_across_a_replay_and_distinct_within_a_call():
    first = [e.event_id for e in calls(run(messages("answered_call")))]
    again = [e.event_id for e in calls(run(messages("answered_call")))]
    assert first == again
    assert len(set(first)) == len(first)
    assert all(i.startswith("ami:") and len(i) <= 200 for i in first)


def test_without_timestamp_the_receive_time_is_used_and_the_id_stays_stable():
    join = without(messages("answered_call/01_QueueCallerJoin")[0], "Timestamp")
    a = run([join], received_at=RECEIVED)
    b = run([join], received_at=RECEIVED + timedelta(seconds=5))  # the same event, received again later
    assert calls(a)[0].at == RECEIVED and calls(b)[0].at == RECEIVED + timedelta(seconds=5)
    assert calls(a)[0].event_id == calls(b)[0].event_id  # never from the receive time
    with_ts = calls(run(messages("answered_call/01_QueueCallerJoin")))[0]
    assert with_ts.event_id != calls(a)[0].event_id


def test_the_received_time_in_another_zone_comes_out_in_utc():
    join = without(messages("answered_call/01_QueueCallerJoin")[0], "Timestamp")
    baku = RECEIVED.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Baku"))
    [event] = calls(run([join], received_at=baku))
    assert event.at == RECEIVED and event.at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1709362800.104213", ts("1709362800.104213")), ("1709362800", ts("1709362800.000000")),
     ("1709362800.5", ts("1709362800.500000")), ("", None), ("yesterday", None), ("-1.5", None),
     ("1709362800.12x", None)],
)
def test_timestamps_to_the_microsecond(raw, expected):
    assert parse_timestamp(raw) == expected


def test_a_bad_timestamp_falls_back_to_the_receive_time():
    join = changed(messages("answered_call/01_QueueCallerJoin")[0], Timestamp="soon")
    assert calls(run([join]))[0].at == RECEIVED


@pytest.mark.parametrize(
    ("interface", "member_name", "extension"),
    [
        ("PJSIP/1001", "Aysel Məmmədova", "1001"),
        ("SIP/1001", "SIP/1001", "1001"),
        ("Local/1001@from-queue/n", "Local/1001@from-queue/n", "1001"),
        ("Local/1001@from-queue/n", "Rəşad", "1001"),
        ("IAX2/1001", None, "1001"),
        ("PJSIP/1001-0000000a", None, "1001"),  # a channel name (transfers)
        (None, "PJSIP/1004", "1004"),
        ("Custom:agent", "2005", "2005"),  # no channel anywhere: the member name
        (None, None, None),
    ],
)
def test_the_extension_from_each_interface_form(interface, member_name, extension):
    assert member_extension(interface, member_name) == extension


def test_the_agent_of_every_fixture_interface_form():
    connect = messages("answered_call/05_AgentConnect")[0]
    for interface, expected in [("PJSIP/1007", "1007"), ("SIP/1007", "1007"), ("Local/1007@from-queue/n", "1007")]:
        mapped = calls(run([changed(connect, Interface=interface, MemberName="Operator 7")]))
        assert [(e.type, e.agent) for e in mapped if e.type == "answered"] == [("answered", expected)]


def test_an_abandoned_call():
    results = run(messages("abandoned_call"))
    assert [(e.type, e.at, e.caller) for e in calls(results)] == [
        ("enqueued", ts("1709363100.250331"), "+994553333333"),
        ("abandoned", ts("1709363145.611870"), "+994553333333"),
    ]
    assert results[2].outcome is Outcome.IGNORED  # QueueCallerLeave


def test_a_missed_join_is_rebuilt_from_the_hold_time_only_when_it_was_missed():
    abandon = messages("abandoned_call/02_QueueCallerAbandon")[0]
    alone = calls(run([abandon]))
    assert [(e.type, e.at) for e in alone] == [
        ("abandoned", ts("1709363145.611870")),
        ("enqueued", ts("1709363145.611870") - timedelta(seconds=45)),  # HoldTime: 45
    ]
    assert alone[1].event_id == alone[0].event_id + ":enqueued"
    seen = calls(run(messages("abandoned_call")))
    assert [e.type for e in seen] == ["enqueued", "abandoned"]


def test_a_missed_answer_is_rebuilt_from_the_talk_time():
    complete = messages("answered_call/07_AgentComplete")[0]
    memory = CallMemory()
    run(messages("answered_call/01_QueueCallerJoin"), memory=memory)  # the join was seen, the answer missed
    got = calls(run([complete], memory=memory))
    assert [(e.type, e.at, e.agent) for e in got] == [
        ("completed", ts("1709362995.512006"), "1002"),
        ("answered", ts("1709362995.512006") - timedelta(seconds=180), "1002"),
    ]
    assert [e.type for e in calls(run(messages("answered_call")))].count("answered") == 1


def test_transfers():
    blind = calls(run(messages("blind_transfer")))
    assert [(e.type, e.agent) for e in blind] == [
        ("enqueued", None), ("ringing", "1001"), ("answered", "1001"),
        ("transferred", "1001"),  # BlindTransfer: the transferee is the caller
        ("transferred", "1001"),  # AgentComplete with Reason: transfer
    ]
    assert {e.call_id for e in blind} == {"1709364000.9"}
    assert blind[3].at == ts("1709364065.118734") and blind[3].queue == "142"
    attended = calls(run(messages("attended_transfer")))
    assert [(e.type, e.agent) for e in attended] == [
        ("enqueued", None), ("answered", "1003"), ("transferred", "1003"), ("transferred", "1003")]
    assert {e.call_id for e in attended} == {"1709364100.12"}


def test_a_transfer_of_a_call_that_was_not_a_queue_call_is_ignored():
    [result] = run(messages("blind_transfer/04_BlindTransfer"))
    assert result.outcome is Outcome.IGNORED and result.calls == ()


def test_a_failed_transfer_is_ignored():
    memory = CallMemory()
    run(messages("blind_transfer/01_QueueCallerJoin"), memory=memory)
    failed = changed(messages("blind_transfer/04_BlindTransfer")[0], Result="Not Permitted")
    [result] = run([failed], memory=memory)
    assert result.outcome is Outcome.IGNORED


def test_the_queue_filter():
    results = run(messages("answered_call"), queues=frozenset({"143"}))
    assert [r.outcome for r in results] == [Outcome.FILTERED] * 5 + [Outcome.IGNORED, Outcome.FILTERED]
    assert results[0].detail == "142"
    # Asterisk's queue names are case-insensitive; so is the filter.
    join = changed(messages("answered_call/01_QueueCallerJoin")[0], Queue="Support")
    assert run([join], queues=frozenset({"SUPPORT"}))[0].outcome is Outcome.MAPPED
    assert run([join], queues=frozenset({"142", "143"}))[0].outcome is Outcome.FILTERED


def test_agent_state_events():
    added, paused, unpaused, status, removed = (
        messages(f"members/{n}")[0]
        for n in ("QueueMemberAdded", "QueueMemberPause_paused", "QueueMemberPause_unpaused",
                  "QueueMemberStatus", "QueueMemberRemoved"))
    got = [r.agents for r in run([added, paused, unpaused, status, removed])]
    assert [[(a.kind, a.extension, a.queue, a.reason) for a in one] for one in got] == [
        [("login", "1003", "142", None)],
        [("pause", "1001", "142", "nahar")],
        [("unpause", "1001", "142", None)],
        [("status", "1002", "142", None)],
        [("logoff", "1003", "142", None)],
    ]
    assert got[1][0].at == ts("1709366400.480125") and got[1][0].paused is True
    assert (got[3][0].device_state, got[3][0].in_call) == ("inuse", True)
    ids = [a.event_id for one in got for a in one]
    assert len(set(ids)) == 5
    assert ids == [a.event_id for r in run([added, paused, unpaused, status, removed]) for a in r.agents]


def test_a_member_added_paused_is_a_login_and_a_pause():
    added = changed(messages("members/QueueMemberAdded")[0], Paused="1", PausedReason="təlim")
    [result] = run([added])
    assert [(a.kind, a.reason) for a in result.agents] == [("login", "təlim"), ("pause", "təlim")]


def test_the_queue_status_reply():
    listing = [m for m in messages("other/QueueStatus_reply") if m.event]
    results = run(listing, snapshot=True)
    assert [r.outcome for r in results] == [Outcome.IGNORED, Outcome.MAPPED, Outcome.MAPPED,
                                            Outcome.MAPPED, Outcome.IGNORED]
    members = [a for r in results for a in r.agents]
    assert [(a.kind, a.extension, a.paused, a.reason, a.snapshot) for a in members] == [
        ("status", "1001", True, "nahar", True), ("status", "1002", False, None, True)]
    assert members[0].since == datetime.fromtimestamp(1709366400, UTC)  # paused since LastPause
    assert members[1].since == datetime.fromtimestamp(1709359200, UTC)  # logged in since LoginTime
    [entry] = calls(results)
    assert (entry.type, entry.call_id, entry.caller) == ("enqueued", "1709362800.1", "+994501111111")
    assert entry.at == RECEIVED - timedelta(seconds=9)  # Wait: 9
    # A replayed reply adds nothing, whatever the ActionID and the receive time.
    again = [changed(m, ActionID="cc142-other-99") for m in listing]
    later = run(again, snapshot=True, received_at=RECEIVED + timedelta(seconds=30))
    assert [e.event_id for e in calls(later)] == [entry.event_id]
    assert [a.event_id for r in later for a in r.agents] == [a.event_id for a in members]


def test_a_queue_entry_of_a_call_already_seen_adds_nothing():
    memory = CallMemory()
    run(messages("answered_call/01_QueueCallerJoin"), memory=memory)
    entry = next(m for m in messages("other/QueueStatus_reply") if m.event == "QueueEntry")
    [result] = run([entry], memory=memory, snapshot=True)
    assert result.outcome is Outcome.MAPPED and result.calls == ()


def test_unknown_and_known_but_useless_events():
    [newchannel] = run(messages("other/Newchannel"))
    assert (newchannel.outcome, newchannel.detail) == (Outcome.UNKNOWN, "Newchannel")
    [booted] = run(messages("other/FullyBooted"))
    assert booted.outcome is Outcome.IGNORED


@pytest.mark.parametrize(
    "broken",
    [
        {"Uniqueid": ""},
        {"Queue": ""},
        {"Queue": "q" * 65},  # longer than the queue column
        {"Uniqueid": "1709362800.1\x00"},
    ],
)
def test_a_call_event_without_what_it_needs_is_invalid_not_an_error(broken):
    join = changed(messages("answered_call/01_QueueCallerJoin")[0], **broken)
    [result] = run([join])
    assert result.outcome is Outcome.INVALID and result.calls == ()


def test_odd_values_are_left_out_rather_than_stored():
    join = changed(messages("answered_call/01_QueueCallerJoin")[0], CallerIDNum="9" * 80)
    [event] = calls(run([join]))
    assert event.caller is None  # too long for the column: unknown rather than a failed batch
    anonymous = changed(messages("answered_call/01_QueueCallerJoin")[0], CallerIDNum="<unknown>")
    assert calls(run([anonymous]))[0].caller is None
    for hold in ("a while", "99999999999999", "-5"):
        bad_hold = changed(messages("abandoned_call/02_QueueCallerAbandon")[0], HoldTime=hold)
        assert [e.type for e in calls(run([bad_hold]))] == ["abandoned"]  # nothing to rebuild the join from
