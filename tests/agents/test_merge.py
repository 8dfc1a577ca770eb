"""Agent states merged into intervals: the same events give the same intervals in any
order, in any batches, replayed or not; the rules of the model (the exchange wins for
calls, the latest pause wins, logged in = a queue or the console, wrap-up ends)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from contact_center.accounts.agent_states import AgentEventIn, Machine, intervals, record_agent_events, replay
from contact_center.db.driver import driver_transaction

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 09:00 in Baku
WRAP = 30


def ev(n: int, kind: str, minute: float, agent: str = "1001", **kw) -> AgentEventIn:
    return AgentEventIn(f"e{n}", agent, kind, T0 + timedelta(minutes=minute), kw.pop("source", "api"), **kw)


# A working morning of agent 1001 (and a little of 1002), every source mixed.
DAY = [
    ev(1, "console_on", 0, source="console"),
    ev(2, "login", 1, queue="142"),
    ev(3, "login", 1, queue="143"),  # the same instant: one change
    ev(4, "on_call", 5, call_id="c1", source="calls"),
    ev(5, "wrap_up", 8, call_id="c1", source="calls"),  # wrap-up runs out after 30 s
    ev(6, "pause", 20, reason="lunch", source="console"),
    ev(7, "pause", 25, reason="nahar", queue="142", source="ami"),  # the exchange says it too
    ev(8, "unpause", 60, queue="142", source="queue_log"),
    ev(9, "on_call", 70, call_id="c2", source="calls"),
    ev(10, "wrap_up", 75, call_id="c2", source="calls"),
    ev(11, "wrap_up_end", 75.25, call_id="c2", source="console"),  # registration saved after 15 s
    ev(12, "on_call", 80, call_id="c3", source="calls"),
    ev(13, "wrap_up", 81, call_id="other", source="calls"),  # another call's end: c3 goes on
    ev(14, "wrap_up", 84, call_id="c3", source="calls"),
    ev(15, "on_call", 84.2, call_id="c4", source="calls"),  # the next call within the wrap-up
    ev(16, "wrap_up", 90, call_id="c4", source="calls"),
    ev(17, "logoff", 100, queue="142"),
    ev(18, "logoff", 100, queue="143"),
    ev(19, "console_off", 101, source="console"),
    ev(20, "login", 10, agent="1002", queue="142"),
    ev(21, "pause", 30, agent="1002", reason="training"),
    ev(22, "logoff", 50, agent="1002"),  # no queue: every queue
]

EXPECTED_1001 = [
    (0, 5, "available", None),
    (5, 8, "on_call", None),
    (8, 8.5, "wrap_up", None),
    (8.5, 20, "available", None),
    (20, 25, "paused", "lunch"),
    (25, 60, "paused", "nahar"),
    (60, 70, "available", None),
    (70, 75, "on_call", None),
    (75, 75.25, "wrap_up", None),
    (75.25, 80, "available", None),
    (80, 84, "on_call", None),
    (84, 84.2, "wrap_up", None),
    (84.2, 90, "on_call", None),
    (90, 90.5, "wrap_up", None),
    (90.5, 100, "available", None),
    (100, 101, "available", None),  # still signed in to the console
    (101, None, "offline", None),
]


def _minutes(rows, agent):
    out = []
    for r in rows:
        if r.agent != agent:
            continue
        start = (r.start - T0).total_seconds() / 60
        end = None if r.end is None else (r.end - T0).total_seconds() / 60
        out.append((start, end, r.state, r.reason))
    return out


def _merged(expected):
    """Consecutive equal states are one interval."""
    out = []
    for row in expected:
        if out and out[-1][2:] == row[2:]:
            out[-1] = (out[-1][0], row[1], *row[2:])
        else:
            out.append(row)
    return out


def test_the_pure_replay_gives_the_expected_day():
    spans = replay(Machine(), None, [e for e in DAY if e.agent == "1001"], timedelta(seconds=WRAP))
    got = [((s.start - T0).total_seconds() / 60, s.state, s.reason) for s in spans]
    assert got == [(a, state, reason) for a, _, state, reason in _merged(EXPECTED_1001)]


async def _record(db, batches):
    for batch in batches:
        async with driver_transaction(db) as conn:
            await record_agent_events(conn, batch, wrap_up_seconds=WRAP, now=T0 + timedelta(days=1))
    async with driver_transaction(db) as conn:
        return await intervals(conn)


async def test_all_at_once_gives_the_day(db):
    rows = await _record(db, [DAY])
    assert _minutes(rows, "1001") == _merged(EXPECTED_1001)
    assert _minutes(rows, "1002") == [(10, 30, "available", None), (30, 50, "paused", "training"),
                                      (50, None, "offline", None)]


@pytest.mark.parametrize("seed", range(6))
async def test_any_order_and_any_batches_give_the_same_intervals(db, seed):
    rng = random.Random(seed)
    events = DAY[:]
    rng.shuffle(events)
    batches, i = [], 0
    while i < len(events):
        n = rng.randint(1, 4)
        batches.append(events[i:i + n])
        i += n
    # and some replayed (a retried request, a re-imported file)
    batches += [rng.sample(DAY, 5), DAY[:3]]
    rows = await _record(db, batches)
    assert _minutes(rows, "1001") == _merged(EXPECTED_1001)
    assert _minutes(rows, "1002") == [(10, 30, "available", None), (30, 50, "paused", "training"),
                                      (50, None, "offline", None)]


async def test_a_replay_adds_nothing_and_reports_no_new_events(db):
    async with driver_transaction(db) as conn:
        assert await record_agent_events(conn, DAY, wrap_up_seconds=WRAP) == len(DAY)
        first = await intervals(conn)
    async with driver_transaction(db) as conn:
        assert await record_agent_events(conn, DAY, wrap_up_seconds=WRAP) == 0
        assert await intervals(conn) == first
