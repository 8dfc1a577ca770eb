"""The figures of one period: rollup rows where they are current, the records
for the days not refreshed yet, merged into one doc.

A year or month row is used when the period starts on its first day, the
row is fresh, everything it covers lies in the period and none of those days
changed since the watermark; the open month and year cover through
yesterday, so "this month" is one month row and today. Otherwise day rows;
a day changed since the watermark is computed from the records (so a figure
is exact right after a write). Several of the filters queue,
agent, direction, district at once have no rollup row: such a query is
computed from the records for the whole period.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import orjson

from contact_center.stats import facts
from contact_center.stats.acc import Doc, add_call, add_callback, add_conversation, build_one, merge_into
from contact_center.stats.filters import Filters
from contact_center.stats.rollups import WEEK_STARTS, State, dirty_days, read_state


@dataclass(frozen=True)
class Snapshot:
    """What a query needs to know about the rollups, read once per request."""

    state: State
    dirty: tuple[date, ...]  # sorted local days changed since the watermark

    @property
    def all_buckets(self) -> frozenset[tuple[str, date]]:
        return self.state.all_buckets

    def dirty_between(self, a: date, b: date) -> bool:
        i = bisect.bisect_left(self.dirty, a)
        return i < len(self.dirty) and self.dirty[i] <= b


async def snapshot(conn: asyncpg.Connection, tz: ZoneInfo) -> Snapshot:
    state = await read_state(conn)
    dirty = () if state.watermark is None else tuple(await dirty_days(conn, tz, state.watermark))
    return Snapshot(state, dirty)


@dataclass(frozen=True)
class Plan:
    rows: dict[str, list[date]]  # grain -> period starts
    live: list[date]  # days computed from the records
    all_live: bool = False


def plan(date_from: date, date_to: date, snap: Snapshot) -> Plan:
    rows: dict[str, list[date]] = {"d": [], "w": [], "m": [], "y": []}
    live: list[date] = []
    if snap.state.watermark is None:
        return Plan(rows, [], all_live=True)
    buckets = snap.state.buckets
    cur = date_from
    # Every month with records has a bucket (built, or stale until the next
    # refresh, when its days are dirty): days before the first one hold nothing.
    first = min((s for (_, s) in snap.all_buckets), default=None)
    if first is not None and cur < first and not snap.dirty_between(cur, first - timedelta(days=1)):
        cur = first
    while cur <= date_to:
        used = False
        for grain, first in (("y", cur.month == 1 and cur.day == 1), ("m", cur.day == 1),
                             ("w", cur.day in WEEK_STARTS)):
            bucket = buckets.get((grain, cur)) if first else None
            covers = bucket[0] if bucket else None
            if covers is not None and covers <= date_to and not snap.dirty_between(cur, covers):
                rows[grain].append(cur)
                cur = covers + timedelta(days=1)
                used = True
                break
        if used:
            continue
        if snap.dirty_between(cur, cur):
            live.append(cur)
        else:
            rows["d"].append(cur)
        cur += timedelta(days=1)
    return Plan(rows, live)


async def live_doc(conn: asyncpg.Connection, tz: ZoneInfo, ranges: facts.Ranges, filters: Filters) -> Doc:
    return build_one([
        (await facts.call_facts(conn, tz, ranges, filters), add_call),
        (await facts.callback_facts(conn, tz, ranges, filters), add_callback),
        (await facts.conversation_facts(conn, tz, ranges, filters), add_conversation),
    ])


# What a year-earlier comparison does not need (it compares scalars only).
_SCALARS_ONLY = " #- '{c,dy}'"  # the by-day part is most of a year row


# Merged month and year rows, by the buckets' versions: a rebuilt bucket gets a
# new version, so an entry is never stale; the values are never mutated.
_CACHE: OrderedDict[tuple, Doc] = OrderedDict()
CACHE_SIZE = 256


async def _buckets_doc(conn: asyncpg.Connection, fkey: str, p: Plan, snap: Snapshot, scalars_only: bool) -> Doc:
    buckets = snap.state.buckets
    key = (fkey, scalars_only, tuple((g, s, buckets[(g, s)][1]) for g in ("y", "m", "w") for s in p.rows[g]))
    doc = _CACHE.get(key)
    if doc is not None:
        _CACHE.move_to_end(key)
        return doc
    rows = await conn.fetch(
        f"""SELECT (doc{_SCALARS_ONLY if scalars_only else ""})::text AS doc FROM stats_rollups
            WHERE fkey = $1 AND ((grain = 'y' AND period_start = ANY($2)) OR (grain = 'm' AND period_start = ANY($3))
                                 OR (grain = 'w' AND period_start = ANY($4)))""",
        fkey, p.rows["y"], p.rows["m"], p.rows["w"],
    )
    doc = {}
    for r in rows:
        merge_into(doc, orjson.loads(r["doc"]), take=True)
    _CACHE[key] = doc
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return doc


async def period_doc(
    conn: asyncpg.Connection, tz: ZoneInfo, date_from: date, date_to: date, filters: Filters, snap: Snapshot,
    *, scalars_only: bool = False,
) -> Doc:
    """The merged doc of the period. scalars_only: leave out by-day, by-hour and
    per-agent parts (the year-earlier comparison), which saves decoding them."""
    fkey = filters.fkey()
    p = plan(date_from, date_to, snap)
    if fkey is None or p.all_live:
        return await live_doc(conn, tz, facts.Ranges.of_period(date_from, date_to, tz), filters)
    doc: Doc = {}
    if p.rows["y"] or p.rows["m"] or p.rows["w"]:
        cached = await _buckets_doc(conn, fkey, p, snap, scalars_only)
        if not p.rows["d"] and not p.live:
            return cached  # read only by the caller
        doc = merge_into({}, cached)  # a copy: the cached doc stays as it is
    if p.rows["d"]:
        rows = await conn.fetch(
            f"""SELECT (doc{_SCALARS_ONLY if scalars_only else ""})::text AS doc FROM stats_rollups
                WHERE fkey = $1 AND grain = 'd' AND period_start >= $2 AND period_start <= $3
                  AND period_start = ANY($4)""",
            fkey, min(p.rows["d"]), max(p.rows["d"]), p.rows["d"],
        )
        for r in rows:
            merge_into(doc, orjson.loads(r["doc"]), take=True)
    if p.live:
        merge_into(doc, await live_doc(conn, tz, facts.Ranges.of_days(p.live, tz), filters), take=True)
    return doc
