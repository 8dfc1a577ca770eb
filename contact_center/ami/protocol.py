"""The Asterisk Manager Interface (AMI) wire protocol on asyncio streams.

Our own small client (the asyncio AMI libraries on PyPI are unmaintained).
The exchange greets with a banner line (`Asterisk Call Manager/11.0.0`),
then every message is `Key: Value` lines ended by `\\r\\n` and closed by an
empty line. Actions carry an `ActionID` that their response (and, for list
actions such as QueueStatus, every event of the list up to the
`EventList: Complete` event) repeats; everything else is an event.

The parser is sans-IO (bytes in, messages and problems out) and never
raises on bad input: a line that is not `Key: Value`, a message cut short,
a line or message past the size bounds are reported as `Problem`s and
skipped, and whatever valid message follows is still delivered.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

log = logging.getLogger("contact_center.ami")

BANNER_PREFIX = "Asterisk Call Manager"
# Bounds: a real AMI line is well under 1 KiB and an event under 8 KiB
# (ChanVariable lines included); anything far bigger is not worth buffering.
MAX_LINE_BYTES = 64 * 1024
MAX_MESSAGE_BYTES = 256 * 1024
MAX_HEADERS = 1000
MAX_QUEUED_EVENTS = 10_000
_READ_CHUNK = 64 * 1024


class AmiError(Exception):
    """Anything that ends or refuses an AMI conversation; str() is a one-line reason."""


class AmiConnectError(AmiError):
    """The exchange could not be reached (refused, unreachable, no answer)."""


class AmiProtocolError(AmiError):
    """The other side does not speak AMI (no `Asterisk Call Manager` banner)."""


class AmiAuthError(AmiError):
    """Login refused: wrong username or secret, a denied address, or a login already in use."""


class AmiLoginInUse(AmiError):
    """Login refused because the user is logged in elsewhere (`allowmultiplelogin = no`);
    unlike a wrong secret this passes once the other session ends."""


class AmiTimeout(AmiError):
    """No answer in time (banner, an action, a keep-alive Ping)."""


class AmiActionError(AmiError):
    """The exchange answered an action with `Response: Error`."""


class AmiConnectionClosed(AmiError):
    """The connection ended (closed by the exchange, reset, or declared dead)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One AMI message: its headers in order, repeated keys kept (e.g. ChanVariable)."""

    headers: tuple[tuple[str, str], ...]

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of `key` (case-insensitive, as Asterisk reads headers)."""
        wanted = key.lower()
        for k, v in self.headers:
            if k.lower() == wanted:
                return v
        return default

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [v for k, v in self.headers if k.lower() == wanted]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    def as_dict(self) -> dict[str, str]:
        """First value of every key (for logs and tests)."""
        out: dict[str, str] = {}
        for k, v in self.headers:
            out.setdefault(k, v)
        return out


@dataclass(frozen=True, slots=True)
class Banner:
    text: str

    @property
    def version(self) -> str:
        return self.text.partition("/")[2].strip()


@dataclass(frozen=True, slots=True)
class Problem:
    """Input that was skipped. kind: garbage_line, oversized_line, oversized_message,
    truncated_message, headerless_message."""

    kind: str
    detail: str


PROBLEM_TEXT = {
    "garbage_line": "a line that is not 'Key: Value' was skipped",
    "oversized_line": "a line longer than the bound was skipped with its message",
    "oversized_message": "a message larger than the bound was skipped",
    "truncated_message": "a message cut short (a new message began before its blank line) was skipped",
    "headerless_message": "a block with neither Event nor Response was skipped",
}


def _os_reason(exc: OSError) -> str:
    # "Connection refused" rather than asyncio's "Connect call failed ('10.0.0.5', 5038)".
    if exc.errno and exc.errno > 0:
        return os.strerror(exc.errno).lower()
    return exc.strerror or str(exc) or type(exc).__name__


def _valid_key(key: str) -> bool:
    # Asterisk's keys are single tokens (Event, ChanVariable, DestCallerIDNum, ...).
    return bool(key) and len(key) <= 100 and not any(c.isspace() or ord(c) < 32 for c in key)


class Parser:
    """Bytes in, `Banner` / `Message` / `Problem` items out. Never raises on input."""

    def __init__(
        self,
        *,
        expect_banner: bool = True,
        max_line: int = MAX_LINE_BYTES,
        max_message: int = MAX_MESSAGE_BYTES,
        max_headers: int = MAX_HEADERS,
    ) -> None:
        self._expect_banner = expect_banner
        self._max_line = max_line
        self._max_message = max_message
        self._max_headers = max_headers
        self._buffer = bytearray()
        self._skip_line = False  # dropping the rest of an oversized line
        self._headers: list[tuple[str, str]] = []
        self._size = 0
        self._discarding = False  # dropping the rest of an oversized message

    def feed(self, data: bytes) -> list[Banner | Message | Problem]:
        out: list[Banner | Message | Problem] = []
        self._buffer += data
        start = 0
        while True:
            end = self._buffer.find(b"\n", start)
            if end < 0:
                break
            raw = bytes(self._buffer[start:end])
            start = end + 1
            if self._skip_line:
                self._skip_line = False
                continue
            if len(raw) > self._max_line:
                self._oversized_line(out)
                continue
            self._line(raw.rstrip(b"\r").decode("utf-8", "replace"), out)
        del self._buffer[:start]
        if len(self._buffer) > self._max_line:
            self._buffer.clear()
            if not self._skip_line:
                self._skip_line = True
                self._oversized_line(out)
        return out

    def feed_eof(self) -> list[Problem]:
        """The stream ended: a message or line left unfinished is reported, not delivered."""
        out: list[Problem] = []
        if self._headers or (self._buffer and not self._skip_line and self._buffer.strip()):
            detail = self._describe() or bytes(self._buffer[:80]).decode("utf-8", "replace")
            out.append(Problem("truncated_message", f"the connection ended inside a message: {detail}"))
        self._buffer.clear()
        self._reset()
        return out

    def _oversized_line(self, out: list[Banner | Message | Problem]) -> None:
        if self._discarding:
            return
        out.append(Problem("oversized_line", f"a line over {self._max_line} bytes in {self._describe() or 'no message'}"))
        if self._headers:  # the message lost a header: drop all of it
            self._headers.clear()
            self._discarding = True

    def _describe(self) -> str:
        for k, v in self._headers:
            if k.lower() in ("event", "response"):
                return f"{k}: {v[:60]}"
        return ""

    def _reset(self) -> None:
        self._headers = []
        self._size = 0
        self._discarding = False

    def _line(self, line: str, out: list[Banner | Message | Problem]) -> None:
        if self._expect_banner:
            self._expect_banner = False
            out.append(Banner(line.strip()))
            return
        if not line.strip():
            if self._headers and not self._discarding:
                if any(k.lower() in ("event", "response") for k, _ in self._headers):
                    out.append(Message(tuple(self._headers)))
                else:
                    shown = "; ".join(f"{k}: {v[:30]}" for k, v in self._headers[:3])
                    out.append(Problem("headerless_message", shown))
            self._reset()
            return
        key, sep, value = line.partition(":")
        if not sep or not _valid_key(key):
            out.append(Problem("garbage_line", line[:80]))
            return
        if key.lower() == "privilege" and not self._discarding and any(
            k.lower() == "privilege" for k, _ in self._headers
        ):
            # Every event starts 'Event: X' then 'Privilege: ...' (manager.c), so a second
            # Privilege means a new event began inside a half line ('ChannEvent: X'):
            # the old one was cut short, the new one is recovered.
            start_key, start_value = self._headers.pop()
            out.append(Problem("truncated_message", self._describe()))
            self._reset()
            glued = f"{start_key}: {start_value}"
            cut = glued.rfind("Event:")
            if cut > 0:
                self._headers.append(("Event", glued[cut + len("Event:"):].strip()))
        if key.lower() in ("event", "response"):
            if self._discarding:
                # No message has two of these: this line starts the next message.
                self._reset()
            elif any(k.lower() in ("event", "response") for k, _ in self._headers):
                # A message began before the last one was closed: the last one was cut short.
                out.append(Problem("truncated_message", self._describe()))
                self._reset()
        if self._discarding:
            return
        self._headers.append((key, value.strip()))
        self._size += len(line) + 2
        if len(self._headers) > self._max_headers or self._size > self._max_message:
            out.append(Problem("oversized_message", f"{self._describe() or 'a message'} past {self._max_message} bytes"))
            self._headers.clear()
            self._discarding = True


def encode_action(name: str, action_id: str, headers: Mapping[str, str] | None = None) -> bytes:
    """`Action: name` + ActionID + headers, closed by a blank line. A value with a
    line break would smuggle a header (or a second action): refused."""
    lines = [("Action", name), ("ActionID", action_id), *((headers or {}).items())]
    parts = []
    for key, value in lines:
        value = str(value)
        if not _valid_key(key) or "\r" in value or "\n" in value:
            raise ValueError(f"AMI header {key!r} has a line break or is not a single token")
        parts.append(f"{key}: {value}\r\n")
    parts.append("\r\n")
    return "".join(parts).encode()


@dataclass(frozen=True, slots=True)
class EventList:
    """The answer to a list action: its response, the listed events, the closing event."""

    response: Message
    items: tuple[Message, ...]
    complete: Message | None


@dataclass(slots=True)
class _Pending:
    name: str
    future: asyncio.Future[Message | EventList]
    listing: bool = False
    response: Message | None = None
    items: list[Message] = field(default_factory=list)


_CLOSED = object()


class AmiConnection:
    """One logged-in (or about to be) AMI session.

    A reader task answers pending actions by ActionID and queues every other
    event for `next_event()`. Once the connection ends, every pending action
    and `next_event()` raise the reason (`close_reason`).
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        peer: str = "",
        max_queued_events: int = MAX_QUEUED_EVENTS,
        max_line: int = MAX_LINE_BYTES,
        max_message: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.peer = peer
        self.banner: Banner | None = None
        self._parser = Parser(max_line=max_line, max_message=max_message)
        self._early: list[Message | Problem] = []  # what arrived with the banner
        self._events: asyncio.Queue[object] = asyncio.Queue(max_queued_events)
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._prefix = f"cc142-{secrets.token_hex(3)}-"
        self._reader_task: asyncio.Task[None] | None = None
        self._keepalive_task: asyncio.Task[None] | None = None
        self._closed = False
        self.close_reason: AmiError | None = None
        self.problems: Counter[str] = Counter()

    # -- opening ---------------------------------------------------------------

    @classmethod
    async def open(
        cls, host: str, port: int, *, timeout: float = 10.0, **options: int
    ) -> "AmiConnection":
        """Connect and read the banner. Raises AmiConnectError, AmiTimeout, AmiProtocolError."""
        peer = f"{host}:{port}"
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except TimeoutError:
            raise AmiConnectError(f"cannot connect to AMI at {peer}: no answer within {timeout:g} s") from None
        except OSError as exc:
            raise AmiConnectError(f"cannot connect to AMI at {peer}: {_os_reason(exc)}") from None
        conn = cls(reader, writer, peer=peer, **options)
        try:
            await asyncio.wait_for(conn._read_banner(), timeout)
        except TimeoutError:
            await conn.close()
            raise AmiTimeout(f"AMI at {peer} sent no banner within {timeout:g} s") from None
        except AmiError:
            await conn.close()
            raise
        conn._reader_task = asyncio.create_task(conn._read_loop(), name=f"ami-reader {peer}")
        return conn

    async def _read_banner(self) -> None:
        while self.banner is None:
            data = await self._read_chunk()
            if not data:
                raise AmiConnectionClosed(f"AMI at {self.peer} closed the connection before its banner")
            for item in self._parser.feed(data):
                if isinstance(item, Banner):
                    if not item.text.startswith(BANNER_PREFIX):
                        raise AmiProtocolError(
                            f"{self.peer} is not an Asterisk manager interface: it greeted with {item.text[:60]!r}"
                        )
                    self.banner = item
                else:
                    self._early.append(item)

    async def _read_chunk(self) -> bytes:
        try:
            return await self._reader.read(_READ_CHUNK)
        except OSError as exc:
            raise AmiConnectionClosed(f"AMI connection to {self.peer} failed: {_os_reason(exc)}") from None

    # -- reading ---------------------------------------------------------------

    async def _read_loop(self) -> None:
        reason: AmiError = AmiConnectionClosed(f"the exchange closed the AMI connection ({self.peer})")
        try:
            for item in self._early:
                await self._dispatch(item)
            self._early.clear()
            while data := await self._read_chunk():
                for item in self._parser.feed(data):
                    await self._dispatch(item)
        except AmiError as exc:
            reason = exc
        except asyncio.CancelledError:
            reason = self.close_reason or AmiConnectionClosed("the AMI connection was closed")
            raise
        finally:
            for problem in self._parser.feed_eof():  # half a message when the line died
                self._problem(problem)
            self._shutdown(reason)

    async def _dispatch(self, item: Banner | Message | Problem) -> None:
        if isinstance(item, Problem):
            self._problem(item)
            return
        if isinstance(item, Banner):  # never after the first line; keeps the type checker honest
            return
        action_id = item.action_id
        pending = self._pending.get(action_id) if action_id else None
        if item.response is not None:
            if pending is None:
                log.debug("AMI response to no pending action: %s", item.as_dict())
                return
            self._answer(action_id or "", pending, item)
            return
        if pending is not None and pending.listing:
            if (item.get("EventList") or "").lower() == "complete":
                self._pending.pop(action_id or "", None)
                if not pending.future.done():
                    assert pending.response is not None
                    pending.future.set_result(EventList(pending.response, tuple(pending.items), item))
            else:
                pending.items.append(item)
            return
        # An ordinary event: wait for room (a slow consumer slows the reading, not memory).
        await self._events.put(item)

    def _answer(self, action_id: str, pending: _Pending, response: Message) -> None:
        if (response.response or "").lower() == "error":
            self._pending.pop(action_id, None)
            if not pending.future.done():
                pending.future.set_exception(
                    AmiActionError(f"{pending.name}: {response.get('Message') or 'Response: Error'}")
                )
            return
        if pending.listing and (response.get("EventList") or "").lower() == "start":
            pending.response = response  # the items and the closing event follow
            return
        self._pending.pop(action_id, None)
        if not pending.future.done():
            pending.future.set_result(EventList(response, (), None) if pending.listing else response)

    def _problem(self, problem: Problem) -> None:
        self.problems[problem.kind] += 1
        if self.problems[problem.kind] == 1:
            log.warning(
                "AMI %s: %s (%s); further ones on this connection are counted, not logged",
                self.peer, PROBLEM_TEXT.get(problem.kind, problem.kind), problem.detail,
            )
        else:
            log.debug("AMI %s: %s: %s", self.peer, problem.kind, problem.detail)

    # -- events ----------------------------------------------------------------

    async def next_event(self) -> Message:
        """The next event; raises the close reason once the connection has ended and
        every event received before has been taken."""
        if self._closed and self._events.empty():
            raise self._reason()
        item = await self._events.get()
        if item is _CLOSED:
            self._events.put_nowait(_CLOSED)  # later callers see it too
            raise self._reason()
        assert isinstance(item, Message)
        return item

    def take_events(self, limit: int) -> list[Message]:
        """Events already received, without waiting (at most `limit`)."""
        out: list[Message] = []
        while len(out) < limit and not self._events.empty():
            item = self._events.get_nowait()
            if item is _CLOSED:
                self._events.put_nowait(_CLOSED)
                break
            assert isinstance(item, Message)
            out.append(item)
        return out

    @property
    def closed(self) -> bool:
        return self._closed

    def _reason(self) -> AmiError:
        return self.close_reason or AmiConnectionClosed("the AMI connection was closed")

    # -- actions ---------------------------------------------------------------

    def _next_id(self) -> str:
        return f"{self._prefix}{next(self._ids)}"

    async def _send(self, name: str, headers: Mapping[str, str] | None, *, listing: bool) -> tuple[str, _Pending]:
        if self._closed:
            raise self._reason()
        action_id = self._next_id()
        data = encode_action(name, action_id, headers)
        pending = _Pending(name, asyncio.get_running_loop().create_future(), listing=listing)
        self._pending[action_id] = pending
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (OSError, RuntimeError) as exc:
            self._pending.pop(action_id, None)
            self._shutdown(AmiConnectionClosed(f"AMI connection to {self.peer} failed: {exc}"))
            raise self._reason() from None
        return action_id, pending

    async def _wait(self, action_id: str, pending: _Pending, timeout: float) -> Message | EventList:
        try:
            return await asyncio.wait_for(pending.future, timeout)
        except TimeoutError:
            raise AmiTimeout(f"no answer to {pending.name} within {timeout:g} s from {self.peer}") from None
        finally:
            self._pending.pop(action_id, None)

    async def action(self, name: str, headers: Mapping[str, str] | None = None, *, timeout: float = 10.0) -> Message:
        """Send an action; its response (raises AmiActionError on `Response: Error`)."""
        action_id, pending = await self._send(name, headers, listing=False)
        result = await self._wait(action_id, pending, timeout)
        assert isinstance(result, Message)
        return result

    async def action_list(
        self, name: str, headers: Mapping[str, str] | None = None, *, timeout: float = 30.0
    ) -> EventList:
        """Send a list action (QueueStatus, ...) and collect its events up to `EventList: Complete`."""
        action_id, pending = await self._send(name, headers, listing=True)
        result = await self._wait(action_id, pending, timeout)
        assert isinstance(result, EventList)
        return result

    async def login(self, username: str, secret: str, *, events: bool = True, timeout: float = 10.0) -> Message:
        """`Action: Login`. A refusal raises AmiAuthError with the exchange's words."""
        try:
            return await self.action(
                "Login", {"Username": username, "Secret": secret, "Events": "on" if events else "off"},
                timeout=timeout,
            )
        except AmiActionError as exc:
            said = str(exc).removeprefix("Login: ")
            if "in use" in said.lower():
                raise AmiLoginInUse(
                    f"AMI login as {username!r} refused by {self.peer}: {said} "
                    "(allowmultiplelogin = no, and another session of this user is still logged in)"
                ) from None
            raise AmiAuthError(
                f"AMI login as {username!r} refused by {self.peer}: {said}"
                + (" (check AMI_USERNAME / AMI_SECRET and the user's permit/deny in manager.conf)"
                   if "authentication" in said.lower() else "")
            ) from None

    async def ping(self, *, timeout: float = 10.0) -> None:
        await self.action("Ping", timeout=timeout)

    def start_keepalive(self, interval: float, timeout: float) -> None:
        """Ping every `interval` s; no answer within `timeout` s declares the connection dead."""
        if self._keepalive_task is None:
            self._keepalive_task = asyncio.create_task(
                self._keepalive(interval, timeout), name=f"ami-keepalive {self.peer}"
            )

    async def _keepalive(self, interval: float, timeout: float) -> None:
        while not self._closed:
            await asyncio.sleep(interval)
            if self._events.full():
                continue  # we are the slow side; the exchange is not silent
            try:
                await self.ping(timeout=timeout)
            except AmiTimeout:
                self._shutdown(AmiTimeout(
                    f"no answer to Ping within {timeout:g} s from {self.peer}: the connection is declared dead"
                ))
                return
            except AmiError:
                return

    # -- closing ---------------------------------------------------------------

    def _shutdown(self, reason: AmiError) -> None:
        if self._closed:
            return
        self._closed = True
        self.close_reason = reason
        current = asyncio.current_task()
        for task in (self._reader_task, self._keepalive_task):
            if task is not None and task is not current and not task.done():
                task.cancel()
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(reason)
                pending.future.exception()  # retrieved: nobody may be waiting any more
        self._pending.clear()
        if self._events.empty():
            self._events.put_nowait(_CLOSED)
        self._writer.close()

    async def logoff(self, *, timeout: float = 2.0) -> None:
        """`Action: Logoff` (the exchange answers Goodbye and hangs up), then close."""
        if not self._closed:
            try:
                await self.action("Logoff", timeout=timeout)
            except AmiError:
                pass
        await self.close()

    async def close(self) -> None:
        self._shutdown(AmiConnectionClosed(f"the AMI connection to {self.peer} was closed by us"))
        tasks = [t for t in (self._reader_task, self._keepalive_task) if t is not None and t is not asyncio.current_task()]
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, AmiError):
                pass
        try:
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)
        except (OSError, TimeoutError):
            pass

    async def __aenter__(self) -> "AmiConnection":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


def iter_messages(text: str) -> Iterator[Message]:
    """The messages of an AMI transcript (no banner), problems skipped; for tools and tests."""
    parser = Parser(expect_banner=False)
    for item in [*parser.feed(text.encode()), *parser.feed("\r\n".encode()), *parser.feed_eof()]:
        if isinstance(item, Message):
            yield item
