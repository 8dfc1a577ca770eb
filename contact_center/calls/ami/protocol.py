"""An AMI session on asyncio streams: banner, login, actions, events, keep-alive.

Our own small client (the asyncio AMI libraries on PyPI are unmaintained).
Actions carry an `ActionID` that their response (and, for list actions such
as QueueStatus, every event of the list up to its `EventList: Complete`
event) repeats; everything else is an event, queued for the reader of the
connection. Framing and bad input are wire.py's.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from contact_center.calls.ami.wire import (
    BANNER_PREFIX,
    MAX_LINE_BYTES,
    MAX_MESSAGE_BYTES,
    PROBLEM_TEXT,
    Banner,
    Message,
    Parser,
    Problem,
    encode_action,
)

log = logging.getLogger("contact_center.calls.ami")

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


def _os_reason(exc: OSError) -> str:
    # "Connection refused" rather than asyncio's "Connect call failed ('10.0.0.5', 5038)".
    if exc.errno and exc.errno > 0:
        return os.strerror(exc.errno).lower()
    return exc.strerror or str(exc) or type(exc).__name__


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


