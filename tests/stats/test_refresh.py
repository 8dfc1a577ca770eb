"""Rollups stay exact: figures right after a write, the refresher's watermark,
its lock, and the background task."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import text

from contact_center.db.driver import driver_connection
from contact_center.stats.db import read_snapshot
from contact_center.stats.query import plan, snapshot
from contact_center.stats.rollups import LOCK_KEY
from tests.helpers import event, post_pbx
from tests.stats.conftest import refresh_now, summary
from tests.stats.fixture_august import seed_august

AUG = {"from": "2024-08-01", "to": "2024-08-31"}


async def _plan(db, settings, a, b):
    async with read_snapshot(db) as conn:
        return plan(a, b, await snapshot(conn, settings.tz))


async def test_exact_right_after_a_pbx_write(stats_client, stats_data, stats_settings, db):
    await seed_august(stats_data)
    await refresh_now(db, stats_settings)
    before = await summary(stats_client, **AUG)
    assert before["calls"]["offered"] == 9
    # A call through the real PBX endpoint: enqueued 20 Aug 10:00 Baku, answered after 7 s, 90 s talk.
    resp = await post_pbx(stats_client, [
        event("n1", "new-1", "enqueued", "2024-08-20T10:00:00+04:00", caller="+994501112233", queue="142"),
        event("n2", "new-1", "answered", "2024-08-20T10:00:07+04:00", agent="1002"),
        event("n3", "new-1", "completed", "2024-08-20T10:01:37+04:00", agent="1002"),
    ])
    assert resp.status == 202
    p = await _plan(db, stats_settings, date(2024, 8, 1), date(2024, 8, 31))
    assert p.live == [date(2024, 8, 20)] and p.rows["m"] == []  # the month row is stale: days + live
    after = await summary(stats_client, **AUG)
    assert after["calls"]["offered"] == 10 and after["calls"]["answered"] == 6
    assert after["calls"]["asa_seconds"] == round((62.5 + 7) / 6, 2)
    assert after["calls"]["by_day"][19] == {"date": "2024-08-20", "offered": 1, "answered": 1, "abandoned": 0,
                                            "registered": 0}
    # The refresher folds it in; the month row is rebuilt (August is over) and answers alone again.
    result = await refresh_now(db, stats_settings)
    assert result.days == 1 and result.buckets == 3  # the week of 15-21 August, the month, the year
    p = await _plan(db, stats_settings, date(2024, 8, 1), date(2024, 8, 31))
    assert p.rows["m"] == [date(2024, 8, 1)] and p.live == []
    assert await summary(stats_client, **AUG) == after


async def test_open_month_and_year_cover_through_yesterday(stats_client, stats_data, stats_settings, db):
    await seed_august(stats_data)
    aug20 = date(2024, 8, 20)
    await refresh_now(db, stats_settings, today=aug20)  # first build, "today" is 20 August
    p = await _plan(db, stats_settings, date(2024, 8, 1), date(2024, 8, 31))
    assert p.rows["m"] == [date(2024, 8, 1)] and p.rows["d"][0] == aug20 and len(p.rows["d"]) == 12
    p = await _plan(db, stats_settings, date(2024, 1, 1), date(2024, 12, 31))
    assert p.rows["y"] == [date(2024, 1, 1)] and p.rows["d"][0] == aug20  # 1 Jan .. 19 Aug in one row
    # Today's writes: the rows still cover 1..19 August; today is computed from the records.
    await stats_data.call("2024-08-20 09:00:00", wait=3, talk=30, agent="1001")
    p = await _plan(db, stats_settings, date(2024, 8, 1), date(2024, 8, 31))
    assert p.rows["m"] == [date(2024, 8, 1)] and p.live == [aug20]
    assert (await summary(stats_client, **AUG))["calls"]["offered"] == 10
    result = await refresh_now(db, stats_settings, today=aug20)
    # Nothing the month and year cover changed; the week of 15-21 August has its
    # first records, so it is built (through yesterday, 19 August).
    assert result.days == 1 and result.buckets == 1
    # A late change inside what they cover: both are stale until the refresh rebuilds them.
    await stats_data.call("2024-08-10 09:00:00", wait=50, status="abandoned")
    p = await _plan(db, stats_settings, date(2024, 8, 1), date(2024, 8, 31))
    # Month and year no longer usable; weeks 1-7 and 15-19 are, the rest are days, 10 August live.
    assert p.rows["m"] == [] and p.live == [date(2024, 8, 10)]
    assert p.rows["w"] == [date(2024, 8, 1), date(2024, 8, 15)] and len(p.rows["d"]) == 6 + 12
    s = await summary(stats_client, **AUG)
    assert (s["calls"]["offered"], s["calls"]["abandoned"]) == (11, 4)
    result = await refresh_now(db, stats_settings, today=aug20)
    assert result.buckets == 3  # the week of 8-14 August, the month, the year
    assert await summary(stats_client, **AUG) == s
    # The next day the month and the year grow to cover 20 August.
    result = await refresh_now(db, stats_settings, today=date(2024, 8, 21))
    assert result.days == 0 and result.buckets == 3  # the week of 15-21 August, the month, the year
    async with read_snapshot(db) as conn:
        snap = await snapshot(conn, stats_settings.tz)
    assert snap.state.buckets[("m", date(2024, 8, 1))][0] == aug20
    assert snap.state.buckets[("y", date(2024, 1, 1))][0] == aug20
    p = await _plan(db, stats_settings, date(2024, 8, 1), date(2024, 8, 31))
    assert p.rows["m"] == [date(2024, 8, 1)] and p.rows["d"][0] == date(2024, 8, 21)
    assert await summary(stats_client, **AUG) == s
    s = await summary(stats_client, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert s["calls"]["offered"] == 13  # August 11, c11 in July, c12 in September


async def test_a_transaction_open_during_refresh_is_not_lost(stats_client, stats_data, stats_settings, db):
    await seed_august(stats_data)
    await refresh_now(db, stats_settings)
    # A writer starts before the refresh and commits after it: its change time
    # (its transaction's start) is older than the refresh.
    async with db.connect() as writer:
        tx = await writer.begin()
        await writer.execute(text(
            "INSERT INTO calls (pbx_call_id, direction, queue, enqueued_at, answered_at, ended_at, transferred) "
            "VALUES ('late-1', 'inbound', '142', '2024-08-21 10:00+04', '2024-08-21 10:00:05+04', "
            "'2024-08-21 10:02+04', FALSE)"))
        await asyncio.sleep(0.05)
        await refresh_now(db, stats_settings)
        await tx.commit()
    s = await summary(stats_client, **AUG)
    assert s["calls"]["offered"] == 10
    await refresh_now(db, stats_settings)
    p = await _plan(db, stats_settings, date(2024, 8, 1), date(2024, 8, 31))
    assert p.live == [] and p.rows["m"] == [date(2024, 8, 1)]
    assert (await summary(stats_client, **AUG))["calls"]["offered"] == 10


async def test_one_refresher_at_a_time(stats_settings, db):
    await refresh_now(db, stats_settings)
    async with driver_connection(db) as holder:
        assert await holder.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        try:
            assert await refresh_now(db, stats_settings) is None  # another process is refreshing
        finally:
            await holder.fetchval("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    assert await refresh_now(db, stats_settings) is not None


async def test_background_refresher(make_client, stats_settings, stats_data, db):
    client = await make_client(stats_settings.with_(stats_refresh_seconds=0.2))
    await seed_august(stats_data)
    for _ in range(100):
        p = await _plan(db, stats_settings, date(2024, 8, 1), date(2024, 8, 31))
        if p.rows["m"] == [date(2024, 8, 1)] and not p.live:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the background refresher did not build the rollups")
    assert (await summary(client, **AUG))["calls"]["offered"] == 9


async def test_readers_never_change_the_cached_rows(stats_client, stats_data, stats_settings, db):
    await seed_august(stats_data)
    await refresh_now(db, stats_settings)
    first = await summary(stats_client, **AUG)  # the month row, merged and cached
    wider = await summary(stats_client, **{"from": "2024-08-01", "to": "2024-09-03"})  # the month row + days
    assert wider["calls"]["offered"] == 10  # c12 on 1 September
    await stats_data.call("2024-08-25 10:00:00", wait=1, talk=10, agent="1001")  # live on top of the rows
    assert (await summary(stats_client, **AUG))["calls"]["offered"] == 10
    await refresh_now(db, stats_settings)  # August rebuilt: a new version
    assert (await summary(stats_client, **AUG))["calls"]["offered"] == 10
    assert first["calls"]["offered"] == 9
