"""A stand-in for Asterisk's Manager Interface (AMI), on loopback.

It speaks the wire format of Asterisk 22's main/manager.c and apps/app_queue.c:
the banner `Asterisk Call Manager/11.0.0`, `Key: Value` lines ended by CRLF
and a blank line per message, responses that repeat the ActionID
(`astman_send_response_full`), Login (accepted, or `Authentication failed`
after which the connection is closed), Ping/Pong with a Timestamp, QueueStatus
as an event list (listack, QueueParams / QueueMember / QueueEntry items with
the ActionID, QueueStatusComplete), Logoff (`Goodbye`), `Permission denied`
before login, and unknown actions. Tests push event transcripts (the
fixtures under tests/fixtures/ami), garbage and half lines, drop
connections mid-stream, and read what the client sent. Only tests use it:
Asterisk cannot be installed here.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"
BANNER = "Asterisk Call Manager/11.0.0"
DEVICE_NOT_INUSE = 1


# -- transcripts --------------------------------------------------------------


def transcript(*names: str) -> str:
    """The fixtures named (a directory: all its files in order; or dir/file), as wire text."""
    parts: list[str] = []
    for name in names:
        path = FIXTURES / name
        files = sorted(path.glob("*.txt")) if path.is_dir() else [path.with_suffix(".txt")]
        if not files:
            raise FileNotFoundError(path)
        parts.extend(f.read_bytes().decode("utf-8") for f in files)
    return "".join(parts)


_TIMESTAMP = re.compile(r"^(Timestamp: )(\d+)\.(\d{6})", re.MULTILINE)


def first_timestamp(text: str) -> datetime:
    """The first Timestamp of a transcript, to the microsecond."""
    m = _TIMESTAMP.search(text)
    assert m, "the transcript has no Timestamp header"
    return datetime.fromtimestamp(int(m.group(2)), UTC).replace(microsecond=int(m.group(3)))


def retimed(text: str, *, start: float) -> str:
    """The transcript moved in time so its first Timestamp is `start` (epoch seconds);
    the other Timestamps keep their distance to it, to the microsecond."""
    m = _TIMESTAMP.search(text)
    assert m, "the transcript has no Timestamp header"
    offset = round(start * 1e6) - (int(m.group(2)) * 10**6 + int(m.group(3)))

    def shift(match: re.Match[str]) -> str:
        us = int(match.group(2)) * 10**6 + int(match.group(3)) + offset
        return f"{match.group(1)}{us // 10**6}.{us % 10**6:06d}"

    return _TIMESTAMP.sub(shift, text)


# -- the exchange's state ---------------------------------------------------


@dataclass
class FakeMember:
    name: str
    interface: str
    state_interface: str = ""
    membership: str = "static"
    paused: bool = False
    reason: str = ""
    status: int = DEVICE_NOT_INUSE
    in_call: bool = False
    calls: int = 0
    login_time: int = 0
    last_pause: int = 0


@dataclass
class FakeEntry:
    channel: str
    uniqueid: str
    caller: str
    since: float  # epoch seconds: when the caller joined


@dataclass
class FakeQueue:
    name: str
    strategy: str = "ringall"
    members: list[FakeMember] = field(default_factory=list)
    entries: list[FakeEntry] = field(default_factory=list)


@dataclass
class Received:
    session: int
    headers: list[tuple[str, str]]

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == key.lower()), None)

    @property
    def action(self) -> str:
        return (self.get("Action") or "").lower()


@dataclass
class _Session:
    number: int
    writer: asyncio.StreamWriter
    authenticated: bool = False
    events: bool = False
    user: str = ""


class FakeAmi:
    def __init__(
        self,
        users: dict[str, str] | None = None,
        *,
        banner: str = BANNER,
        auth_fail_delay: float = 0.0,
    ) -> None:
        self.users = dict(users or {"cc142": "s3cret"})
        self.banner = banner
        self.auth_fail_delay = auth_fail_delay  # Asterisk sleeps 1 s; tests need not
        self.queues: dict[str, FakeQueue] = {}
        self.ignore_actions: set[str] = set()  # lower-case action names left unanswered
        self.allow_multiple_login = True  # manager.conf allowmultiplelogin
        self.received: list[Received] = []
        self.connections = 0  # accepted so far
        self._sessions: dict[int, _Session] = {}
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Condition()
        self.port = 0

    # -- control ---------------------------------------------------------------

    async def start(self) -> "FakeAmi":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for s in list(self._sessions.values()):
                s.writer.transport.abort()
            await self._server.wait_closed()

    @property
    def listeners(self) -> list[_Session]:
        """Sessions logged in with events on."""
        return [s for s in self._sessions.values() if s.authenticated and s.events]

    async def push(self, text: str | bytes) -> None:
        """Write raw wire text (a transcript, garbage, half a line) to every listener."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        for s in self.listeners:
            s.writer.write(data)
            await s.writer.drain()

    async def drop(self) -> None:
        """Cut every connection at once (a reset, as when the exchange or the network dies)."""
        for s in list(self._sessions.values()):
            s.writer.transport.abort()
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: not self._sessions), 5)

    async def wait_for(self, predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_for_listeners(self, count: int = 1, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: len(self.listeners) >= count, timeout)

    def actions(self, name: str) -> list[Received]:
        return [r for r in self.received if r.action == name.lower()]

    async def wait_for_action(self, name: str, count: int = 1, timeout: float = 5.0) -> list[Received]:
        await self.wait_for(lambda: len(self.actions(name)) >= count, timeout)
        return self.actions(name)

    # -- serving ---------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        session = _Session(self.connections, writer)
        async with self._changed:
            self._sessions[session.number] = session
            self._changed.notify_all()
        try:
            writer.write(f"{self.banner}\r\n".encode())
            while True:
                headers = await self._read_message(reader)
                if headers is None:
                    break
                async with self._changed:
                    self.received.append(Received(session.number, headers))
                    self._changed.notify_all()
                if not await self._act(session, Received(session.number, headers)):
                    break
                async with self._changed:
                    self._changed.notify_all()  # login state changed, maybe
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            async with self._changed:
                self._sessions.pop(session.number, None)
                self._changed.notify_all()

    @staticmethod
    async def _read_message(reader: asyncio.StreamReader) -> list[tuple[str, str]] | None:
        headers: list[tuple[str, str]] = []
        while True:
            line = await reader.readline()
            if not line:
                return None
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                if headers:
                    return headers
                continue
            key, _, value = text.partition(":")
            headers.append((key.strip(), value.strip()))

    @staticmethod
    def _response(msg: Received, kind: str, message: str | None = None, *, extra: str = "", eventlist: str = "") -> str:
        # astman_send_response_full: Response, ActionID, EventList, Message, blank line.
        out = f"Response: {kind}\r\n"
        if msg.get("ActionID"):
            out += f"ActionID: {msg.get('ActionID')}\r\n"
        if eventlist:
            out += f"EventList: {eventlist}\r\n"
        if message is not None:
            out += f"Message: {message}\r\n"
        return out + extra + "\r\n"

    async def _act(self, session: _Session, msg: Received) -> bool:
        """Answer one action; False closes the connection."""
        w = session.writer
        action = msg.action
        if action in self.ignore_actions:
            return True
        if not action:
            w.write(self._response(msg, "Error", "Missing action in request").encode())
        elif not session.authenticated and action not in ("login", "logoff", "challenge"):
            w.write(self._response(msg, "Error", "Permission denied").encode())
        elif action == "login":
            user = msg.get("Username") or ""
            if not self.allow_multiple_login and any(
                s.authenticated and s.user == user for s in self._sessions.values()
            ):
                await asyncio.sleep(self.auth_fail_delay)
                w.write(self._response(msg, "Error", "Login Already In Use").encode())
                await w.drain()
                return False
            if user in self.users and msg.get("Secret") == self.users[user]:
                session.user = user
                session.authenticated = True
                session.events = (msg.get("Events") or "on").lower() not in ("off", "no", "0")
                w.write(self._response(msg, "Success", "Authentication accepted").encode())
            else:
                await asyncio.sleep(self.auth_fail_delay)
                w.write(self._response(msg, "Error", "Authentication failed").encode())
                await w.drain()
                return False
        elif action == "logoff":
            w.write(self._response(msg, "Goodbye", "Thanks for all the fish.").encode())
            await w.drain()
            return False
        elif action == "ping":
            now = time.time()
            stamp = f"Ping: Pong\r\nTimestamp: {int(now)}.{int(now % 1 * 1e6):06d}\r\n"
            w.write(self._response(msg, "Success", None, extra=stamp).encode())
        elif action == "queuestatus":
            w.write(self._queue_status(msg).encode())
        else:
            w.write(self._response(
                msg, "Error",
                f"Invalid/unknown command: {msg.get('Action')}. Use Action: ListCommands to show available commands.",
            ).encode())
        await w.drain()
        return True

    def _queue_status(self, msg: Received) -> str:
        """manager_queues_status(): listack, per queue QueueParams + QueueMember + QueueEntry, complete."""
        aid = msg.get("ActionID")
        id_text = f"ActionID: {aid}\r\n" if aid else ""
        out = self._response(msg, "Success", "Queue status will follow", eventlist="start")
        wanted = (msg.get("Queue") or "").lower()
        now = int(time.time())
        items = 0
        for q in self.queues.values():
            if wanted and q.name.lower() != wanted:
                continue
            out += (f"Event: QueueParams\r\nQueue: {q.name}\r\nMax: 0\r\nStrategy: {q.strategy}\r\n"
                    f"Calls: {len(q.entries)}\r\nHoldtime: 0\r\nTalkTime: 0\r\nCompleted: 0\r\nAbandoned: 0\r\n"
                    f"ServiceLevel: 20\r\nServicelevelPerf: 0.0\r\nServicelevelPerf2: 0.0\r\nWeight: 0\r\n{id_text}\r\n")
            items += 1
            for m in q.members:
                out += (f"Event: QueueMember\r\nQueue: {q.name}\r\nName: {m.name}\r\nLocation: {m.interface}\r\n"
                        f"StateInterface: {m.state_interface or m.interface}\r\nMembership: {m.membership}\r\n"
                        f"Penalty: 0\r\nCallsTaken: {m.calls}\r\nLastCall: 0\r\nLastPause: {m.last_pause}\r\n"
                        f"LoginTime: {m.login_time}\r\nInCall: {int(m.in_call)}\r\nStatus: {m.status}\r\n"
                        f"Paused: {int(m.paused)}\r\nPausedReason: {m.reason}\r\nWrapuptime: 0\r\n{id_text}\r\n")
                items += 1
            for pos, e in enumerate(q.entries, start=1):
                out += (f"Event: QueueEntry\r\nQueue: {q.name}\r\nPosition: {pos}\r\nChannel: {e.channel}\r\n"
                        f"Uniqueid: {e.uniqueid}\r\nCallerIDNum: {e.caller}\r\nCallerIDName: unknown\r\n"
                        f"ConnectedLineNum: unknown\r\nConnectedLineName: unknown\r\n"
                        f"Wait: {now - int(e.since)}\r\nPriority: 0\r\n{id_text}\r\n")
                items += 1
        out += f"Event: QueueStatusComplete\r\n{id_text}EventList: Complete\r\nListItems: {items}\r\n\r\n"
        return out
