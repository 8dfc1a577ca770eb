"""The long-running AMI connection: connect, log in, map, hand over, reconnect.

`AmiConnector.run()` runs until cancelled (the runtime runs it under the
leader lock, so exactly one process holds the connection). Per connection:
banner, `Login` with `Events: on`, a keep-alive `Ping`, then `QueueStatus`
(callers waiting now, members and their pause state) so the live picture
comes back at once after every (re)connect, then events for as long as the
connection lives. Mapped call events go to `on_calls` and agent-state
events to `on_agents`, in batches of what has arrived; a batch that cannot
be handed over (the database is down) is retried until it can, never
dropped. A lost connection is retried with exponential back-off and
jitter; a refused login is retried rarely (it will not fix itself, and
Asterisk may ban an address that keeps failing).

Nothing an exchange sends can stop it: bad lines and unknown events are
counted and logged once, a known event without what it needs is counted
as invalid, and the events around them are kept.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from contact_center.calls.ami.mapping import AgentStateEvent, CallMemory, Outcome, map_message
from contact_center.calls.ami.protocol import AmiActionError, AmiAuthError, AmiConnection, AmiError
from contact_center.calls.ami.wire import Message
from contact_center.calls.pbx_ingest import PbxEventIn
from contact_center.config import Settings

log = logging.getLogger("contact_center.calls.ami")

CallSink = Callable[[Sequence[PbxEventIn]], Awaitable[object]]
AgentSink = Callable[[Sequence[AgentStateEvent]], Awaitable[object]]


class State(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    AUTH_FAILED = "auth_failed"


@dataclass(frozen=True)
class AmiConfig:
    host: str
    port: int = 5038
    username: str = ""
    secret: str = field(default="", repr=False)
    queues: frozenset[str] = frozenset()  # casefolded; empty: every queue
    connect_timeout: float = 10.0
    action_timeout: float = 30.0  # QueueStatus on a large exchange takes a moment
    ping_interval: float = 20.0
    ping_timeout: float = 10.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    auth_retry_seconds: float = 300.0
    delivery_retry_max: float = 30.0
    max_batch: int = 500

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> "AmiConfig":
        config = cls(
            host=settings.ami_host,
            port=settings.ami_port,
            username=settings.ami_username,
            secret=settings.ami_secret,
            queues=frozenset(q.casefold() for q in settings.ami_queues),
        )
        return replace(config, **overrides) if overrides else config

    @property
    def peer(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class AmiStatus:
    """What /readyz and /metrics show. Counters count AMI events (not bytes):
    `events` received, `mapped` that gave our events, `ignored` (known and of no
    use, or unknown), `filtered` (queues outside AMI_QUEUES), `invalid` (known but
    lacking what they need), `garbage` (lines and blocks that are not AMI)."""

    state: State = State.DISCONNECTED
    peer: str = ""
    last_error: str | None = None  # the latest failure, kept after a reconnect (see state)
    last_error_at: datetime | None = None
    last_event_at: datetime | None = None
    connected_since: datetime | None = None
    asterisk: str | None = None  # the banner's version
    events: int = 0
    mapped: int = 0
    ignored: int = 0
    filtered: int = 0
    invalid: int = 0
    garbage: int = 0
    reconnects: int = 0
    snapshots: int = 0  # QueueStatus replies taken (one per connection)
    call_events: int = 0  # handed to on_calls
    agent_events: int = 0  # handed to on_agents
    delivery_failures: int = 0

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = dict(self.__dict__)
        out["state"] = self.state.value
        for key in ("last_error_at", "last_event_at", "connected_since"):
            value = out[key]
            out[key] = value.isoformat() if isinstance(value, datetime) else None
        return out


class AmiConnector:
    def __init__(
        self,
        config: AmiConfig,
        *,
        on_calls: CallSink,
        on_agents: AgentSink | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._on_calls = on_calls
        self._on_agents = on_agents
        self._rng = rng or random.Random()
        self._memory = CallMemory()
        self._status = AmiStatus(peer=config.peer)
        self._told: set[str] = set()  # log-once keys
        self._connected = asyncio.Event()
        self._garbage_counted = 0  # of the current connection's problems

    # -- what others read -----------------------------------------------------

    @property
    def status(self) -> AmiStatus:
        """A copy: safe to serialise while the connector runs."""
        return replace(self._status)

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Until a connection is logged in and its QueueStatus handed over."""
        await asyncio.wait_for(self._connected.wait(), timeout)

    # -- the loop ---------------------------------------------------------------

    async def run(self) -> None:
        """Until cancelled. Cancelling logs off cleanly."""
        attempt = 0
        first = True
        try:
            while True:
                if not first:
                    self._status.reconnects += 1
                first = False
                try:
                    await self._session()
                except AmiAuthError as exc:
                    self._set_state(State.AUTH_FAILED, str(exc))
                    self._once(f"auth:{exc}", logging.ERROR, "%s; retrying every %g s",
                               exc, self.config.auth_retry_seconds)
                    delay = self.config.auth_retry_seconds
                except AmiError as exc:
                    self._set_state(State.DISCONNECTED, str(exc))
                    self._once(f"down:{exc}", logging.WARNING, "AMI: %s; reconnecting with back-off", exc)
                    delay = self._backoff(attempt)
                except Exception as exc:  # noqa: BLE001 - a bug must not end the feed
                    self._set_state(State.DISCONNECTED, f"internal error: {exc!r}")
                    log.exception("AMI connector: unexpected error; reconnecting")
                    delay = self._backoff(attempt)
                # A connection that got as far as its QueueStatus starts the back-off afresh.
                attempt = 0 if self._connected.is_set() else attempt + 1
                self._connected.clear()
                await asyncio.sleep(delay)
        finally:
            self._connected.clear()
            if self._status.state != State.AUTH_FAILED:
                self._set_state(State.DISCONNECTED)

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with full jitter over its upper half (no herd after an outage)."""
        ceiling = min(self.config.backoff_max, self.config.backoff_initial * (2 ** min(attempt, 30)))
        return ceiling * self._rng.uniform(0.5, 1.0)

    async def _session(self) -> None:
        """One connection, from connect to its end (raises why it ended)."""
        self._set_state(State.CONNECTING)
        conn = await AmiConnection.open(self.config.host, self.config.port, timeout=self.config.connect_timeout)
        try:
            await conn.login(self.config.username, self.config.secret, events=True,
                             timeout=self.config.connect_timeout)
            conn.start_keepalive(self.config.ping_interval, self.config.ping_timeout)
            self._status.asterisk = conn.banner.version if conn.banner else None
            self._status.connected_since = datetime.now(UTC)
            self._set_state(State.CONNECTED)
            self._told = {k for k in self._told if not k.startswith(("down:", "auth:"))}
            log.info("AMI connected to %s (%s)", self.config.peer, conn.banner.text if conn.banner else "?")
            await self._replay_queue_status(conn)
            self._connected.set()
            while True:
                first = await conn.next_event()
                batch = [first, *conn.take_events(self.config.max_batch - 1)]
                await self._process(batch, snapshot=False)
                self._count_garbage(conn)
        finally:
            self._count_garbage(conn)
            await self._close(conn)
            self._garbage_counted = 0

    async def _replay_queue_status(self, conn: AmiConnection) -> None:
        """QueueStatus after every (re)connect: who waits now, who is a member, who is
        paused. Events that arrived before its reply are handled first, so that what
        they say is known when the snapshot is read."""
        try:
            listing = await conn.action_list("QueueStatus", timeout=self.config.action_timeout)
        except AmiActionError as exc:
            self._once(f"queuestatus:{exc}", logging.ERROR,
                       "AMI: QueueStatus refused (%s): the live picture waits for new events", exc)
            return
        early = conn.take_events(10**9)
        if early:
            await self._process(early, snapshot=False)
        await self._process(list(listing.items), snapshot=True)
        self._status.snapshots += 1
        queues = {m.get("Queue") for m in listing.items if m.event == "QueueParams"}
        log.info("AMI QueueStatus: %d queue(s), %d member(s), %d caller(s) waiting",
                 len(queues), sum(m.event == "QueueMember" for m in listing.items),
                 sum(m.event == "QueueEntry" for m in listing.items))

    async def _close(self, conn: AmiConnection) -> None:
        task = asyncio.current_task()
        try:
            if task is not None and task.cancelling():  # stopping: say goodbye
                await asyncio.wait_for(conn.logoff(timeout=1.0), 1.5)
            else:
                await conn.close()
        except (AmiError, TimeoutError, OSError):
            await conn.close()

    def _count_garbage(self, conn: AmiConnection) -> None:
        total = sum(conn.problems.values())
        self._status.garbage += total - self._garbage_counted
        self._garbage_counted = total

    # -- mapping and handing over ----------------------------------------------

    async def _process(self, messages: Sequence[Message], *, snapshot: bool) -> None:
        received_at = datetime.now(UTC)
        calls: list[PbxEventIn] = []
        agents: list[AgentStateEvent] = []
        status = self._status
        for msg in messages:
            status.events += 1
            try:
                result = map_message(msg, received_at=received_at, queues=self.config.queues,
                                     memory=self._memory, snapshot=snapshot)
            except Exception:  # noqa: BLE001 - one odd event must not stop the others
                status.invalid += 1
                if self._first(f"crash:{msg.event}"):
                    log.exception("AMI: could not map a %s event; skipped", msg.event)
                continue
            if result.outcome is Outcome.MAPPED:
                status.mapped += 1
                calls.extend(result.calls)
                agents.extend(result.agents)
                self._memory.note(result.calls)
            elif result.outcome is Outcome.FILTERED:
                status.filtered += 1
                self._once(f"queue:{result.detail}", logging.INFO,
                           "AMI: ignoring events of queue %r (not in AMI_QUEUES)", result.detail)
            elif result.outcome is Outcome.UNKNOWN:
                status.ignored += 1
                self._once(f"unknown:{result.detail}", logging.INFO,
                           "AMI: ignoring %s events (not a queue event we use)", result.detail)
            elif result.outcome is Outcome.INVALID:
                status.invalid += 1
                self._once(f"invalid:{result.detail}", logging.WARNING, "AMI: skipped %s", result.detail)
            else:
                status.ignored += 1
        if not snapshot and messages:
            status.last_event_at = received_at
        if calls:
            await self._hand_over(self._on_calls, calls)
            status.call_events += len(calls)
        if agents and self._on_agents is not None:
            await self._hand_over(self._on_agents, agents)
            status.agent_events += len(agents)

    async def _hand_over(self, sink: Callable[[Any], Awaitable[object]], items: list[Any]) -> None:
        """Until it succeeds: the events are the exchange's only report of these calls."""
        delay = 0.5
        while True:
            try:
                await sink(items)
                return
            except Exception as exc:  # noqa: BLE001 - the database may be down: wait, retry
                self._status.delivery_failures += 1
                if self._status.delivery_failures == 1 or delay >= self.config.delivery_retry_max:
                    log.error("AMI: could not store %d event(s) (%r); retrying in %.1f s", len(items), exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.delivery_retry_max)

    # -- state and logging ---------------------------------------------------

    def _set_state(self, state: State, error: str | None = None) -> None:
        self._status.state = state
        if error is not None:
            self._status.last_error = error
            self._status.last_error_at = datetime.now(UTC)
        if state != State.CONNECTED:
            self._status.connected_since = None

    def _first(self, key: str) -> bool:
        if key in self._told:
            return False
        self._told.add(key)
        return True

    def _once(self, key: str, level: int, fmt: str, *args: object) -> None:
        """Log once per key: an exchange repeating itself is not news."""
        if self._first(key):
            log.log(level, fmt, *args)
        else:
            log.debug(fmt, *args)
