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
    assert s["chats"]["conversations"]["total"] == approx(21 * 132, rel=0.25)
    assert s["callbacks"]["requested"]["total"] == approx(21 * 64, rel=0.25)
    assert [u["extension"] for u in users] == [str(1000 + i) for i in range(1, 41)]
    assert all(u["password_hash"] == "!" and u["role"] == "agent" for u in users)
    # The same figures straight from the records.
    async with db.begin() as conn:
        await conn.execute(text("DELETE FROM stats_state"))
    async with read_snapshot(db) as conn:
        assert await build_summary(conn, stats_settings, first, last, Filters(), with_yoy=False) == s
