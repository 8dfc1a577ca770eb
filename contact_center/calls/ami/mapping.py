"""Asterisk queue events (AMI) -> the PBX ingest's call events, and agent-state events.

Pure functions of a message, its receive time, the queue filter and what the
connection has already seen of each call (`CallMemory`); nothing here does IO.

- The call id is the caller channel's `Uniqueid`: the id app_queue writes
  into queue_log (`ast_channel_uniqueid(qe->chan)`), so an AMI-fed call and
  a queue_log import of the same call merge into one record.
- Event ids are a hash of (Uniqueid, event name, Queue, Interface, and the
  `Timestamp` header when the exchange sends one); never of the receive
  time, so a replayed event is a duplicate.
- Times come from `Timestamp` (manager.conf `timestampevents = yes`, epoch
  seconds with microseconds), else from the receive time; always UTC.
- When a connection was down, events were missed (Asterisk does not replay
  them). The durations the later events carry (HoldTime, TalkTime, a
  QueueStatus entry's Wait) then stand in for what was missed: "derived"
  events, sent only for a call whose real event this connection has not
  seen, with ids of their own so they never replace a real one.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from contact_center.calls.ami.wire import Message
from contact_center.calls.pbx_ingest import PbxEventIn
from contact_center.calls.queue_log import agent_extension
from contact_center.text import ascii_digits

# Column sizes of pbx_events (and the JSON API's limits).
_MAX_ID = 200
_MAX_SHORT = 64

# Events that say something about a queue call.
CALL_EVENTS = frozenset(
    {"QueueCallerJoin", "AgentCalled", "AgentRingNoAnswer", "AgentConnect", "AgentComplete",
     "QueueCallerAbandon", "BlindTransfer", "AttendedTransfer", "QueueEntry"}
)
# Events about queue members (agents).
AGENT_EVENTS = frozenset(
    {"QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", "QueueMemberStatus", "QueueMember"}
)
# Events we know and do not need (so they are not reported as unknown).
KNOWN_IGNORED = frozenset(
    {"FullyBooted", "QueueCallerLeave", "QueueParams", "QueueStatusComplete", "QueueMemberPenalty",
     "QueueMemberRinginuse", "AgentDump", "Shutdown", "Reload", "SuccessfulAuth", "ChallengeSent"}
)

# QueueMemberStatus `Status`: Asterisk's device states (app_queue.c documents 0-8).
DEVICE_STATES = {
    "0": "unknown", "1": "not_inuse", "2": "inuse", "3": "busy", "4": "invalid",
    "5": "unavailable", "6": "ringing", "7": "ringinuse", "8": "onhold",
}
_NO_NUMBER = frozenset({"", "<unknown>", "unknown", "anonymous", "<anonymous>"})


class Outcome(StrEnum):
    MAPPED = "mapped"  # gave call and/or agent-state events
    IGNORED = "ignored"  # known, nothing for us (or an event we do not know)
    FILTERED = "filtered"  # a queue outside AMI_QUEUES
    UNKNOWN = "unknown"  # an event name we do not know
    INVALID = "invalid"  # a known event without what it needs (no Uniqueid, ...)


@dataclass(frozen=True, slots=True)
class AgentStateEvent:
    """A queue member's state as the exchange reports it (neutral: the agent-state
    model consumes it). kind: login | logoff | pause | unpause | status."""

    event_id: str
    extension: str
    queue: str
    kind: str
    at: datetime
    reason: str | None = None  # pause reason (PausedReason)
    paused: bool | None = None
    device_state: str | None = None  # not_inuse, inuse, ringing, unavailable, ...
    in_call: bool | None = None
    interface: str | None = None
    member_name: str | None = None
    snapshot: bool = False  # from a QueueStatus reply: the member is in the queue now
    since: datetime | None = None  # snapshot: paused since (LastPause) or logged in since (LoginTime)


@dataclass(frozen=True, slots=True)
class Mapped:
    outcome: Outcome
    calls: tuple[PbxEventIn, ...] = ()
    agents: tuple[AgentStateEvent, ...] = ()
    detail: str = ""  # filtered: the queue; invalid/ignored: why


_IGNORED = Mapped(Outcome.IGNORED)


class CallMemory:
    """What one connector has seen of recent calls: their queue and which kinds of
    event (enqueued, answered, ...). Bounded: the oldest calls are forgotten."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._calls: OrderedDict[str, tuple[str | None, set[str]]] = OrderedDict()

    def note(self, events: Iterable[PbxEventIn]) -> None:
        for e in events:
            queue, kinds = self._calls.pop(e.call_id, (None, set()))
            kinds.add(e.type)
            self._calls[e.call_id] = (queue or e.queue, kinds)
            if len(self._calls) > self._capacity:
                self._calls.popitem(last=False)

    def known(self, call_id: str) -> bool:
        return call_id in self._calls

    def queue_of(self, call_id: str) -> str | None:
        entry = self._calls.get(call_id)
        return entry[0] if entry else None

    def seen(self, call_id: str, kind: str) -> bool:
        entry = self._calls.get(call_id)
        return entry is not None and kind in entry[1]

    def __len__(self) -> int:
        return len(self._calls)


# -- small parsers ------------------------------------------------------------


def parse_timestamp(raw: str | None) -> datetime | None:
    """'1709362800.104213' -> an aware UTC datetime (exact microseconds), else None."""
    if not raw:
        return None
    sec, _, frac = raw.strip().partition(".")
    if not ascii_digits(sec) or (frac and not ascii_digits(frac)) or len(sec) > 11:
        return None
    micro = int((frac + "000000")[:6]) if frac else 0
    return datetime.fromtimestamp(int(sec), UTC).replace(microsecond=micro)


def event_time(msg: Message, received_at: datetime) -> datetime:
    return parse_timestamp(msg.get("Timestamp")) or received_at.astimezone(UTC)


def _seconds(raw: str | None, limit: int = 30 * 86400) -> int | None:
    """A whole number of seconds up to `limit` (a duration), else None."""
    raw = (raw or "").strip()
    if not ascii_digits(raw) or len(raw) > 12:
        return None
    value = int(raw)
    return value if value <= limit else None


def _epoch(raw: str | None) -> datetime | None:
    value = _seconds(raw, limit=10**11)
    return datetime.fromtimestamp(value, UTC) if value else None


def _text(raw: str | None, limit: int = _MAX_SHORT) -> str | None:
    """A value fit for the database: trimmed, no NUL, within the column's size."""
    if raw is None:
        return None
    value = raw.strip()
    if not value or "\x00" in value or len(value) > limit:
        return None
    return value


def caller_number(raw: str | None) -> str | None:
    if raw is None or raw.strip().lower() in _NO_NUMBER:
        return None
    return _text(raw)


def member_extension(interface: str | None, member_name: str | None) -> str | None:
    """The agent's extension: from the interface (`PJSIP/1001`, `SIP/1001`,
    `Local/1001@from-queue/n` -> 1001) through the queue_log importer's helper,
    else from the member name when that is a channel, else the member name."""
    for raw in (interface, member_name):
        if raw and "/" in raw:
            ext = agent_extension(raw)
            if ext:
                return _text(ext)
    for raw in (member_name, interface):
        if raw and raw.strip():
            return _text(agent_extension(raw))
    return None


def _hash(*parts: str | None) -> str:
    return "ami:" + hashlib.sha1("\x1f".join(p or "" for p in parts).encode()).hexdigest()


def call_event_id(uniqueid: str, event: str, queue: str | None, interface: str | None, timestamp: str | None) -> str:
    return _hash(uniqueid, event, queue, interface, (timestamp or "").strip())


def _in_filter(queue: str, queues: frozenset[str]) -> bool:
    # Asterisk compares queue names case-insensitively (strcasecmp).
    return not queues or queue.casefold() in queues


# -- call events --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ctx:
    msg: Message
    name: str
    at: datetime
    received_at: datetime
    memory: CallMemory


def _call(ctx: _Ctx, call_id: str, kind: str, *, queue: str | None, agent: str | None = None,
          at: datetime | None = None, suffix: str = "", interface: str | None = None) -> PbxEventIn:
    base = call_event_id(call_id, ctx.name, queue, interface, ctx.msg.get("Timestamp"))
    return PbxEventIn(
        event_id=base + suffix,
        call_id=call_id,
        type=kind,
        at=at or ctx.at,
        caller=caller_number(ctx.msg.get("CallerIDNum")),
        queue=queue,
        agent=agent,
    )


def _queue_call(ctx: _Ctx, queues: frozenset[str]) -> Mapped:
    msg, name = ctx.msg, ctx.name
    call_id = _text(msg.get("Uniqueid"), _MAX_ID)
    queue = _text(msg.get("Queue"))
    if call_id is None:
        return Mapped(Outcome.INVALID, detail=f"{name} without a usable Uniqueid")
    if queue is None:
        return Mapped(Outcome.INVALID, detail=f"{name} without a usable Queue")
    if not _in_filter(queue, queues):
        return Mapped(Outcome.FILTERED, detail=queue)
    interface = msg.get("Interface")
    agent = member_extension(interface, msg.get("MemberName"))
    seen = ctx.memory.seen
    out: list[PbxEventIn] = []

    def derived(kind: str, seconds_back: int | None) -> None:
        # Stands in for an event this connection missed (see the module doc).
        if seconds_back is not None and not seen(call_id, kind):
            out.append(_call(ctx, call_id, kind, queue=queue, interface=interface,
                             agent=agent if kind == "answered" else None,
                             at=ctx.at - timedelta(seconds=seconds_back), suffix=f":{kind}"))

    if name == "QueueCallerJoin":
        out.append(_call(ctx, call_id, "enqueued", queue=queue))
    elif name == "QueueEntry":  # a QueueStatus reply: waiting now, for `Wait` seconds
        if not seen(call_id, "enqueued"):
            wait = _seconds(msg.get("Wait")) or 0
            out.append(_call(ctx, call_id, "enqueued", queue=queue, at=ctx.received_at - timedelta(seconds=wait)))
    elif name in ("AgentCalled", "AgentRingNoAnswer"):
        out.append(_call(ctx, call_id, "ringing", queue=queue, agent=agent, interface=interface))
    elif name == "AgentConnect":
        out.append(_call(ctx, call_id, "answered", queue=queue, agent=agent, interface=interface))
        derived("enqueued", _seconds(msg.get("HoldTime")))
    elif name == "AgentComplete":
        reason = (msg.get("Reason") or "").strip().lower()
        kind = "transferred" if reason == "transfer" else "completed"
        out.append(_call(ctx, call_id, kind, queue=queue, agent=agent, interface=interface))
        talk, hold = _seconds(msg.get("TalkTime")), _seconds(msg.get("HoldTime"))
        derived("answered", talk)
        derived("enqueued", None if talk is None or hold is None else talk + hold)
    elif name == "QueueCallerAbandon":
        out.append(_call(ctx, call_id, "abandoned", queue=queue))
        derived("enqueued", _seconds(msg.get("HoldTime")))
    return Mapped(Outcome.MAPPED, calls=tuple(out))


def _transfer(ctx: _Ctx, queues: frozenset[str]) -> Mapped:
    """A transfer of a queue call this connection knows: the caller (the transferee)
    or the call's Linkedid (the caller's Uniqueid on the agent's channels)."""
    msg, name = ctx.msg, ctx.name
    if (msg.get("Result") or "").strip().lower() != "success":
        return Mapped(Outcome.IGNORED, detail=f"{name} did not succeed")
    if name == "AttendedTransfer" and (msg.get("DestType") or "").strip().lower() in ("threeway", "fail"):
        return Mapped(Outcome.IGNORED, detail="a three-way call is not a transfer")
    prefixes = ("Transferer",) if name == "BlindTransfer" else ("OrigTransferer", "SecondTransferer")
    candidates = [msg.get("TransfereeUniqueid"), msg.get("TransfereeLinkedid")]
    candidates += [msg.get(f"{p}Linkedid") for p in prefixes]
    call_id = next((c.strip() for c in candidates if c and ctx.memory.known(c.strip())), None)
    if call_id is None:
        return Mapped(Outcome.IGNORED, detail=f"{name} of a call that is not a known queue call")
    queue = ctx.memory.queue_of(call_id)
    if queue is not None and not _in_filter(queue, queues):
        return Mapped(Outcome.FILTERED, detail=queue)
    channel = msg.get(f"{prefixes[0]}Channel")
    event = PbxEventIn(
        event_id=call_event_id(call_id, name, queue, channel, msg.get("Timestamp")),
        call_id=call_id,
        type="transferred",
        at=ctx.at,
        queue=queue,
        agent=member_extension(channel, None),
    )
    return Mapped(Outcome.MAPPED, calls=(event,))


# -- agent-state events -------------------------------------------------------


def _state_id(msg: Message) -> str:
    # Every header but the per-request/per-system ones: the same report -> the same id.
    parts = [f"{k}={v}" for k, v in msg.headers if k.lower() not in ("actionid", "privilege", "systemname")]
    return _hash("state", *parts)


def _agent(ctx: _Ctx, queues: frozenset[str], *, snapshot: bool) -> Mapped:
    msg, name = ctx.msg, ctx.name
    queue = _text(msg.get("Queue"))
    # QueueStatus lists members as Name/Location; the events say MemberName/Interface.
    interface = msg.get("Interface") or msg.get("Location")
    member_name = msg.get("MemberName") or msg.get("Name")
    extension = member_extension(interface, member_name)
    if queue is None or extension is None:
        return Mapped(Outcome.INVALID, detail=f"{name} without a usable Queue or member")
    if not _in_filter(queue, queues):
        return Mapped(Outcome.FILTERED, detail=queue)
    paused = (msg.get("Paused") or "").strip() == "1"
    reason = _text(msg.get("PausedReason"), 200) if paused else None
    in_call = (msg.get("InCall") or "").strip()
    since = None
    if snapshot:
        since = _epoch(msg.get("LastPause") if paused else msg.get("LoginTime"))
    base = _state_id(msg)

    def state(kind: str, suffix: str = "") -> AgentStateEvent:
        return AgentStateEvent(
            event_id=base + suffix, extension=extension, queue=queue, kind=kind, at=ctx.at,
            reason=reason if kind in ("pause", "status", "login") else None, paused=paused,
            device_state=DEVICE_STATES.get((msg.get("Status") or "").strip()),
            in_call=in_call == "1" if in_call in ("0", "1") else None,
            interface=_text(interface), member_name=_text(member_name, 200),
            snapshot=snapshot, since=since,
        )

    if name == "QueueMemberAdded":
        # Added paused (AddQueueMember with Paused: true) is a login and a pause.
        events = (state("login"), state("pause", ":pause")) if paused else (state("login"),)
        return Mapped(Outcome.MAPPED, agents=events)
    if name == "QueueMemberRemoved":
        kind = "logoff"
    elif name == "QueueMemberPause":
        kind = "pause" if paused else "unpause"
    else:  # QueueMemberStatus, or a QueueStatus QueueMember entry
        kind = "status"
    return Mapped(Outcome.MAPPED, agents=(state(kind),))


# -- entry point --------------------------------------------------------------


def map_message(
    msg: Message,
    *,
    received_at: datetime,
    queues: frozenset[str] = frozenset(),
    memory: CallMemory | None = None,
    snapshot: bool = False,
) -> Mapped:
    """What one AMI event means for us. `queues`: the AMI_QUEUES filter (empty: every
    queue). `snapshot`: the message is an item of a QueueStatus reply.
    Never raises on odd input: a known event lacking what it needs is INVALID."""
    queues = frozenset(q.casefold() for q in queues)
    name = (msg.event or "").strip()
    if not name:
        return Mapped(Outcome.IGNORED, detail="not an event")
    ctx = _Ctx(msg, name, event_time(msg, received_at), received_at.astimezone(UTC), memory or CallMemory())
    if name in ("BlindTransfer", "AttendedTransfer"):
        return _transfer(ctx, queues)
    if name in CALL_EVENTS:
        return _queue_call(ctx, queues)
    if name in AGENT_EVENTS:
        return _agent(ctx, queues, snapshot=snapshot or name == "QueueMember")
    if name in KNOWN_IGNORED:
        return _IGNORED
    return Mapped(Outcome.UNKNOWN, detail=name)
