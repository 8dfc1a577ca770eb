"""Keeping the rollup rows current.

Day rows: one per (filter key, local day). Month and year rows sum day rows
from the bucket's start through its `covers_to` (stats_buckets): a closed
month or year covers all of it, the open ones cover through yesterday, so
"this month", "this year" and "since the start" are each a few rows plus
today.

The watermark: every change with a change time (calls.updated_at,
call_registrations.updated_at, conversations.updated_at, messages.created_at,
callbacks.updated_at, callback_attempts.at) at or before it is in the day
rows. A refresh recomputes whole local days touched after the watermark,
marks the buckets covering them stale, rebuilds stale buckets (and extends
the open month and year to yesterday), and moves the watermark, all in one
REPEATABLE READ transaction, so a reader sees rows, buckets and watermark
that agree.

Writers stamp change times with now(), their transaction's *start*. A
transaction that started before the refresh but commits after it would
carry a change time behind the new watermark; so the new watermark is
never later than the start of the oldest transaction still open when the
refresh began. Only one refresh runs at a time (an advisory lock).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from contact_center.stats import facts
from contact_center.stats.acc import (
    CALL_DIMS,
    OTHER_DIMS,
    Doc,
    add_call,
    add_callback,
    add_conversation,
    build_docs,
    merge_into,
)
from contact_center.stats.filters import Filters

log = logging.getLogger(__name__)

LOCK_KEY = 142_0005  # pg advisory lock: one refresher at a time across processes
NO_FILTER = Filters()

HORIZON_SQL = """
SELECT least(clock_timestamp(),
             (SELECT min(xact_start) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND xact_start IS NOT NULL)) - interval '1 microsecond'
"""

DIRTY_DAYS_SQL = """
SELECT DISTINCT d FROM (
    SELECT timezone($1, enqueued_at)::date AS d FROM calls WHERE updated_at > $2
    UNION ALL
    SELECT timezone($1, COALESCE(c.enqueued_at, r.occurred_at))::date
    FROM call_registrations r LEFT JOIN calls c ON c.id = r.call_id WHERE r.updated_at > $2
    UNION ALL
    SELECT timezone($1, created_at)::date FROM conversations WHERE updated_at > $2
    UNION ALL
    SELECT timezone($1, v.created_at)::date
    FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE m.created_at > $2
    UNION ALL
    SELECT timezone($1, created_at)::date FROM callbacks WHERE updated_at > $2
    UNION ALL
    SELECT timezone($1, b.created_at)::date
    FROM callback_attempts a JOIN callbacks b ON b.id = a.callback_id WHERE a.at > $2
) s WHERE d IS NOT NULL
"""


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def month_end(d: date) -> date:
    return next_month(d) - timedelta(days=1)


@dataclass(frozen=True)
class State:
    watermark: datetime | None
    # (grain, period_start) -> (the last day its rows cover, version), fresh buckets only
    buckets: dict[tuple[str, date], tuple[date, int]]
    all_buckets: frozenset[tuple[str, date]] = frozenset()  # fresh or stale


async def read_state(conn: asyncpg.Connection) -> State:
    wm = await conn.fetchval("SELECT watermark FROM stats_state WHERE id = 1")
    rows = await conn.fetch("SELECT grain, period_start, covers_to, version, stale FROM stats_buckets")
    return State(
        wm,
        {(r["grain"], r["period_start"]): (r["covers_to"], r["version"])
         for r in rows if not r["stale"] and r["covers_to"] is not None},
        frozenset((r["grain"], r["period_start"]) for r in rows),
    )


async def dirty_days(conn: asyncpg.Connection, tz: ZoneInfo, since: datetime) -> list[date]:
    rows = await conn.fetch(DIRTY_DAYS_SQL, tz.key, since)
    return sorted(r["d"] for r in rows)


# Facts folded between two yields to the event loop: the refresher runs in the
# backend process, beside the PBX ingest, and must not hold the loop for long.
CHUNK = 500


async def _build(docs: dict[tuple[str, str], Doc], rows: list, add: Callable, dims: tuple[str, ...]) -> None:
    for i in range(0, len(rows), CHUNK):
        build_docs(docs, rows[i:i + CHUNK], add, dims)
        await asyncio.sleep(0)


async def day_docs(conn: asyncpg.Connection, tz: ZoneInfo, ranges: facts.Ranges) -> dict[tuple[str, str], Doc]:
    """Docs for every (day, filter key) of those days, from the records."""
    docs: dict[tuple[str, str], Doc] = {}
    await _build(docs, await facts.call_facts(conn, tz, ranges, NO_FILTER), add_call, CALL_DIMS)
    await _build(docs, await facts.callback_facts(conn, tz, ranges, NO_FILTER), add_callback, OTHER_DIMS)
    await _build(docs, await facts.conversation_facts(conn, tz, ranges, NO_FILTER), add_conversation, OTHER_DIMS)
    return docs


async def _write(conn: asyncpg.Connection, grain: str, docs: Iterable[tuple[str, date, Doc]]) -> int:
    records = [(fkey, grain, start, json.dumps(doc, separators=(",", ":"))) for fkey, start, doc in docs]
    if records:
        await conn.copy_records_to_table(
            "stats_rollups", records=records, columns=["fkey", "grain", "period_start", "doc"]
        )
    return len(records)


def year_start(d: date) -> date:
    return date(d.year, 1, 1)


WEEK_STARTS = (1, 8, 15, 22)  # "weeks" of a month: days 1-7, 8-14, 15-21, 22-28


def week_start(d: date) -> date | None:
    return d.replace(day=(d.day - 1) // 7 * 7 + 1) if d.day <= 28 else None


def bucket_end(grain: str, start: date) -> date:
    if grain == "w":
        return start + timedelta(days=6)
    return month_end(start) if grain == "m" else date(start.year, 12, 31)


def buckets_of(d: date) -> list[tuple[str, date]]:
    out = [("m", month_start(d)), ("y", year_start(d))]
    w = week_start(d)
    if w is not None:
        out.append(("w", w))
    return out


async def _rebuild_bucket(conn: asyncpg.Connection, grain: str, start: date, through: date) -> None:
    """A week or month from its day rows, a year from its month rows, through `through`."""
    child = "m" if grain == "y" else "d"
    rows = await conn.fetch(
        "SELECT fkey, doc FROM stats_rollups WHERE grain = $1 AND period_start >= $2 AND period_start <= $3",
        child, start, through,
    )
    out: dict[str, Doc] = {}
    for i, r in enumerate(rows):
        merge_into(out.setdefault(r["fkey"], {}), r["doc"], take=True)  # the pool decodes jsonb
        if i % 200 == 199:
            await asyncio.sleep(0)
    await conn.execute("DELETE FROM stats_rollups WHERE grain = $1 AND period_start = $2", grain, start)
    await _write(conn, grain, ((k, start, d) for k, d in out.items()))
    await _set_bucket(conn, grain, start, through)


async def _mark_stale(conn: asyncpg.Connection, days: Iterable[date]) -> None:
    """Buckets covering a changed day are stale; a bucket never built is created stale."""
    await conn.executemany(
        """INSERT INTO stats_buckets (grain, period_start, covers_to, stale) VALUES ($1, $2, NULL, TRUE)
           ON CONFLICT (grain, period_start) DO UPDATE SET stale = stats_buckets.stale
               OR stats_buckets.covers_to IS NULL OR stats_buckets.covers_to >= $3""",
        [(g, start, d) for d in sorted(set(days)) for g, start in buckets_of(d)],
    )


async def _rebuild_buckets(conn: asyncpg.Connection, today: date) -> int:
    """Rebuild stale buckets, and extend the open month and year through
    yesterday. Weeks and months first: a year is the sum of its months."""
    yesterday = today - timedelta(days=1)
    await conn.execute(
        """UPDATE stats_buckets SET stale = TRUE
           WHERE NOT stale AND covers_to < LEAST($1::date, CASE grain
               WHEN 'w' THEN period_start + 6
               WHEN 'm' THEN (period_start + interval '1 month' - interval '1 day')::date
               ELSE make_date(extract(year FROM period_start)::int, 12, 31) END)""",
        yesterday,
    )
    n = 0
    for grain in ("w", "m", "y"):
        rows = await conn.fetch(
            "SELECT period_start FROM stats_buckets WHERE grain = $1 AND stale ORDER BY period_start", grain
        )
        for r in rows:
            start = r["period_start"]
            through = min(bucket_end(grain, start), yesterday)
            if through < start:
                continue  # starts today: nothing to cover yet
            if grain == "y" and await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM stats_buckets WHERE grain = 'm' AND stale "
                "AND period_start >= $1 AND period_start <= $2)", start, through,
            ):
                continue  # a month of it is not ready
            await _rebuild_bucket(conn, grain, start, through)
            n += 1
    return n


@dataclass
class RefreshResult:
    days: int
    buckets: int
    watermark: datetime | None


async def refresh(conn: asyncpg.Connection, tz: ZoneInfo, *, today: date | None = None) -> RefreshResult | None:
    """One refresh; None when another process holds the lock. `conn` is a
    bare asyncpg connection outside any transaction."""
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
        return None
    try:
        horizon = await conn.fetchval(HORIZON_SQL)
        async with conn.transaction(isolation="repeatable_read"):
            state = await read_state(conn)
            if state.watermark is None:
                n = await _rebuild_all(conn, tz, today=today)
                await _set_watermark(conn, horizon)
                return RefreshResult(n, 0, horizon)
            days = await dirty_days(conn, tz, state.watermark)
            if days:
                await conn.execute("DELETE FROM stats_rollups WHERE grain = 'd' AND period_start = ANY($1)", days)
                docs = await day_docs(conn, tz, facts.Ranges.of_days(days, tz))
                await _write(conn, "d", ((k, date.fromisoformat(d), doc) for (d, k), doc in docs.items()))
                await _mark_stale(conn, days)
            buckets = await _rebuild_buckets(conn, today or datetime.now(tz).date())
            await _set_watermark(conn, max(horizon, state.watermark))
            return RefreshResult(len(days), buckets, horizon)
    finally:
        await conn.fetchval("SELECT pg_advisory_unlock($1)", LOCK_KEY)


async def _set_watermark(conn: asyncpg.Connection, wm: datetime) -> None:
    await conn.execute(
        """INSERT INTO stats_state (id, watermark, refreshed_at) VALUES (1, $1, now())
           ON CONFLICT (id) DO UPDATE SET watermark = EXCLUDED.watermark, refreshed_at = now()""",
        wm,
    )


async def _rebuild_all(
    conn: asyncpg.Connection, tz: ZoneInfo, progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> int:
    """Every row from the records, month by month (inside the caller's transaction):
    day rows, then the buckets, the open month and year through yesterday."""
    await conn.execute("DELETE FROM stats_rollups")
    await conn.execute("DELETE FROM stats_buckets")
    first = await facts.first_activity(conn, tz)
    last = await conn.fetchval(
        """SELECT timezone($1, greatest(
               (SELECT max(enqueued_at) FROM calls), (SELECT max(occurred_at) FROM call_registrations),
               (SELECT max(created_at) FROM conversations), (SELECT max(created_at) FROM callbacks)))::date""",
        tz.key,
    )
    if first is None or last is None:
        return 0
    yesterday = (today or datetime.now(tz).date()) - timedelta(days=1)
    cur = month_start(first)
    n_days = 0
    year: dict[str, Doc] = {}
    while cur <= last:
        docs = await day_docs(conn, tz, facts.Ranges.of_period(cur, month_end(cur), tz))
        days = {date.fromisoformat(d) for d, _ in docs}
        n_days += len(days)
        await _write(conn, "d", ((k, date.fromisoformat(d), doc) for (d, k), doc in docs.items()))
        # Weeks, the month and the year summed here (no reading back), through yesterday.
        weeks: dict[date, dict[str, Doc]] = {}
        month: dict[str, Doc] = {}
        for (d, k), doc in docs.items():
            day = date.fromisoformat(d)
            if day > yesterday:
                continue
            w = week_start(day)
            if w is not None:
                merge_into(weeks.setdefault(w, {}).setdefault(k, {}), doc, take=True)
            else:
                merge_into(month.setdefault(k, {}), doc, take=True)
        for w, parts in sorted(weeks.items()):
            await _write(conn, "w", ((k, w, doc) for k, doc in parts.items()))
            await _set_bucket(conn, "w", w, min(bucket_end("w", w), yesterday))
            for k, doc in parts.items():
                merge_into(month.setdefault(k, {}), doc)
        if cur <= yesterday:
            await _write(conn, "m", ((k, cur, doc) for k, doc in month.items()))
            await _set_bucket(conn, "m", cur, min(month_end(cur), yesterday))
            for k, doc in month.items():
                merge_into(year.setdefault(k, {}), doc, take=True)
        nxt = next_month(cur)
        if nxt.year != cur.year or nxt > last:
            start = date(cur.year, 1, 1)
            if start <= yesterday:
                await _write(conn, "y", ((k, start, doc) for k, doc in year.items()))
                await _set_bucket(conn, "y", start, min(date(cur.year, 12, 31), yesterday))
            year = {}
        if progress:
            progress(1)
        await asyncio.sleep(0)
        cur = nxt
    return n_days


async def _set_bucket(conn: asyncpg.Connection, grain: str, start: date, through: date) -> None:
    await conn.execute(
        """INSERT INTO stats_buckets (grain, period_start, covers_to, stale, version)
           VALUES ($1, $2, $3, FALSE, txid_current())
           ON CONFLICT (grain, period_start) DO UPDATE
           SET covers_to = EXCLUDED.covers_to, stale = FALSE, version = EXCLUDED.version""",
        grain, start, through,
    )


async def rebuild_all(
    conn: asyncpg.Connection, tz: ZoneInfo, progress: Callable[[int], None] | None = None,
    *, today: date | None = None,
) -> int:
    """Rebuild every rollup row from the records (seed-demo, `cc142 stats --rebuild`)."""
    await conn.fetchval("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        horizon = await conn.fetchval(HORIZON_SQL)
        async with conn.transaction(isolation="repeatable_read"):
            n = await _rebuild_all(conn, tz, progress, today)
            await _set_watermark(conn, horizon)
        return n
    finally:
        await conn.fetchval("SELECT pg_advisory_unlock($1)", LOCK_KEY)
