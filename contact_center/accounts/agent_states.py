"""Agent states, one model for every source: merged into intervals, order-independently.

Sources (each becomes `AgentEventIn`s, stored in `agent_events`, a repeated
`event_id` adds nothing):

- the exchange: JSON agent events (`agent_login`, `agent_logoff`,
  `agent_pause` + reason, `agent_unpause`), queue_log agent lines and AMI
  member events: queue membership and pauses, keyed by extension;
- call events: `answered` -> on_call, `completed`/`transferred` -> wrap_up
  for the answering extension (contact_center/calls/pbx_record.py);
- the console: signing in/out and the agent's own pause with a reason
  (`agent_status.set_status`), saving a registration ends the wrap-up.

The state machine (`Machine`) per agent key (the extension, or "user:<id>"
for a console user without one): the queues it is a member of, signed in to
the console or not, paused (+ reason), and the call (on_call / wrap_up).
Its visible state: on_call and wrap_up win (the exchange knows); otherwise
offline unless logged in (a member of a queue or signed in to the console);
paused with its reason; else available. Wrap-up ends `wrap_up_seconds`
after the call, or when the agent saves the registration.

Merging: events are applied in (time, kind, event_id) order, so the same
set of events gives the same intervals whatever order they arrived in. A
new event at time T replays that agent from the start of the interval
before T, whose `machine` column holds the full state after its start;
intervals from there on are rebuilt. A transaction-scoped advisory lock per
agent serialises concurrent merges of one agent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.events import agent_state, publish

# Applied in this order when several events share a timestamp (deterministic: a
# later kind wins): leaving before joining, an unpause before a pause, the end of
# a call before the next one.
KIND_ORDER = {
    "logoff": 0, "console_off": 1, "login": 2, "console_on": 3, "unpause": 4, "pause": 5,
    "wrap_up": 6, "wrap_up_end": 7, "on_call": 8,
}
ALL_QUEUES = "*"  # a login without a queue (queue_log AGENTLOGIN with NONE)


@dataclass(frozen=True, slots=True)
class AgentEventIn:
    event_id: str
    agent: str
    kind: str
    at: datetime
    source: str
    queue: str | None = None
    reason: str | None = None
    call_id: str | None = None
    seconds: int | None = None  # wrap_up: how long it lasts (WRAP_UP_SECONDS when the call ended)

    def sort_key(self) -> tuple[datetime, int, str]:
        return (self.at, KIND_ORDER[self.kind], self.event_id)


def event_id_for(*parts: object) -> str:
    """A stable id from what identifies an event (for sources without their own)."""
    return "ag:" + hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()


@dataclass
class Machine:
    queues: set[str] = field(default_factory=set)
    console: bool = False
    paused: bool = False
    reason: str | None = None
    call: str | None = None  # on_call | wrap_up
    call_id: str | None = None
    wrap_until: datetime | None = None

    @property
    def state(self) -> tuple[str, str | None]:
        if self.call in ("on_call", "wrap_up"):
            return self.call, None
        if not self.queues and not self.console:
            return "offline", None
        if self.paused:
            return "paused", self.reason
        return "available", None

    def to_json(self) -> dict[str, Any]:
        return {"queues": sorted(self.queues), "console": self.console, "paused": self.paused,
                "reason": self.reason, "call": self.call, "call_id": self.call_id,
                "wrap_until": self.wrap_until.isoformat() if self.wrap_until else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Machine":
        wrap = data.get("wrap_until")
        return cls(set(data.get("queues") or ()), bool(data.get("console")), bool(data.get("paused")),
                   data.get("reason"), data.get("call"), data.get("call_id"),
                   datetime.fromisoformat(wrap) if wrap else None)

    def copy(self) -> "Machine":
        return Machine(set(self.queues), self.console, self.paused, self.reason, self.call, self.call_id,
                       self.wrap_until)

    def apply(self, e: AgentEventIn, wrap_up: timedelta) -> None:
        kind = e.kind
        if kind == "login":
            self.queues.add(e.queue or ALL_QUEUES)
        elif kind == "logoff":
            if e.queue is None:
                self.queues.clear()
            else:
                self.queues.discard(e.queue)
        elif kind in ("pause", "unpause"):
            self.paused = kind == "pause"
            self.reason = e.reason if self.paused else None
            if e.queue is not None:  # only a member can be paused in a queue
                self.queues.add(e.queue)
        elif kind == "console_on":
            self.console = True
        elif kind == "console_off":
            self.console = False
        elif kind == "on_call":
            self.call, self.call_id, self.wrap_until = "on_call", e.call_id, None
        elif kind == "wrap_up":
            if self.call == "on_call" and e.call_id and self.call_id and e.call_id != self.call_id:
                return  # another call's end: this one goes on
            length = wrap_up if e.seconds is None else timedelta(seconds=e.seconds)
            self.call, self.call_id, self.wrap_until = "wrap_up", e.call_id, e.at + length
        elif kind == "wrap_up_end":
            if self.call == "wrap_up" and (e.call_id is None or e.call_id == self.call_id):
                self.call, self.call_id, self.wrap_until = None, None, None

    def expire(self, before: datetime) -> datetime | None:
        """End a wrap-up whose time ran out before `before`; returns when it ended."""
        if self.call == "wrap_up" and self.wrap_until is not None and self.wrap_until <= before:
            ended = self.wrap_until
            self.call, self.call_id, self.wrap_until = None, None, None
            return ended
        return None


@dataclass(frozen=True, slots=True)
class Span:
    start: datetime
    state: str
    reason: str | None
    machine: dict[str, Any]


def replay(
    machine: Machine, first: tuple[str, str | None] | None, events: Sequence[AgentEventIn], wrap_up: timedelta
) -> list[Span]:
    """The intervals that start after the machine's point, given every event after it.

    `machine`: the state at the start of the interval replay begins from (its
    visible state `first`; None: no interval, offline since ever). Only changes
    of the visible state start a new interval; each keeps the machine as it
    was right after its start (the next replay begins there). Pure: tests
    shuffle events through it."""
    m = machine.copy()
    raw: list[Span] = []

    def boundary(at: datetime) -> None:
        span = Span(at, m.state[0], m.state[1], m.to_json())
        if raw and raw[-1].start == at:  # several changes at one instant: the last counts
            raw[-1] = span
        else:
            raw.append(span)

    ordered = sorted(events, key=AgentEventIn.sort_key)
    i = 0
    while i < len(ordered):
        at = ordered[i].at
        ended = m.expire(at)
        if ended is not None and ended < at:
            boundary(ended)
        while i < len(ordered) and ordered[i].at == at:
            m.apply(ordered[i], wrap_up)
            i += 1
        boundary(at)
    if m.wrap_until is not None:  # the wrap-up's end is known already
        ended = m.expire(m.wrap_until)
        if ended is not None:
            boundary(ended)
    out: list[Span] = []
    previous = first if first is not None else ("offline", None)
    for span in raw:
        if (span.state, span.reason) != previous:
            out.append(span)
            previous = (span.state, span.reason)
    return out


# --- storing and merging ---------------------------------------------------------------------

_INSERT = """
INSERT INTO agent_events (event_id, source, agent, kind, queue, reason, call_id, at, seconds)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::timestamptz[], $9::int[])
ON CONFLICT (event_id) DO NOTHING
RETURNING agent, at
"""


async def driver_of(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under a session, inside its transaction."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection  # type: ignore[return-value]


async def record_agent_events(
    conn: asyncpg.Connection | AsyncSession, events: Iterable[AgentEventIn], *, wrap_up_seconds: int = 30,
    now: datetime | None = None,
) -> int:
    """Store `events` (a known event_id is a duplicate) and merge every agent they
    touch. Runs in the caller's transaction. Returns how many were new."""
    if isinstance(conn, AsyncSession):
        conn = await driver_of(conn)
    unique: dict[str, AgentEventIn] = {}
    for e in events:
        if e.kind not in KIND_ORDER:
            raise ValueError(f"unknown agent event kind {e.kind!r}")
        unique.setdefault(e.event_id, e)
    if not unique:
        return 0
    rows = list(unique.values())
    inserted = await conn.fetch(
        _INSERT, [e.event_id for e in rows], [e.source for e in rows], [e.agent for e in rows],
        [e.kind for e in rows], [e.queue for e in rows], [e.reason for e in rows], [e.call_id for e in rows],
        [e.at for e in rows], [e.seconds for e in rows],
    )
    earliest: dict[str, datetime] = {}
    for r in inserted:
        earliest[r["agent"]] = min(r["at"], earliest.get(r["agent"], r["at"]))
    for agent in sorted(earliest):  # a fixed order: no deadlock between two merges
        await _merge(conn, agent, earliest[agent], timedelta(seconds=wrap_up_seconds), now or datetime.now(UTC))
    return len(inserted)


async def _merge(conn: asyncpg.Connection, agent: str, since: datetime, wrap_up: timedelta, now: datetime) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('cc142 agent state'), hashtext($1))", agent)
    before_now = await _state_at(conn, agent, now)
    base = await conn.fetchrow(
        "SELECT id, start_at, state, reason, machine FROM agent_state_intervals"
        " WHERE agent = $1 AND start_at < $2 ORDER BY start_at DESC LIMIT 1", agent, since)
    if base is None:
        machine, first = Machine(), None
        events = await conn.fetch("SELECT * FROM agent_events WHERE agent = $1", agent)
        await conn.execute("DELETE FROM agent_state_intervals WHERE agent = $1", agent)
    else:
        raw = base["machine"]
        machine = Machine.from_json(json.loads(raw) if isinstance(raw, str) else raw)
        start = base["start_at"]
        first = (base["state"], base["reason"])
        events = await conn.fetch("SELECT * FROM agent_events WHERE agent = $1 AND at > $2", agent, start)
        await conn.execute("DELETE FROM agent_state_intervals WHERE agent = $1 AND start_at > $2", agent, start)
    spans = replay(machine, first, [_row_event(r) for r in events], wrap_up)
    if base is not None:
        end = spans[0].start if spans else None
        await conn.execute("UPDATE agent_state_intervals SET end_at = $2 WHERE id = $1", base["id"], end)
    if spans:
        ends = [s.start for s in spans[1:]] + [None]
        await conn.execute(
            "INSERT INTO agent_state_intervals (agent, start_at, end_at, state, reason, machine)"
            " SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[],"
            " $6::jsonb[])",
            [agent] * len(spans), [s.start for s in spans], ends, [s.state for s in spans],
            [s.reason for s in spans], [json.dumps(s.machine) for s in spans],
        )
    after_now = await _state_at(conn, agent, now)
    if after_now is not None and after_now != before_now:
        state, reason, since_at = after_now
        await publish(conn, agent_state(agent, state, reason, since_at))


async def _state_at(conn: asyncpg.Connection, agent: str, at: datetime) -> tuple[str, str | None, datetime] | None:
    row = await conn.fetchrow(
        "SELECT state, reason, start_at FROM agent_state_intervals WHERE agent = $1 AND start_at <= $2"
        " ORDER BY start_at DESC LIMIT 1", agent, at)
    return (row["state"], row["reason"], row["start_at"]) if row else None


def _row_event(r: asyncpg.Record) -> AgentEventIn:
    return AgentEventIn(r["event_id"], r["agent"], r["kind"], r["at"], r["source"], r["queue"], r["reason"],
                        r["call_id"], r["seconds"])


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interval:
    agent: str
    start: datetime
    end: datetime | None
    state: str
    reason: str | None


async def intervals(conn: asyncpg.Connection | AsyncSession, agent: str | None = None) -> list[Interval]:
    """Every interval (of one agent), in order: what the tests and exports compare."""
    if isinstance(conn, AsyncSession):
        conn = await driver_of(conn)
    rows = await conn.fetch(
        "SELECT agent, start_at, end_at, state, reason FROM agent_state_intervals"
        " WHERE $1::text IS NULL OR agent = $1 ORDER BY agent, start_at", agent)
    return [Interval(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class LiveState:
    agent: str
    state: str
    reason: str | None
    since: datetime


async def live_states(session: AsyncSession, now: datetime | None = None) -> dict[str, LiveState]:
    """Each agent's state now (the interval that holds `now`), by agent key."""
    conn = await driver_of(session)
    rows = await conn.fetch(
        "SELECT DISTINCT ON (agent) agent, state, reason, start_at FROM agent_state_intervals"
        " WHERE start_at <= $1 ORDER BY agent, start_at DESC", now or datetime.now(UTC))
    return {r["agent"]: LiveState(r["agent"], r["state"], r["reason"], r["start_at"]) for r in rows}
