"""Asterisk queue_log: parse lines into call events, and summarise an import.

Format: epoch|callid|queue|agent|EVENT|data1|data2|...  Each line becomes at
most one event whose id is a hash of the exact line, so importing the same
file again adds nothing. Malformed lines and unknown events are reported
with their line numbers, never fatal. The events are stored like any other
PBX events (contact_center.calls.pbx_record.record, source "queue_log").
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from contact_center.accounts.agent_states import AgentEventIn
from contact_center.calls.pbx_ingest import IngestResult, PbxEventIn

# queue_log event -> our call event type
CALL_EVENTS: dict[str, str] = {
    "ENTERQUEUE": "enqueued",
    "RINGNOANSWER": "ringing",
    "RINGCANCELED": "ringing",
    "CONNECT": "answered",
    "COMPLETECALLER": "completed",
    "COMPLETEAGENT": "completed",
    "TRANSFER": "transferred",
    "BLINDTRANSFER": "transferred",
    "ATTENDEDTRANSFER": "transferred",
    "ABANDON": "abandoned",
    "EXITWITHTIMEOUT": "timeout",
    "EXITWITHKEY": "exit_key",
    "EXITEMPTY": "exit_empty",
}
# queue_log agent lines -> agent-state events (contact_center/accounts/agent_states.py)
AGENT_EVENTS: dict[str, str] = {
    "AGENTLOGIN": "login",
    "AGENTCALLBACKLOGIN": "login",
    "ADDMEMBER": "login",
    "AGENTLOGOFF": "logoff",
    "AGENTCALLBACKLOGOFF": "logoff",
    "REMOVEMEMBER": "logoff",
    "PAUSE": "pause",
    "PAUSEALL": "pause",
    "PAUSEREASON": "pause",
    "UNPAUSE": "unpause",
    "UNPAUSEALL": "unpause",
}
# Known lines that say nothing about a call's fate nor an agent's state (set-up).
NON_CALL_EVENTS = frozenset(
    {"QUEUESTART", "CONFIGRELOAD", "DID", "INFO", "SYSCOMPAT", "AGENTDUMP", "HOLD", "UNHOLD"}
)

_CHANNEL_EXT = re.compile(r"^(?:SIP|PJSIP|IAX2|Local|Agent|DAHDI)/([^@/\-]+)", re.IGNORECASE)


def agent_extension(raw: str) -> str | None:
    """'SIP/1001-0000a' or 'Local/1001@agents' -> '1001'; 'NONE' -> None."""
    raw = raw.strip()
    if not raw or raw.upper() == "NONE":
        return None
    m = _CHANNEL_EXT.match(raw)
    return m.group(1) if m else raw


@dataclass
class ParseReport:
    lines: int = 0
    events: list[PbxEventIn] = field(default_factory=list)
    agent_events: list[AgentEventIn] = field(default_factory=list)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)
    unknown: Counter[str] = field(default_factory=Counter)
    unknown_lines: list[int] = field(default_factory=list)
    non_call: int = 0


def _agent_line(line: str, at: datetime, queue: str, agent: str, event: str, data: list[str]) -> tuple[str, AgentEventIn | None]:
    kind = AGENT_EVENTS[event]
    ext = agent_extension(agent)
    if event in ("AGENTLOGIN", "AGENTCALLBACKLOGIN") and (ext is None or agent.upper().startswith("AGENT/")):
        ext = agent_extension(data[0]) if data and data[0].strip() else ext  # the channel it logged in from
    if not ext or len(ext) > 64:
        return "malformed: an agent line without an agent", None
    q = queue.strip()
    reason = data[0].strip() if kind == "pause" and data and data[0].strip() else None
    return "agent", AgentEventIn(
        event_id="ql:" + hashlib.sha1(line.rstrip("\r\n").encode()).hexdigest(),
        agent=ext, kind=kind, at=at, source="queue_log",
        queue=None if event.endswith("ALL") or not q or q.upper() == "NONE" else q[:64],
        reason=reason[:200] if reason else None,
    )


def parse_line(line: str) -> tuple[str, PbxEventIn | AgentEventIn | None]:
    """('ok', call event) | ('agent', agent event) | ('skip', None) | ('unknown', None)
    | ('malformed: why', None)."""
    parts = line.rstrip("\r\n").split("|")
    if len(parts) < 5:
        return "malformed: expected at least 5 fields separated by |", None
    epoch, callid, queue, agent, event = parts[:5]
    data = parts[5:]
    try:
        at = datetime.fromtimestamp(float(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return f"malformed: bad timestamp {epoch[:30]!r}", None
    event = event.strip().upper()
    if not event:
        return "malformed: empty event name", None
    if event in NON_CALL_EVENTS:
        return "skip", None
    if event in AGENT_EVENTS:
        return _agent_line(line, at, queue, agent, event, data)
    kind = CALL_EVENTS.get(event)
    if kind is None:
        return "unknown", None
    callid = callid.strip()
    if not callid or callid.upper() == "NONE":
        return "malformed: a call event without a call id", None
    caller = None
    if event == "ENTERQUEUE" and len(data) >= 2 and data[1].strip():
        caller = data[1].strip()
    event_id = "ql:" + hashlib.sha1(line.rstrip("\r\n").encode()).hexdigest()
    ext = agent_extension(agent) if kind in ("answered", "ringing", "completed", "transferred") else None
    q = queue.strip()
    return "ok", PbxEventIn(
        event_id=event_id,
        call_id=callid,
        type=kind,
        at=at,
        caller=caller,
        queue=q if q and q.upper() != "NONE" else None,
        agent=ext,
    )


def parse_lines(lines: Iterable[str]) -> ParseReport:
    report = ParseReport()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        report.lines += 1
        verdict, event = parse_line(line)
        if isinstance(event, AgentEventIn):
            report.agent_events.append(event)
            report.non_call += 1
        elif event is not None:
            report.events.append(event)
        elif verdict == "skip":
            report.non_call += 1
        elif verdict == "unknown":
            report.unknown[line.split("|")[4].strip().upper()] += 1
            report.unknown_lines.append(number)
        else:
            report.malformed.append((number, verdict.removeprefix("malformed: ")))
    return report


@dataclass
class ImportSummary:
    lines: int
    events: int
    accepted: int
    duplicates: int
    calls: int
    non_call_events: int
    agent_events: int
    malformed: list[dict[str, object]]
    unknown_events: dict[str, int]
    unknown_lines: list[int]

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def summarise(report: ParseReport, result: IngestResult) -> ImportSummary:
    """What an import did: `report` parsed, `result` recorded (contact_center.calls.pbx_record)."""
    return ImportSummary(
        lines=report.lines,
        events=len(report.events),
        accepted=result.accepted,
        duplicates=result.duplicates,
        calls=len({e.call_id for e in report.events}),
        non_call_events=report.non_call,
        agent_events=len(report.agent_events),
        malformed=[{"line": n, "error": why} for n, why in report.malformed],
        unknown_events=dict(report.unknown),
        unknown_lines=report.unknown_lines,
    )
