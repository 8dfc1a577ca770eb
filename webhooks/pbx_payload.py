"""Validation of PBX event JSON: one event or an array of up to 1000."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contact_center.accounts.agent_states import AgentEventIn
from contact_center.calls import PbxEventIn
from contact_center.db.models.calls import CALL_EVENT_TYPES, SURVEY_TYPE
from contact_center.web.errors import InputError

MAX_EVENTS = 1000
_MAX_ID = 200
_MAX_SHORT = 64


def _text(event: dict[str, Any], name: str, index: int, *, required: bool, limit: int) -> str | None:
    value = event.get(name)
    if value is None:
        if required:
            raise InputError(f"'{name}' is required", field=name, index=index)
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # extensions and numbers often arrive as integers
    if not isinstance(value, str):
        raise InputError(f"'{name}' must be a string", field=name, index=index)
    value = value.strip()
    if "\x00" in value:  # PostgreSQL text cannot hold it; refuse it here, clearly
        raise InputError(f"'{name}' contains a NUL character", field=name, index=index)
    if required and not value:
        raise InputError(f"'{name}' must not be empty", field=name, index=index)
    if len(value) > limit:
        raise InputError(f"'{name}' is longer than {limit} characters", field=name, index=index)
    return value or None


def _timestamp(event: dict[str, Any], index: int) -> datetime:
    raw = event.get("at")
    if not isinstance(raw, str) or not raw:
        raise InputError("'at' is required: an ISO-8601 time with an offset", field="at", index=index)
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        raise InputError(f"'at' is not an ISO-8601 time: {raw[:40]!r}", field="at", index=index) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError("'at' must carry a UTC offset (e.g. +04:00 or Z)", field="at", index=index)
    return at


# The exchange's agent events (no call_id; their own table) -> agent-state kinds.
AGENT_EVENT_TYPES = {"agent_login": "login", "agent_logoff": "logoff", "agent_pause": "pause",
                     "agent_unpause": "unpause"}


def _agent_event(event: dict[str, Any], index: int) -> AgentEventIn:
    kind = AGENT_EVENT_TYPES[event["type"]]
    return AgentEventIn(
        event_id=_text(event, "event_id", index, required=True, limit=_MAX_ID) or "",
        agent=_text(event, "agent", index, required=True, limit=_MAX_SHORT) or "",
        kind=kind,
        at=_timestamp(event, index),
        source="api",
        queue=_text(event, "queue", index, required=False, limit=_MAX_SHORT),
        reason=_text(event, "reason", index, required=False, limit=200) if kind == "pause" else None,
    )


def _score(event: dict[str, Any], etype: str, index: int) -> int | None:
    """A survey's rating: required, a whole number 1..5; no other event carries one."""
    value = event.get("score")
    if etype != SURVEY_TYPE:
        if value is not None:
            raise InputError("'score' belongs to survey events only", field="score", index=index)
        return None
    if value is None:
        raise InputError("'score' is required for a survey: a whole number 1..5", field="score", index=index)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InputError("'score' must be a whole number 1..5", field="score", index=index)
    return value


_TYPES = (*CALL_EVENT_TYPES, SURVEY_TYPE)


def parse_event(event: Any, index: int) -> PbxEventIn | AgentEventIn:
    if not isinstance(event, dict):
        raise InputError("each event must be a JSON object", index=index)
    etype = event.get("type")
    if etype in AGENT_EVENT_TYPES:
        return _agent_event(event, index)
    if etype not in _TYPES:
        raise InputError(
            f"'type' must be one of {', '.join((*_TYPES, *AGENT_EVENT_TYPES))}", field="type", index=index
        )
    direction = event.get("direction", "inbound")
    if direction not in ("inbound", "outbound"):
        raise InputError("'direction' must be 'inbound' or 'outbound'", field="direction", index=index)
    return PbxEventIn(
        event_id=_text(event, "event_id", index, required=True, limit=_MAX_ID) or "",
        call_id=_text(event, "call_id", index, required=True, limit=_MAX_ID) or "",
        type=etype,
        at=_timestamp(event, index),
        caller=_text(event, "caller", index, required=False, limit=_MAX_SHORT),
        queue=_text(event, "queue", index, required=False, limit=_MAX_SHORT),
        agent=_text(event, "agent", index, required=False, limit=_MAX_SHORT),
        direction=direction,
        score=_score(event, etype, index),
    )


def parse_events(payload: Any) -> list[PbxEventIn | AgentEventIn]:
    """All or nothing: the first bad event rejects the whole request."""
    if isinstance(payload, dict):
        return [parse_event(payload, 0)]
    if not isinstance(payload, list):
        raise InputError("the body must be an event object or an array of events")
    if not payload:
        raise InputError("the array of events is empty")
    if len(payload) > MAX_EVENTS:
        raise InputError(f"at most {MAX_EVENTS} events per request, got {len(payload)}")
    return [parse_event(e, i) for i, e in enumerate(payload)]
