"""`cc142 seed-demo`: traffic shaped like the seeds, and rollups that agree."""

from __future__ import annotations

from datetime import datetime, timedelta

from pytest import approx
from sqlalchemy import text

from contact_center.demo import seed_demo
from contact_center.stats.db import read_snapshot
from contact_center.stats.filters import Filters
from contact_center.stats.query import plan, snapshot
from contact_center.stats.summary import build_summary


async def _indexes(db):
    async with db.connect() as conn:
        return set((await conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('calls', 'call_registrations', 'callbacks', "
            "'conversations', 'messages', 'callback_attempts')"))).scalars())


async def test_seed_demo_shape_and_rollups(db, stats_settings):
    indexes = await _indexes(db)
    out = await seed_demo(db, stats_settings, days=21, seed=7)
    assert await _indexes(db) == indexes  # dropped for the load, all built again
    assert 21 * 2000 < out.calls < 21 * 4000
    today = datetime.now(stats_settings.tz).date()
    first, last = today - timedelta(days=21), today - timedelta(days=1)
    async with read_snapshot(db) as conn:
        snap = await snapshot(conn, stats_settings.tz)
        assert not snap.dirty and snap.state.watermark is not None  # the rollups were built
        assert plan(first, last, snap).live == []
        s = await build_summary(conn, stats_settings, first, last, Filters(), snap=snap, with_yoy=False)
        users = await conn.fetch("SELECT extension, password_hash, role FROM users ORDER BY extension")
    c = s["calls"]
    assert c["offered"] == out.calls
    assert c["answer_rate"] == approx(0.987, abs=0.005)
    assert c["registered_rate"] == approx(0.83, abs=0.02)
    assert c["baku_share"] == approx(0.406, abs=0.03)
    shares = {x["code"]: x["share"] for x in c["by_direction"]}
    assert shares["social_protection"] == approx(0.566, abs=0.03) and shares["employment"] == approx(0.234, abs=0.03)
    assert 10 < c["asa_seconds"] < 18 and c["service_level"] > 0.7
    assert s["csat"]["score"] == approx(0.926, abs=0.05)
    # about a quarter of the answered calls took the post-call survey, 93 % rating 4-5 (DOST 2024)
    q = s["csat"]["calls"]
    assert q["responses"] == approx(0.25 * c["answered"], rel=0.1)
    assert q["score"] == approx(0.93, abs=0.02) and 4.3 < q["mean"] < 4.9
    assert all(a["csat"]["responses"] > 0 for a in c["per_agent"])
    assert s["chats"]["conversations"]["total"] == approx(21 * 132, rel=0.25)
    assert s["callbacks"]["requested"]["total"] == approx(21 * 64, rel=0.25)
    assert [u["extension"] for u in users] == [str(1000 + i) for i in range(1, 41)]
    assert all(u["password_hash"] == "!" and u["role"] == "agent" for u in users)
    # The same figures straight from the records.
    async with db.begin() as conn:
        await conn.execute(text("DELETE FROM stats_state"))
    async with read_snapshot(db) as conn:
        assert await build_summary(conn, stats_settings, first, last, Filters(), with_yoy=False) == s


async def test_seed_demo_gives_plausible_agent_states(db, stats_settings):
    out = await seed_demo(db, stats_settings, days=3, seed=11, rollups=False)
    assert out.state_intervals > 0
    async with db.connect() as conn:
        states = dict((await conn.execute(text(
            "SELECT state, count(*) FROM agent_state_intervals GROUP BY 1"))).all())
        overlaps = (await conn.execute(text(
            "SELECT count(*) FROM (SELECT end_at, lead(start_at) OVER (PARTITION BY agent ORDER BY start_at) AS nxt "
            "FROM agent_state_intervals) x WHERE end_at > nxt OR (end_at IS NULL AND nxt IS NOT NULL)"))).scalar()
        talk, on_call = (await conn.execute(text(
            "SELECT (SELECT sum(talk_seconds) FROM calls WHERE agent IS NOT NULL), "
            "(SELECT sum(extract(epoch FROM end_at - start_at)) FROM agent_state_intervals "
            "WHERE state = 'on_call')"))).one()
        reasons = set((await conn.execute(text(
            "SELECT DISTINCT reason FROM agent_state_intervals WHERE state = 'paused'"))).scalars())
    assert set(states) == {"available", "on_call", "wrap_up", "paused", "offline"}
    assert overlaps == 0  # one state at a time per agent
    # the generator gives agents calls at random, some overlapping: those are cut short
    assert 0.8 * float(talk) < float(on_call) <= float(talk)
    assert "lunch" in reasons and reasons <= {"lunch", "break", "training", "other_work", "technical"}
