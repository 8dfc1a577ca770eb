"""Per-agent figures across channels (`agents.per_agent[]` of the summary), keyed by the
person: the agent states' intervals and the calls follow the user through the
user<->extension history (`extension_assignments`), not the phone.

Every figure is defined in docs/stats.md ("Per agent"). Read straight from the
records (intervals, calls, registrations, conversations, callbacks) of the
period [from, to] in local days; states still open count up to now.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from contact_center.timeutil import local_range

# Who held which agent key when: extensions from the history, "user:<id>" keys
# (console users without an extension) for ever.
_HOLDERS = """
holders AS (
  SELECT user_id, extension AS agent, valid_from, coalesce(valid_to, 'infinity') AS valid_to
  FROM extension_assignments
  UNION ALL
  SELECT id, 'user:' || id, '-infinity'::timestamptz, 'infinity'::timestamptz FROM users
)"""

_STATES = f"""
WITH {_HOLDERS},
spans AS (
  SELECT h.user_id, i.state, i.reason,
         greatest(i.start_at, h.valid_from, $1) AS s, least(coalesce(i.end_at, $3), h.valid_to, $2) AS e
  FROM agent_state_intervals i JOIN holders h ON h.agent = i.agent
  -- 'infinity', not now: the expression of ix_agent_state_intervals_end (an open
  -- interval is cut at now by `e` above)
  WHERE coalesce(i.end_at, 'infinity'::timestamptz) > $1 AND i.start_at < $2
)
SELECT user_id, state, reason, sum(extract(epoch FROM e - s))::float8 AS seconds
FROM spans WHERE e > s GROUP BY 1, 2, 3
"""

_CALLS = f"""
WITH {_HOLDERS}
SELECT h.user_id, count(*) AS answered, sum(c.talk_seconds)::float8 AS talk,
       count(r.id) AS registered, count(c.survey_score) AS csat_n,
       count(*) FILTER (WHERE c.survey_score >= 4) AS csat_pos, coalesce(sum(c.survey_score), 0) AS csat_sum
FROM calls c
JOIN holders h ON h.agent = c.agent AND c.answered_at >= h.valid_from AND c.answered_at < h.valid_to
LEFT JOIN call_registrations r ON r.call_id = c.id
WHERE c.answered_at >= $1 AND c.answered_at < $2
GROUP BY 1
"""

_CHATS = """
SELECT assigned_to AS user_id, count(*) AS handled,
       avg(extract(epoch FROM first_agent_reply_at - coalesce(assigned_at, handoff_at)))
         FILTER (WHERE first_agent_reply_at IS NOT NULL)::float8 AS first_response,
       avg(extract(epoch FROM resolved_at - coalesce(assigned_at, handoff_at)))
         FILTER (WHERE resolved_at IS NOT NULL)::float8 AS handle,
       count(csat_score) AS csat_n, count(*) FILTER (WHERE csat_score >= 4) AS csat_pos
FROM conversations
WHERE assigned_to IS NOT NULL AND coalesce(assigned_at, handoff_at, created_at) >= $1
  AND coalesce(assigned_at, handoff_at, created_at) < $2
GROUP BY 1
"""

_CALLBACKS = """
SELECT claimed_by AS user_id, count(*) AS completed, count(*) FILTER (WHERE status = 'reached') AS reached
FROM callbacks
WHERE claimed_by IS NOT NULL AND status IN ('reached', 'unreachable') AND closed_at >= $1 AND closed_at < $2
GROUP BY 1
"""

_USERS = """
SELECT u.id, u.username, u.full_name,
       array_remove(array_agg(DISTINCT a.extension ORDER BY a.extension), NULL) AS extensions
FROM users u
LEFT JOIN extension_assignments a
  ON a.user_id = u.id AND a.valid_from < $2 AND coalesce(a.valid_to, 'infinity') > $1
WHERE u.id = ANY($3::int[])
GROUP BY u.id
"""


def _r(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _s(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def per_agent(
    conn: asyncpg.Connection, tz: ZoneInfo, date_from: date, date_to: date, *, now: datetime | None = None,
) -> list[dict[str, Any]]:
    start, end = local_range(date_from, date_to, tz)
    until = min(now or datetime.now(UTC), end)
    states: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    reasons: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in await conn.fetch(_STATES, start, end, max(until, start)):
        states[r["user_id"]][r["state"]] += r["seconds"]
        if r["state"] == "paused":
            reasons[r["user_id"]][r["reason"] or "other_work"] += r["seconds"]
    calls = {r["user_id"]: r for r in await conn.fetch(_CALLS, start, end)}
    chats = {r["user_id"]: r for r in await conn.fetch(_CHATS, start, end)}
    callbacks = {r["user_id"]: r for r in await conn.fetch(_CALLBACKS, start, end)}
    ids = sorted(set(states) | set(calls) | set(chats) | set(callbacks))
    if not ids:
        return []
    users = {r["id"]: r for r in await conn.fetch(_USERS, start, end, ids)}
    out: list[dict[str, Any]] = []
    for uid in ids:
        u = users.get(uid)
        if u is None:
            continue
        st = states.get(uid, {})
        logged_in = sum(v for k, v in st.items() if k != "offline")
        paused = st.get("paused", 0.0)
        busy = st.get("on_call", 0.0) + st.get("wrap_up", 0.0)
        c, h, b = calls.get(uid), chats.get(uid), callbacks.get(uid)
        answered = c["answered"] if c else 0
        out.append({
            "user_id": uid,
            "username": u["username"],
            "display_name": u["full_name"] or u["username"],
            "extensions": list(u["extensions"]),
            "logged_in_seconds": round(logged_in, 1),
            "available_seconds": round(st.get("available", 0.0), 1),
            "on_call_seconds": round(st.get("on_call", 0.0), 1),
            "wrap_up_seconds": round(st.get("wrap_up", 0.0), 1),
            "paused_seconds": round(paused, 1),
            "paused_by_reason": {k: round(v, 1) for k, v in sorted(reasons.get(uid, {}).items())},
            "occupancy": _r(busy, logged_in - paused),
            "calls_answered": answered,
            "aht_seconds": _s(c["talk"] / answered) if c and answered and c["talk"] is not None else None,
            "registered_rate": _r(c["registered"], answered) if c else None,
            "chats_handled": h["handled"] if h else 0,
            "chat_first_response_seconds": _s(h["first_response"]) if h else None,
            "chat_handle_seconds": _s(h["handle"]) if h else None,
            "chat_csat": {"responses": h["csat_n"], "score": _r(h["csat_pos"], h["csat_n"])} if h else
                         {"responses": 0, "score": None},
            # the post-call survey of the calls they answered (DOST's share of 4-5, and the average)
            "call_csat": {"responses": c["csat_n"], "score": _r(c["csat_pos"], c["csat_n"]),
                          "mean": round(c["csat_sum"] / c["csat_n"], 2) if c["csat_n"] else None} if c else
                         {"responses": 0, "score": None, "mean": None},
            "callbacks_completed": b["completed"] if b else 0,
            "callback_success_rate": _r(b["reached"], b["completed"]) if b else None,
        })
    out.sort(key=lambda a: (-a["calls_answered"], -a["chats_handled"], a["username"]))
    return out
