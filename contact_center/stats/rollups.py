"""Keeping the rollup rows current.

The watermark: every change with a change time (calls.updated_at,
call_registrations.updated_at, conversations.updated_at, messages.created_at,
callbacks.updated_at, callback_attempts.at) at or before it is in the day
rows. A refresh recomputes whole local days touched after the watermark,
marks their month and year stale ("pending"), rebuilds stale months and
years whose period has ended (an open month is answered from its days),
and moves the watermark, all in one REPEATABLE READ transaction, so a
reader sees rows and watermark that agree.

Writers stamp change times with now(), their transaction's *start*. A
transaction that started before the refresh but commits after it would
carry a change time behind the new watermark; so the new watermark is
never later than the start of the oldest transaction still open when the
refresh began. Only one refresh runs at a time (an advisory lock).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
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
    pending: frozenset[tuple[str, date]]


async def read_state(conn: asyncpg.Connection) -> State:
    wm = await conn.fetchval("SELECT watermark FROM stats_state WHERE id = 1")
    pending = await conn.fetch("SELECT grain, period_start FROM stats_pending")
    return State(wm, frozenset((r["grain"], r["period_start"]) for r in pending))


async def dirty_days(conn: asyncpg.Connection, tz: ZoneInfo, since: datetime) -> list[date]:
    rows = await conn.fetch(DIRTY_DAYS_SQL, tz.key, since)
    return sorted(r["d"] for r in rows)


async def day_docs(conn: asyncpg.Connection, tz: ZoneInfo, ranges: facts.Ranges) -> dict[tuple[str, str], Doc]:
    """Docs for every (day, filter key) of those days, from the records."""
    docs: dict[tuple[str, str], Doc] = {}
    build_docs(docs, await facts.call_facts(conn, tz, ranges, NO_FILTER), add_call, CALL_DIMS)
    build_docs(docs, await facts.callback_facts(conn, tz, ranges, NO_FILTER), add_callback, OTHER_DIMS)
    build_docs(docs, await facts.conversation_facts(conn, tz, ranges, NO_FILTER), add_conversation, OTHER_DIMS)
    return docs


async def _write(conn: asyncpg.Connection, grain: str, docs: Iterable[tuple[str, date, Doc]]) -> int:
    records = [(fkey, grain, start, json.dumps(doc, separators=(",", ":"))) for fkey, start, doc in docs]
    if records:
        await conn.copy_records_to_table(
            "stats_rollups", records=records, columns=["fkey", "grain", "period_start", "doc"]
        )
    return len(records)


async def _rebuild_bucket(conn: asyncpg.Connection, grain: str, start: date) -> None:
    """A month from its days, a year from its months."""
    if grain == "m":
        child, end = "d", next_month(start)
    else:
        child, end = "m", date(start.year + 1, 1, 1)
    rows = await conn.fetch(
        "SELECT fkey, doc FROM stats_rollups WHERE grain = $1 AND period_start >= $2 AND period_start < $3",
        child, start, end,
    )
    out: dict[str, Doc] = {}
    for r in rows:
        merge_into(out.setdefault(r["fkey"], {}), r["doc"])  # the pool decodes jsonb
    await conn.execute("DELETE FROM stats_rollups WHERE grain = $1 AND period_start = $2", grain, start)
    await _write(conn, grain, ((k, start, d) for k, d in out.items()))
    await conn.execute("DELETE FROM stats_pending WHERE grain = $1 AND period_start = $2", grain, start)


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
                n = await _rebuild_all(conn, tz)
                await _set_watermark(conn, horizon)
                return RefreshResult(n, 0, horizon)
            days = await dirty_days(conn, tz, state.watermark)
            if days:
                await conn.execute("DELETE FROM stats_rollups WHERE grain = 'd' AND period_start = ANY($1)", days)
                docs = await day_docs(conn, tz, facts.Ranges.of_days(days, tz))
                await _write(conn, "d", ((k, date.fromisoformat(d), doc) for (d, k), doc in docs.items()))
                marks = {("m", month_start(d)) for d in days} | {("y", date(d.year, 1, 1)) for d in days}
                await conn.executemany(
                    "INSERT INTO stats_pending (grain, period_start) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    sorted(marks),
                )
            buckets = await _rebuild_closed(conn, tz, today)
            await _set_watermark(conn, max(horizon, state.watermark))
            return RefreshResult(len(days), buckets, horizon)
    finally:
        await conn.fetchval("SELECT pg_advisory_unlock($1)", LOCK_KEY)


async def _rebuild_closed(conn: asyncpg.Connection, tz: ZoneInfo, today: date | None) -> int:
    today = today or datetime.now(tz).date()
    pending = sorted((r["grain"], r["period_start"]) for r in await conn.fetch("SELECT grain, period_start FROM stats_pending"))
    n = 0
    for grain, start in pending:  # 'm' sorts before 'y': months first
        closed = month_end(start) < today if grain == "m" else date(start.year, 12, 31) < today
        if not closed:
            continue
        if grain == "y":
            still = await conn.fetchval(
                "SELECT count(*) FROM stats_pending WHERE grain = 'm' AND period_start >= $1 AND period_start < $2",
                start, date(start.year + 1, 1, 1),
            )
            if still:
                continue
        await _rebuild_bucket(conn, grain, start)
        n += 1
    return n


async def _set_watermark(conn: asyncpg.Connection, wm: datetime) -> None:
    await conn.execute(
        """INSERT INTO stats_state (id, watermark, refreshed_at) VALUES (1, $1, now())
           ON CONFLICT (id) DO UPDATE SET watermark = EXCLUDED.watermark, refreshed_at = now()""",
        wm,
    )


async def _rebuild_all(
    conn: asyncpg.Connection, tz: ZoneInfo, progress: Callable[[int], None] | None = None
) -> int:
    """Every row from the records, month by month (inside the caller's transaction)."""
    await conn.execute("DELETE FROM stats_rollups")
    await conn.execute("DELETE FROM stats_pending")
    first = await facts.first_activity(conn, tz)
    last = await conn.fetchval(
        """SELECT timezone($1, greatest(
               (SELECT max(enqueued_at) FROM calls), (SELECT max(occurred_at) FROM call_registrations),
               (SELECT max(created_at) FROM conversations), (SELECT max(created_at) FROM callbacks)))::date""",
        tz.key,
    )
    if first is None or last is None:
        return 0
    months: dict[int, dict[str, list[tuple[date, Doc]]]] = defaultdict(lambda: defaultdict(list))
    cur = month_start(first)
    n_days = 0
    while cur <= last:
        end = month_end(cur)
        docs = await day_docs(conn, tz, facts.Ranges.of_period(cur, end, tz))
        n_days += len({d for d, _ in docs})
        month: dict[str, Doc] = {}
        for (_, key), doc in docs.items():
            merge_into(month.setdefault(key, {}), doc)
        await _write(conn, "d", ((k, date.fromisoformat(d), doc) for (d, k), doc in docs.items()))
        await _write(conn, "m", ((k, cur, doc) for k, doc in month.items()))
        for k, doc in month.items():
            months[cur.year][k].append((cur, doc))
        if cur.month == 12 or next_month(cur) > last:
            year: dict[str, Doc] = {}
            for k, parts in months.pop(cur.year).items():
                for _, doc in parts:
                    merge_into(year.setdefault(k, {}), doc)
            await _write(conn, "y", ((k, date(cur.year, 1, 1), doc) for k, doc in year.items()))
        if progress:
            progress(1)
        cur = next_month(cur)
    return n_days


async def rebuild_all(
    conn: asyncpg.Connection, tz: ZoneInfo, progress: Callable[[int], None] | None = None
) -> int:
    """Rebuild every rollup row from the records (seed-demo, `cc142 stats --rebuild`)."""
    await conn.fetchval("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        horizon = await conn.fetchval(HORIZON_SQL)
        async with conn.transaction(isolation="repeatable_read"):
            n = await _rebuild_all(conn, tz, progress)
            await _set_watermark(conn, horizon)
        return n
    finally:
        await conn.fetchval("SELECT pg_advisory_unlock($1)", LOCK_KEY)
