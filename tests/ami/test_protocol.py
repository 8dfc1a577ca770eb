"""The AMI wire protocol: framing and bad input (wire.py); login, ActionID correlation,
event lists, keep-alive (protocol.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from contact_center.calls.ami.protocol import (
    AmiActionError,
    AmiAuthError,
    AmiConnectError,
    AmiConnection,
    AmiConnectionClosed,
    AmiProtocolError,
    AmiTimeout,
)
from contact_center.calls.ami.wire import Banner, Message, Parser, Problem
from tests.ami.conftest import SECRET, USERNAME
from tests.fakes.ami_server import FakeAmi, FakeEntry, transcript
from tests.plugins.backend import free_port

JOIN = transcript("answered_call/01_QueueCallerJoin")
CONNECT = transcript("answered_call/05_AgentConnect")


def parse(data: bytes, **limits: int) -> tuple[list[Message], list[Problem]]:
    parser = Parser(expect_banner=False, **limits)
    items = [*parser.feed(data), *parser.feed_eof()]
    return [i for i in items if isinstance(i, Message)], [i for i in items if isinstance(i, Problem)]


# -- framing (sans-IO) --------------------------------------------------------


def test_a_transcript_parses_into_its_events_with_every_field():
    messages, problems = parse((JOIN + CONNECT).encode())
    assert problems == []
    assert [m.event for m in messages] == ["QueueCallerJoin", "AgentConnect"]
    join = messages[0]
    assert join.get("uniqueid") == "1709362800.1"  # keys are case-insensitive, as in Asterisk
    assert join.get("CallerIDNum") == "+994501111111"
    assert join.get("AccountCode") == ""  # 'AccountCode: ' is an empty value, not garbage
    assert messages[1].get("DestConnectedLineNum") == "+994501111111"
    assert messages[1].get("ConnectedLineName") == "Rəşad Əliyev"


def test_newline_only_line_ends_read_the_same():
    crlf, _ = parse((JOIN + CONNECT).encode())
    lf, problems = parse((JOIN + CONNECT).replace("\r\n", "\n").encode())
    assert problems == [] and lf == crlf


def test_every_chunking_of_the_stream_gives_the_same_messages():
    data = (JOIN + "garbage here\r\n" + CONNECT).encode()
    whole, _ = parse(data)
    parser = Parser(expect_banner=False)
    items = [item for i in range(len(data)) for item in parser.feed(data[i : i + 1])]
    assert [i for i in items if isinstance(i, Message)] == whole
    assert len(whole) == 2


def test_values_with_colons_and_repeated_keys():
    raw = (
        "Event: VarSet\r\nPrivilege: dialplan,all\r\nMessage: Queue: 142: full\r\n"
        "ChanVariable: URL=http://10.0.0.5:8080/pop?a=b\r\nChanVariable: QUEUE=142\r\n"
        "Value: ::1\r\n\r\n"
    )
    [msg], problems = parse(raw.encode())
    assert problems == []
    assert msg.get("Message") == "Queue: 142: full"
    assert msg.get_all("ChanVariable") == ["URL=http://10.0.0.5:8080/pop?a=b", "QUEUE=142"]
    assert msg.get("Value") == "::1"


def test_garbage_lines_between_events_are_skipped_and_both_events_kept():
    raw = JOIN + "this line is not AMI\r\n%%%\r\n" + CONNECT + "--END COMMAND--\r\n"
    messages, problems = parse(raw.encode())
    assert [m.event for m in messages] == ["QueueCallerJoin", "AgentConnect"]
    assert messages[1] == parse(CONNECT.encode())[0][0]  # intact, nothing from the garbage in it
    assert [p.kind for p in problems] == ["garbage_line", "garbage_line", "garbage_line"]
    assert problems[0].detail == "this line is not AMI"


def test_a_half_message_before_the_next_event_is_dropped_and_the_next_one_kept():
    # The sender died mid-line; what follows is a whole event without a blank line between.
    half = "Event: QueueCallerJoin\r\nPrivilege: agent,all\r\nChannel: PJSIP/azer\r\nUniquei\r\n"
    messages, problems = parse((half + CONNECT).encode())
    assert [m.event for m in messages] == ["AgentConnect"]
    assert messages[0] == parse(CONNECT.encode())[0][0]
    assert {p.kind for p in problems} == {"garbage_line", "truncated_message"}


def test_a_half_line_glued_to_the_next_event_still_gives_that_event():
    # 'Chann' + 'Event: AgentConnect' arrive as one line: 'ChannEvent: AgentConnect'.
    half = "Event: AgentCalled\r\nPrivilege: agent,all\r\nTimestamp: 1709362812.151003\r\nChann"
    messages, problems = parse((half + CONNECT).encode())
    assert [m.event for m in messages] == ["AgentConnect"]
    assert messages[0] == parse(CONNECT.encode())[0][0]
    assert [p.kind for p in problems] == ["truncated_message"]
    assert problems[0].detail == "Event: AgentCalled"
    # The half line may have been a whole 'Key: Val' already.
    messages, _ = parse((half.replace("Chann", "CallerIDNum: +99450") + CONNECT).encode())
    assert messages == parse(CONNECT.encode())[0]


def test_a_block_without_event_or_response_is_reported_and_skipped():
    messages, problems = parse(("Uniqueid: 1.1\r\nQueue: 142\r\n\r\n" + JOIN).encode())
    assert [m.event for m in messages] == ["QueueCallerJoin"]
    assert [p.kind for p in problems] == ["headerless_message"]


def test_an_unfinished_message_at_the_end_is_not_delivered():
    cut = JOIN[: JOIN.index("Queue: 142")] + "Queue: 1"
    messages, problems = parse(cut.encode())
    assert messages == []
    assert [p.kind for p in problems] == ["truncated_message"]


def test_an_oversized_line_drops_its_message_only():
    huge = "Event: VarSet\r\nPrivilege: dialplan,all\r\nValue: " + "x" * 5000 + "\r\nVariable: A\r\n\r\n"
    messages, problems = parse((JOIN + huge + CONNECT).encode(), max_line=1000)
    assert [m.event for m in messages] == ["QueueCallerJoin", "AgentConnect"]
    assert [p.kind for p in problems] == ["oversized_line"]


def test_an_oversized_line_between_messages_keeps_the_next_message():
    messages, problems = parse(("z" * 5000 + "\r\n" + CONNECT).encode(), max_line=1000)
    assert [m.event for m in messages] == ["AgentConnect"]
    assert [p.kind for p in problems] == ["oversized_line"]


def test_a_line_that_never_ends_is_bounded():
    parser = Parser(expect_banner=False, max_line=1000)
    problems = [i for _ in range(100) for i in parser.feed(b"y" * 1000)]  # 100 kB, no newline
    assert [p.kind for p in problems] == ["oversized_line"]
    assert len(parser._buffer) <= 1000  # bounded, not growing
    assert [i.event for i in parser.feed(("\r\n" + JOIN).encode()) if isinstance(i, Message)] == ["QueueCallerJoin"]


def test_an_oversized_message_is_dropped_and_the_next_one_kept():
    many = "Event: Big\r\n" + "".join(f"ChanVariable: V{i}=1\r\n" for i in range(50)) + "\r\n"
    messages, problems = parse((many + JOIN).encode(), max_headers=20)
    assert [m.event for m in messages] == ["QueueCallerJoin"]
    assert [p.kind for p in problems] == ["oversized_message"]


def test_the_banner_is_the_first_line():
    parser = Parser()
    items = parser.feed(b"Asterisk Call Manager/11.0.0\r\n" + JOIN.encode())
    assert isinstance(items[0], Banner) and items[0].version == "11.0.0"
    assert isinstance(items[1], Message) and items[1].event == "QueueCallerJoin"


# -- a connection against the fake exchange -------------------------------------


async def test_banner_and_login(ami_server: FakeAmi):
    conn = await AmiConnection.open("127.0.0.1", ami_server.port)
    try:
        assert conn.banner is not None and conn.banner.version == "11.0.0"
        response = await conn.login(USERNAME, SECRET)
        assert response.get("Message") == "Authentication accepted"
    finally:
        await conn.close()
    [login] = ami_server.actions("Login")
    assert (login.get("Username"), login.get("Secret"), login.get("Events")) == (USERNAME, SECRET, "on")
    assert login.get("ActionID") == response.action_id


async def test_a_wrong_secret_is_an_auth_error_and_the_exchange_hangs_up(ami_server: FakeAmi):
    conn = await AmiConnection.open("127.0.0.1", ami_server.port)
    with pytest.raises(AmiAuthError) as err:
        await conn.login(USERNAME, "wrong")
    assert "Authentication failed" in str(err.value) and "AMI_SECRET" in str(err.value)
    assert "wrong" not in str(err.value)  # the secret is never echoed
    with pytest.raises(AmiConnectionClosed):
        await asyncio.wait_for(conn.next_event(), 2)
    await conn.close()


async def test_actions_before_login_are_refused(ami_server: FakeAmi):
    async with await AmiConnection.open("127.0.0.1", ami_server.port) as conn:
        with pytest.raises(AmiActionError, match="Permission denied"):
            await conn.action("QueueStatus")


async def test_an_unknown_action_is_an_action_error_and_the_connection_lives_on(ami_server: FakeAmi):
    async with await AmiConnection.open("127.0.0.1", ami_server.port) as conn:
        await conn.login(USERNAME, SECRET)
        with pytest.raises(AmiActionError, match="Invalid/unknown command: Frobnicate"):
            await conn.action("Frobnicate")
        await conn.ping()


async def test_a_header_with_a_line_break_is_refused_before_sending(ami_server: FakeAmi):
    async with await AmiConnection.open("127.0.0.1", ami_server.port) as conn:
        await conn.login(USERNAME, SECRET)
        with pytest.raises(ValueError, match="line break"):
            await conn.action("QueueStatus", {"Queue": "142\r\nAction: Originate"})
        await conn.ping()
    assert ami_server.actions("Originate") == [] and ami_server.actions("QueueStatus") == []


async def test_connection_refused_is_a_connect_error():
    with pytest.raises(AmiConnectError, match="connection refused"):
        await AmiConnection.open("127.0.0.1", free_port(), timeout=2)


async def raw_server(handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]):
    """A one-off server for answers the fake exchange does not give (wrong banner, reordering)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_a_server_that_is_not_ami_is_a_protocol_error():
    async def ssh(reader, writer):
        writer.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
        await writer.drain()
        await reader.read()

    server, port = await raw_server(ssh)
    try:
        with pytest.raises(AmiProtocolError, match="not an Asterisk manager interface"):
            await AmiConnection.open("127.0.0.1", port, timeout=2)
    finally:
        server.close()


async def test_a_server_that_says_nothing_times_out():
    async def silent(reader, writer):
        await reader.read()

    server, port = await raw_server(silent)
    try:
        with pytest.raises(AmiTimeout, match="no banner"):
            await AmiConnection.open("127.0.0.1", port, timeout=0.3)
    finally:
        server.close()


async def read_action(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    while (line := (await reader.readline()).decode().rstrip("\r\n")):
        key, _, value = line.partition(": ")
        headers[key] = value
    return headers


async def test_responses_are_matched_by_action_id_whatever_their_order():
    async def reversed_answers(reader, writer):
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        first, second = await read_action(reader), await read_action(reader)
        for action in (second, first):  # answered in the opposite order
            writer.write(
                f"Response: Success\r\nActionID: {action['ActionID']}\r\nMessage: answer to {action['Action']}\r\n\r\n"
                .encode())
        await writer.drain()
        await reader.read()

    server, port = await raw_server(reversed_answers)
    try:
        async with await AmiConnection.open("127.0.0.1", port) as conn:
            a, b = await asyncio.gather(conn.action("CoreStatus"), conn.action("CoreSettings"))
        assert a.get("Message") == "answer to CoreStatus"
        assert b.get("Message") == "answer to CoreSettings"
    finally:
        server.close()


async def test_an_event_list_collects_its_items_and_leaves_other_events_alone():
    async def interleaved(reader, writer):
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        aid = (await read_action(reader))["ActionID"]
        writer.write(
            (f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\nMessage: Queue status will follow\r\n\r\n"
             f"Event: QueueParams\r\nQueue: 142\r\nStrategy: ringall\r\nActionID: {aid}\r\n\r\n"
             + JOIN  # a live event in the middle of the list
             + f"Event: QueueEntry\r\nQueue: 142\r\nPosition: 1\r\nUniqueid: 1709362800.1\r\nWait: 9\r\nActionID: {aid}\r\n\r\n"
             f"Event: QueueStatusComplete\r\nActionID: {aid}\r\nEventList: Complete\r\nListItems: 2\r\n\r\n").encode())
        await writer.drain()
        await reader.read()

    server, port = await raw_server(interleaved)
    try:
        async with await AmiConnection.open("127.0.0.1", port) as conn:
            listing = await conn.action_list("QueueStatus")
            live = await asyncio.wait_for(conn.next_event(), 2)
        assert [m.event for m in listing.items] == ["QueueParams", "QueueEntry"]
        assert listing.complete is not None and listing.complete.get("ListItems") == "2"
        assert live.event == "QueueCallerJoin"
    finally:
        server.close()


async def test_queue_status_against_the_fake_exchange(ami_server: FakeAmi):
    ami_server.queues["142"].entries.append(
        FakeEntry("PJSIP/azercell-trunk-00000001", "1709362800.1", "+994501111111", since=0))
    async with await AmiConnection.open("127.0.0.1", ami_server.port) as conn:
        await conn.login(USERNAME, SECRET, events=False)
        listing = await conn.action_list("QueueStatus")
    events = [m.event for m in listing.items]
    assert events == ["QueueParams", "QueueMember", "QueueMember", "QueueEntry", "QueueParams", "QueueMember"]
    assert listing.items[1].get("Name") == "Aysel Məmmədova" and listing.items[1].get("Paused") == "1"
    assert listing.complete is not None and listing.complete.get("ListItems") == "6"


async def test_pushed_events_with_garbage_between_arrive_and_the_garbage_is_logged_once(
    ami_server: FakeAmi, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, "contact_center.calls.ami")
    async with await AmiConnection.open("127.0.0.1", ami_server.port) as conn:
        await conn.login(USERNAME, SECRET)
        await ami_server.wait_for_listeners()
        await ami_server.push(JOIN + "garbage one\r\n")
        await ami_server.push("garbage two\r\n" + CONNECT)
        first = await asyncio.wait_for(conn.next_event(), 2)
        second = await asyncio.wait_for(conn.next_event(), 2)
        assert (first.event, second.event) == ("QueueCallerJoin", "AgentConnect")
        assert conn.problems["garbage_line"] == 2
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "not 'Key: Value'" in warnings[0].getMessage() and "garbage one" in warnings[0].getMessage()


async def test_no_answer_to_ping_declares_the_connection_dead(ami_server: FakeAmi):
    ami_server.ignore_actions.add("ping")
    conn = await AmiConnection.open("127.0.0.1", ami_server.port)
    try:
        await conn.login(USERNAME, SECRET)
        conn.start_keepalive(0.05, 0.2)
        with pytest.raises(AmiTimeout, match="no answer to Ping within 0.2 s.*declared dead"):
            await asyncio.wait_for(conn.next_event(), 3)
        assert conn.closed
    finally:
        await conn.close()


async def test_a_live_exchange_answers_pings_and_the_connection_stays(ami_server: FakeAmi):
    async with await AmiConnection.open("127.0.0.1", ami_server.port) as conn:
        await conn.login(USERNAME, SECRET)
        conn.start_keepalive(0.05, 0.5)
        await ami_server.wait_for_action("Ping", count=3)
        assert not conn.closed


async def test_logoff_says_goodbye_and_closes(ami_server: FakeAmi):
    conn = await AmiConnection.open("127.0.0.1", ami_server.port)
    await conn.login(USERNAME, SECRET)
    await conn.logoff()
    assert len(ami_server.actions("Logoff")) == 1
    assert conn.closed
    with pytest.raises(AmiConnectionClosed):
        await conn.next_event()
    await ami_server.wait_for(lambda: not ami_server._sessions)


async def test_a_dropped_connection_fails_waiting_actions_and_events(ami_server: FakeAmi):
    ami_server.ignore_actions.add("queuestatus")
    conn = await AmiConnection.open("127.0.0.1", ami_server.port)
    try:
        await conn.login(USERNAME, SECRET)
        listing = asyncio.create_task(conn.action_list("QueueStatus", timeout=5))
        await ami_server.wait_for_action("QueueStatus")
        await ami_server.drop()
        with pytest.raises(AmiConnectionClosed):
            await asyncio.wait_for(listing, 2)
        with pytest.raises(AmiConnectionClosed):
            await conn.next_event()
    finally:
        await conn.close()
