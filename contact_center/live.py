"""The LISTEN side of live events: one asyncpg connection per process
(started by the runtime, contact_center/runtime.py, as LIVE_HUB).

`contact_center.events.publish()` sends events with pg_notify inside the
writer's transaction; every backend process LISTENs on the same channel,
so an event published by any process reaches the consoles connected to
every other one. The hub keeps the connection alive (reconnecting with
backoff), numbers the events it hears, keeps the recent ones for polling
clients, and fans each one out to the subscribers allowed to see it.

Who may see an event is said by its audience (contact_center.events); the
audience is stripped before the event leaves the server.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from contact_center.events import CHANNEL, LISTENER, RESYNC, decode

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveEvent:
    seq: int
    topic: str
    data: dict[str, Any]
    audience: dict[str, Any] | None

    def wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "topic": self.topic, "data": self.data}


Predicate = Callable[[LiveEvent], bool]


@dataclass(eq=False)
class Subscription:
    accepts: Predicate
    queue: asyncio.Queue[LiveEvent] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    overflowed: bool = False


class LiveHub:
    """LISTEN on `cc142_events` and fan events out to subscribers in this process."""

    def __init__(self, dsn: str, *, channel: str = CHANNEL, keep: int = 2000) -> None:
        self.dsn = dsn
        self.channel = channel
        # Clients polling across a restart see a new epoch and start over.
        self.epoch = secrets.token_hex(6)
        self.seq = 0
        self.listening = False
        self._recent: collections.deque[LiveEvent] = collections.deque(maxlen=keep)
        self._subs: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._new_events = asyncio.Event()
        self._stopping = False
        self._conn: asyncpg.Connection | None = None

    # --- life cycle -----------------------------------------------------
    async def start(self, *, wait: float = 10.0) -> None:
        self._task = asyncio.create_task(self._run(), name="cc142-live-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), wait)

    async def stop(self) -> None:
        self._stopping = True
        if self._conn is not None and not self._conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._conn.close(), 2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        delay = 0.2
        connected_before = False
        while not self._stopping:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(self.dsn, timeout=5)
                self._conn = conn
                conn.add_termination_listener(lambda _c: lost.set())
                await conn.add_listener(self.channel, self._on_notify)
                self._set_listening(True)
                self._ready.set()
                if connected_before:
                    # Events published while we were away are lost to us.
                    self._emit(RESYNC, {})
                connected_before = True
                delay = 0.2
                while not lost.is_set() and not self._stopping:
                    try:
                        await asyncio.wait_for(lost.wait(), 15)
                    except TimeoutError:
                        # A half-open TCP connection raises no termination; ask.
                        await asyncio.wait_for(conn.fetchval("SELECT 1"), 5)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure means: reconnect
                if not self._stopping:
                    log.warning("live listener: %s; reconnecting in %.1fs", exc, delay)
            finally:
                self._set_listening(False)
                conn_ = self._conn
                self._conn = None
                if conn_ is not None and not conn_.is_closed():
                    with contextlib.suppress(Exception):
                        conn_.terminate()
            if self._stopping:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _set_listening(self, value: bool) -> None:
        if self.listening != value:
            self.listening = value
            self._emit(LISTENER, {"listening": value}, keep=False)

    # --- events ---------------------------------------------------------
    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = decode(payload)
        except ValueError:
            log.warning("live listener: ignoring a malformed event %.200r", payload)
            return
        self._emit(event.topic, event.data, event.audience)

    def _emit(
        self, topic: str, data: dict[str, Any], audience: dict[str, Any] | None = None, *, keep: bool = True
    ) -> LiveEvent:
        self.seq += 1
        event = LiveEvent(self.seq, topic, data, audience)
        if keep:
            self._recent.append(event)
        for sub in list(self._subs):
            if not sub.accepts(event):
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                # A client that stopped reading must not hold memory: it resyncs.
                sub.overflowed = True
        # Wake long-polling requests: they wait on the current generation's Event.
        self._new_events.set()
        self._new_events = asyncio.Event()
        return event

    def emit_local(self, topic: str, data: dict[str, Any], audience: dict[str, Any] | None = None) -> LiveEvent:
        """Deliver an event to this process's subscribers only (tests, diagnostics)."""
        return self._emit(topic, data, audience)

    @contextlib.contextmanager
    def subscribe(self, accepts: Predicate) -> Iterator[Subscription]:
        sub = Subscription(accepts)
        self._subs.add(sub)
        try:
            yield sub
        finally:
            self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def since(self, seq: int, accepts: Predicate) -> list[LiveEvent] | None:
        """Kept events after `seq` that `accepts`; None when some were already dropped."""
        if self._recent and seq < self._recent[0].seq - 1:
            return None
        return [e for e in self._recent if e.seq > seq and accepts(e)]

    async def wait_for_events(self, seq: int, timeout: float) -> None:
        """Return when an event newer than `seq` exists, or after `timeout` seconds."""
        generation = self._new_events
        if self.seq > seq:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(generation.wait(), timeout)
