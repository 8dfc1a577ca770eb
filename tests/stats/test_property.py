"""Property: whatever the records, the rollups give the same figures as a
computation straight from the records, for any period and filter.

Random calls (fractional waits, every status, around a month boundary and
local midnight), registrations, conversations and callbacks; each example
compares (1) an independent reference computed here in Python, (2) the
engine with no rollups (everything from the records), (3) the engine after a
full rebuild, (4) after incremental refreshes with more writes in between.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from contact_center.stats.db import read_snapshot
from contact_center.stats.filters import Filters
from contact_center.stats.summary import build_summary
from tests.plugins.database import truncate_all
from tests.stats.conftest import refresh_now

BAKU = ZoneInfo("Asia/Baku")
START = datetime(2024, 1, 30, 0, 0, tzinfo=BAKU)  # 30 Jan .. 3 Feb: crosses a month boundary
DISTRICTS = ["baku_xetai", "baku_yasamal", "sumqayit", "gence"]
DIRECTIONS = ["social_protection", "employment", "vem"]
STATUSES = ["answered", "answered", "answered", "abandoned", "timeout", "exit_key", "exit_empty", "in_progress"]

call_st = st.fixed_dictionaries({
    "minute": st.integers(0, 5 * 24 * 60 - 1),
    "second": st.floats(0, 59.999),
    "status": st.sampled_from(STATUSES),
    "wait": st.floats(0, 95, allow_nan=False),
    "talk": st.one_of(st.none(), st.floats(1, 500)),
    "agent": st.sampled_from(["1001", "1002"]),
    "queue": st.sampled_from(["142", "555"]),
    "reg": st.one_of(st.none(), st.tuples(st.sampled_from(DIRECTIONS), st.sampled_from(DISTRICTS),
                                           st.sampled_from(["information", "complaint"]),
                                           st.sampled_from(["fully_answered", "refused"]))),
    "survey": st.one_of(st.none(), st.integers(1, 5)),  # the post-call survey's rating
})
conv_st = st.fixed_dictionaries({
    "minute": st.integers(0, 5 * 24 * 60 - 1),
    "channel": st.sampled_from(["web_chat", "facebook", "instagram"]),
    "handoff": st.booleans(), "reply": st.one_of(st.none(), st.integers(0, 900)),
    "csat": st.one_of(st.none(), st.integers(1, 5)), "direction": st.one_of(st.none(), st.sampled_from(DIRECTIONS)),
    "msgs": st.lists(st.sampled_from(["citizen", "bot", "agent"]), max_size=4),
})


async def _insert(engine, calls, convs, users):
    async with engine.begin() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        for c in calls:
            enq = START + timedelta(minutes=c["minute"], seconds=c["second"])
            s = c["status"]
            ans = enq + timedelta(seconds=c["wait"]) if s == "answered" else None
            end = (ans + timedelta(seconds=c["talk"]) if c["talk"] else None) if s == "answered" else \
                (enq + timedelta(seconds=c["wait"]) if s != "in_progress" else None)
            cid = await raw.fetchval(
                "INSERT INTO calls (pbx_call_id, direction, queue, agent, enqueued_at, answered_at, ended_at, "
                "unanswered_reason, transferred, survey_score, survey_at) "
                "VALUES ($1, 'inbound', $2, $3, $4, $5, $6, $7, FALSE, $8, $9) RETURNING id",
                f"p{id(c)}-{c['minute']}-{c['second']}", c["queue"], c["agent"] if s == "answered" else None,
                enq, ans, end, None if s in ("answered", "in_progress") else s, c["survey"],
                None if c["survey"] is None else enq + timedelta(minutes=10))
            # The wait as stored: both instants are kept to the microsecond.
            c["id"], c["enq"], c["w"] = cid, enq, ((ans or end) - enq).total_seconds() if (ans or end) else None
            if c["reg"]:
                d, dist, t, o = c["reg"]
                await raw.execute(
                    "INSERT INTO call_registrations (call_id, channel, agent_id, direction, call_type, district, "
                    "outcome, note, occurred_at) VALUES ($1, 'phone', $2, $3, $4, $5, $6, '', $7)",
                    cid, users[c["agent"]], d, t, dist, o, ans or enq)
        for v in convs:
            created = START + timedelta(minutes=v["minute"])
            handoff = created + timedelta(seconds=30) if v["handoff"] else None
            reply = handoff + timedelta(seconds=v["reply"]) if handoff and v["reply"] is not None else None
            vid = await raw.fetchval(
                "INSERT INTO conversations (channel, contact_id, status, direction, urgent, handoff_at, "
                "low_confidence_streak, first_agent_reply_at, abandoned, csat_score, created_at) "
                "VALUES ($1, $2, 'resolved', $3, FALSE, $4, 0, $5, $6, $7, $8) RETURNING id",
                v["channel"], f"c{id(v)}", v["direction"], handoff, reply, bool(handoff and reply is None),
                v["csat"], created)
            for i, sender in enumerate(v["msgs"]):
                await raw.execute("INSERT INTO messages (conversation_id, sender, kind, text, channel, created_at) "
                                  "VALUES ($1, $2, 'text', 'x', $3, $4)", vid, sender, v["channel"],
                                  created + timedelta(seconds=i))
            v["created"] = created


def _floor(x: float) -> int:
    return int(math.floor(x)) if x > 0 else 0


def reference(calls, convs, d_from: date, d_to: date, flt: dict[str, str]):
    """The figures computed here, straight from what was inserted."""
    def keep(c):
        day = c["enq"].astimezone(BAKU).date()
        if not d_from <= day <= d_to:
            return False
        if "queue" in flt and c["queue"] != flt["queue"]:
            return False
        # The agent is the one that answered; an unanswered call registered
        # anyway belongs to the registering agent (here the same extension).
        agent = c["agent"] if c["status"] == "answered" or c["reg"] else None
        if "agent" in flt and agent != flt["agent"]:
            return False
        if "district" in flt and (not c["reg"] or c["reg"][1] != flt["district"]):
            return False
        if "direction" in flt and (not c["reg"] or c["reg"][0] != flt["direction"]):
            return False
        return True
    sel = [c for c in calls if keep(c)]
    waits = []
    for c in sel:
        if c["status"] != "in_progress":
            waits.append(_floor(c["w"]))
    answered = [c for c in sel if c["status"] == "answered"]
    unanswered = [c for c in sel if c["status"] not in ("answered", "in_progress")]
    regs = [c for c in sel if c["reg"]]
    waits.sort()

    def pct(p):
        return waits[max(1, math.ceil(p * len(waits) - 1e-9)) - 1] if waits else None
    conv = [v for v in convs if d_from <= v["created"].astimezone(BAKU).date() <= d_to
            and ("direction" not in flt or v["direction"] == flt["direction"])
            and not any(k in flt for k in ("queue", "agent", "district"))]
    return {
        "offered": len(sel), "answered": len(answered), "abandoned": len(unanswered),
        "short_abandoned": sum(1 for c in unanswered if c["w"] < 10),
        "within_sl": sum(1 for c in answered if _floor(c["w"]) <= 20),
        "median": pct(0.5), "p90": pct(0.9),
        "asa": round(sum(c["w"] for c in answered) / len(answered), 2) if answered else None,
        "registered": len(regs),
        "by_direction": dict(Counter(c["reg"][0] for c in regs)),
        "baku": sum(1 for c in regs if c["reg"][1].startswith("baku_")),
        "conversations": len(conv), "handed_off": sum(1 for v in conv if v["handoff"]),
        "csat": sum(1 for v in conv if v["csat"] is not None),
        "chat_csat_sum": sum(v["csat"] for v in conv if v["csat"] is not None),
        "call_csat": _satisfaction([c["survey"] for c in sel if c["survey"] is not None]),
    }


def _satisfaction(scores: list[int]) -> tuple:
    n = len(scores)
    return (n, round(sum(1 for x in scores if x >= 4) / n, 6) if n else None, round(sum(scores) / n, 2) if n else None)


def project(s):
    c = s["calls"]
    hist = {h["seconds"]: h["answered"] for h in c["wait_histogram"]}
    return {
        "offered": c["offered"], "answered": c["answered"], "abandoned": c["abandoned"],
        "short_abandoned": c["short_abandoned"], "within_sl": sum(n for sec, n in hist.items() if sec <= 20),
        "median": c["wait_median_seconds"], "p90": c["wait_p90_seconds"], "asa": c["asa_seconds"],
        "registered": c["registered"],
        "by_direction": {x["code"]: x["count"] for x in c["by_direction"] if x["count"]},
        "baku": round((c["baku_share"] or 0) * c["registered"]),
        "conversations": s["chats"]["conversations"]["total"], "handed_off": s["chats"]["handed_off"],
        "csat": s["csat"]["responses"],
        "chat_csat_sum": round((s["csat"]["chats"]["mean"] or 0) * s["csat"]["chats"]["responses"]),
        "call_csat": tuple(s["csat"]["calls"][k] for k in ("responses", "score", "mean")),
    }


PERIODS = [(date(2024, 1, 30), date(2024, 2, 3)), (date(2024, 1, 1), date(2024, 1, 31)),
           (date(2024, 2, 1), date(2024, 2, 29)), (date(2024, 1, 31), date(2024, 2, 1)),
           (date(2024, 2, 2), date(2024, 2, 2))]
FILTERS = [{}, {"queue": "555"}, {"agent": "1002"}, {"district": "baku_xetai"}, {"direction": "employment"},
           {"queue": "142", "district": "sumqayit"}]


@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(calls=st.lists(call_st, max_size=30), more=st.lists(call_st, max_size=8),
       convs=st.lists(conv_st, max_size=8), period=st.sampled_from(PERIODS), flt=st.sampled_from(FILTERS))
async def test_rollups_equal_the_records(engine, stats_settings, calls, more, convs, period, flt):
    await truncate_all(engine)
    async with engine.begin() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        users = {}
        for ext in ("1001", "1002"):
            users[ext] = await raw.fetchval(
                "INSERT INTO users (username, password_hash, role, extension, active, status, failed_logins, full_name) "
                "VALUES ($1, '!', 'agent', $2, TRUE, 'offline', 0, '') RETURNING id", f"u{ext}", ext)
    today = date(2024, 2, 2)  # January is closed, February open: month rows, day rows and live all meet

    async def figures():
        async with read_snapshot(engine) as conn:
            return await build_summary(conn, stats_settings, *period, Filters(**flt), with_yoy=False)

    await _insert(engine, calls, convs, users)
    live = await figures()  # never refreshed: all from the records
    assert project(live) == reference(calls, convs, *period, flt)
    await refresh_now(engine, stats_settings, today=today)
    assert await figures() == live
    await _insert(engine, more, [], users)  # written after the refresh: those days are live
    expected = await figures()
    assert project(expected) == reference(calls + more, convs, *period, flt)
    await refresh_now(engine, stats_settings, today=today)
    assert await figures() == expected
