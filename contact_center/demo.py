"""`cc142 seed-demo`: realistic traffic so a newcomer (and the benchmarks) see a
living system.

Shaped like the seeds (shared/seeds 000 and 002): about 1.05 M incoming calls a
year with a working-hours peak and quiet weekends, about 98.7 % answered,
short waits with a long tail; about 83 % of incoming calls registered, with
the direction mix of the first half of 2022 (Sosial müdafiə 56.6 %,
Məşğulluq 23.4 %, Əlillik 11.5 %, VƏM 7.0 %, ...), Baku about 40.6 % of the
districts; about 23 k callback requests and 48 k chatbot and social
conversations a year (web chat, Facebook, Instagram) with hand-offs, agent
replies and ratings (about 92.6 % scored 4-5).

Rows go in with COPY (asyncpg copy_records_to_table on the pool's driver
connections, two at once), one month per transaction, the next month being
generated in a worker thread while one loads; then the statistics rollups
are rebuilt. Into an empty database the secondary indexes of the loaded
tables are dropped first and built again at the end (in a `finally`, so an
error or Ctrl-C still restores them; only a hard kill would leave them
missing — seed a fresh database again then). The PBX hooks (abandoned-call callbacks, live events) do not run
for generated history, just as for an imported old queue_log.

Agent states: plausible intervals per agent and day from the generated calls
(`seed_agent_states`: signed in before the first call, on_call / wrap_up /
available between calls, long gaps as pauses with a reason, offline after).

Registrations need agents: users agent1001..agent1040 (role agent, extensions
1001..1040, password hash "!" so nobody can sign in with them) are created
when no user has that extension yet.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine
from tqdm import tqdm

from contact_center.config import Settings
from contact_center.reference import districts as reference_districts
from contact_center.db.driver import driver_connection
from contact_center.stats.rollups import month_end, next_month, rebuild_all
from contact_center.timeutil import day_start

CALLS_PER_DAY = 3000  # before the weekday factor: about 1.05 M a year
WEEKDAY_FACTOR = np.array([1.15, 1.15, 1.15, 1.15, 1.12, 0.62, 0.42])  # Monday..Sunday
MONTH_FACTOR = np.array([0.95, 0.97, 1.0, 1.02, 1.0, 0.97, 0.98, 1.03, 1.06, 1.04, 1.0, 0.98])
HOUR_WEIGHTS = np.array([1, 0, 0, 0, 0, 1, 2, 6, 22, 34, 36, 34, 28, 30, 33, 30, 26, 18, 10, 6, 4, 3, 2, 1], float)
ANSWERED = 0.987
REGISTERED_OF_ANSWERED = 0.84  # 82.97 % of incoming, as in seed 000
UNANSWERED_REASONS = (["abandoned", "timeout", "exit_key", "exit_empty"], [0.85, 0.10, 0.03, 0.02])
DIRECTIONS = (["social_protection", "employment", "disability", "labour_relations", "certificates", "vem",
               "general"], [0.560, 0.231, 0.114, 0.0094, 0.0055, 0.069, 0.0111])
CALL_TYPES = (["information", "complaint", "application", "suggestion", "other"], [0.70, 0.10, 0.15, 0.02, 0.03])
OUTCOMES = (["fully_answered", "sent_to_office", "investigation", "refused"], [0.82, 0.10, 0.06, 0.02])
BAKU_SHARE = 0.4059
CONVERSATIONS_PER_DAY = 132  # 48 k a year
CHAT_CHANNELS = (["web_chat", "facebook", "instagram"], [0.55, 0.28, 0.17])
CALLBACKS_PER_DAY = 64  # 23 k a year
CALLBACK_SOURCES = (["web", "bot", "abandoned_call", "agent", "facebook", "instagram"],
                    [0.35, 0.20, 0.25, 0.10, 0.06, 0.04])
CSAT = ([5, 4, 3, 2, 1], [0.80, 0.126, 0.03, 0.02, 0.024])
# The post-call IVR survey: about a quarter of answered calls, 93 % rating 4-5 (DOST, 2024).
CALL_SURVEY_SHARE = 0.25
CALL_SURVEY = ([5, 4, 3, 2, 1], [0.78, 0.15, 0.03, 0.02, 0.02])
AGENTS = [str(1000 + i) for i in range(1, 41)]
MOBILE = np.array([50, 51, 55, 70, 77, 99, 10, 60])


PG_EPOCH = 946684800  # 2000-01-01 UTC in Unix seconds


def _pg_time(seconds: np.ndarray) -> list[tuple[int] | None]:
    """Epoch seconds (NaN = none) -> PostgreSQL's binary timestamptz (microseconds
    since 2000), for the connection's tuple codec: no datetime objects at all."""
    us = np.where(np.isnan(seconds), 0, (seconds - PG_EPOCH) * 1e6).astype("int64").tolist()
    out: list[tuple[int] | None] = [(u,) for u in us]
    for i in np.flatnonzero(np.isnan(seconds)).tolist():
        out[i] = None
    return out


def _shift(t: tuple[int] | None, seconds: float) -> tuple[int] | None:
    return None if t is None else (t[0] + int(seconds * 1e6),)


def _pick(rng: np.random.Generator, choice: tuple[list, list[float]], n: int) -> list:
    names, weights = choice
    p = np.array(weights, float)
    return np.array(names, dtype=object)[rng.choice(len(names), size=n, p=p / p.sum())].tolist()


@dataclass
class Seeded:
    calls: int = 0
    registrations: int = 0
    conversations: int = 0
    messages: int = 0
    callbacks: int = 0
    state_intervals: int = 0
    seconds: float = 0.0


async def _agents(conn) -> dict[str, int]:
    await conn.executemany(
        """INSERT INTO users (username, full_name, password_hash, role, extension, active, status, failed_logins)
           SELECT $1::varchar, $2::varchar, '!', 'agent', $3::varchar, TRUE, 'offline', 0
           WHERE NOT EXISTS (SELECT 1 FROM users WHERE extension = $3::varchar OR username = $1::varchar)""",
        [(f"agent{ext}", f"Operator {ext}", ext) for ext in AGENTS],
    )
    rows = await conn.fetch("SELECT extension, id FROM users WHERE extension = ANY($1)", AGENTS)
    return {r["extension"]: r["id"] for r in rows}


async def _ids(conn, table: str, n: int) -> np.ndarray:
    rows = await conn.fetch(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)", n
    )
    return np.array([r[0] for r in rows], dtype=np.int64)


class Generator:
    def __init__(self, settings: Settings, seed: int, agents: dict[str, int]):
        self.tz = settings.tz
        self.rng = np.random.default_rng(seed)
        self.agents = agents
        self.horizon = time.time() - 60  # nothing is generated later than this
        dist = reference_districts()
        baku = [d["code"] for d in dist if d["area"] == "baku"]
        regions = [d["code"] for d in dist if d["area"] != "baku"]
        # Bigger districts get more calls (a fixed, uneven weighting).
        wb = np.linspace(2.0, 0.6, len(baku))
        wr = np.linspace(3.0, 0.3, len(regions))
        self.districts = np.array(baku + regions, dtype=object)
        self.district_p = np.concatenate([wb / wb.sum() * BAKU_SHARE, wr / wr.sum() * (1 - BAKU_SHARE)])

    def _day_counts(self, days: list[date], per_day: float, first: date) -> np.ndarray:
        wd = WEEKDAY_FACTOR[[d.weekday() for d in days]]
        mf = MONTH_FACTOR[[d.month - 1 for d in days]]
        growth = np.array([1.03 ** ((d - first).days / 365) for d in days])
        return self.rng.poisson(per_day * wd * mf * growth)

    def _moments(self, days: list[date], counts: np.ndarray, hour_weights: np.ndarray) -> np.ndarray:
        """Epoch seconds of events spread over local days by the hour weights."""
        starts = np.array([day_start(d, self.tz).timestamp() for d in days])
        base = np.repeat(starts, counts)
        hours = self.rng.choice(24, size=base.size, p=hour_weights / hour_weights.sum())
        return base + hours * 3600 + self.rng.uniform(0, 3600, base.size)

    def calls(self, days: list[date], first: date) -> dict[str, np.ndarray | list]:
        rng = self.rng
        counts = self._day_counts(days, CALLS_PER_DAY, first)
        enq = np.sort(self._moments(days, counts, HOUR_WEIGHTS))
        n = enq.size
        answered = rng.random(n) < ANSWERED
        wait = np.where(answered, np.minimum(rng.exponential(14, n), 600), rng.uniform(2, 150, n))
        talk = np.where(answered, np.maximum(20, rng.normal(150, 60, n)), np.nan)
        ans_at = np.where(answered, enq + wait, np.nan)
        end_at = np.where(answered, ans_at + talk, enq + wait)
        reason = np.array(_pick(rng, UNANSWERED_REASONS, n), dtype=object)
        reason[answered] = None
        agent = np.array(AGENTS, dtype=object)[rng.integers(0, len(AGENTS), n)]
        agent[~answered] = None
        caller = np.char.add(np.char.add("+994", MOBILE[rng.integers(0, len(MOBILE), n)].astype(str)),
                             np.char.zfill(rng.integers(0, 10**7, n).astype(str), 7))
        # the survey a minute after the call (none yet for a call that ended just now)
        surveyed = answered & (rng.random(n) < CALL_SURVEY_SHARE) & (end_at + 60 <= self.horizon)
        survey = np.where(surveyed, rng.choice(CALL_SURVEY[0], size=n, p=CALL_SURVEY[1]), 0)
        return {"n": n, "enq": enq, "ans": ans_at, "end": end_at, "answered": answered, "reason": reason,
                "agent": agent, "caller": caller, "survey": survey}

    def registration_mask(self, answered: np.ndarray) -> np.ndarray:
        return answered & (self.rng.random(answered.size) < REGISTERED_OF_ANSWERED)

    def conversations(self, days: list[date], first: date):
        rng = self.rng
        counts = self._day_counts(days, CONVERSATIONS_PER_DAY, first)
        created = np.sort(self._moments(days, counts, HOUR_WEIGHTS + 2))
        n = created.size
        channel = _pick(rng, CHAT_CHANNELS, n)
        handed = rng.random(n) < 0.35
        handoff = np.where(handed, created + rng.uniform(30, 300, n), np.nan)
        abandoned = handed & (rng.random(n) < 0.06)
        replied = handed & ~abandoned
        first_reply = np.where(replied, handoff + np.minimum(rng.exponential(90, n), 3600) + 5, np.nan)
        direction = np.array(_pick(rng, DIRECTIONS, n), dtype=object)
        direction[rng.random(n) < 0.12] = None
        csat = np.where(rng.random(n) < 0.3, rng.choice(CSAT[0], size=n, p=CSAT[1]), 0)
        agent = np.array(AGENTS, dtype=object)[rng.integers(0, len(AGENTS), n)]
        out = {"n": n, "created": created, "channel": np.array(channel, dtype=object), "handoff": handoff,
               "abandoned": abandoned, "first_reply": first_reply, "direction": direction, "csat": csat,
               "agent": agent, "citizen_msgs": rng.integers(1, 4, n)}
        # A conversation still going on now (its last message or rating would be in the
        # future) is not generated: a record from the future would stay "changed" for ever.
        latest = np.fmax(np.fmax(created + 3 * 40 + 360, handoff), first_reply)
        keep = latest <= self.horizon
        if not keep.all():
            out = {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in out.items()}
            out["n"] = int(keep.sum())
        return out

    def callbacks(self, days: list[date], first: date):
        rng = self.rng
        counts = self._day_counts(days, CALLBACKS_PER_DAY, first)
        created = np.sort(self._moments(days, counts, HOUR_WEIGHTS))
        n = created.size
        source = _pick(rng, CALLBACK_SOURCES, n)
        status = _pick(rng, (["reached", "unreachable", "cancelled"], [0.80, 0.14, 0.06]), n)
        first_attempt = created + np.minimum(rng.exponential(35 * 60, n), 3 * 86400)
        # Not attempted yet: a first try (or a retry, up to 90 min later) would be in the future.
        status = ["open" if f + 5400 > self.horizon and s != "cancelled" else s
                  for f, s in zip(first_attempt.tolist(), status, strict=True)]
        agent = np.array(AGENTS, dtype=object)[rng.integers(0, len(AGENTS), n)]
        return {"n": n, "created": created, "source": source, "status": status, "first": first_attempt,
                "agent": agent}


async def bulk_mode(conn, on: bool) -> None:
    """Timestamps as raw microseconds (no datetime objects) and, where the role
    may (a superuser, as with the embedded PostgreSQL), no per-row foreign-key
    triggers: the generated rows are consistent by construction."""
    if on:
        await conn.set_type_codec("timestamptz", schema="pg_catalog", encoder=lambda t: t, decoder=lambda t: t,
                                  format="tuple")
        try:
            async with conn.transaction():
                await conn.execute("SET session_replication_role = replica")
        except Exception:  # noqa: BLE001 - not a superuser: keep the checks
            pass
    else:
        await conn.reset_type_codec("timestamptz", schema="pg_catalog")
        await conn.execute("RESET session_replication_role")


async def copy_rows(conn, table: str, columns: list[str], records: list[tuple]) -> None:
    if records:
        await conn.copy_records_to_table(table, records=records, columns=columns)


Job = tuple[int, str, list[str], list[tuple]]  # (lane, table, columns, records)


def _records(gen: Generator, c: dict, ids: np.ndarray, v: dict, vids: np.ndarray, b: dict, bids: np.ndarray,
             out: Seeded) -> list[Job]:
    """The month's rows as COPY records (pure Python: runs in a worker thread)."""
    jobs: list[Job] = []

    def _copy(table: str, columns: list[str], records: list[tuple]) -> None:
        # The calls on one lane, everything else on the other.
        jobs.append((0 if table == "calls" else 1, table, columns, records))

    rng = gen.rng
    agents = gen.agents
    n = c["n"]
    enq_a, ans_a, end_a = _pg_time(c["enq"]), _pg_time(c["ans"]), _pg_time(c["end"])
    survey = c["survey"]
    survey_a = _pg_time(np.where(survey > 0, c["end"] + 60, np.nan))
    _copy("calls",
                ["id", "pbx_call_id", "direction", "caller", "queue", "agent", "enqueued_at", "answered_at",
                 "ended_at", "unanswered_reason", "transferred", "survey_score", "survey_at"],
                list(zip(ids.tolist(), [f"demo-{i}" for i in ids.tolist()], ["inbound"] * n, c["caller"].tolist(), ["142"] * n,
                         c["agent"].tolist(), enq_a, ans_a, end_a, c["reason"].tolist(), [False] * n,
                         [int(x) or None for x in survey.tolist()], survey_a)))
    reg = gen.registration_mask(c["answered"])
    idx = np.flatnonzero(reg)
    m = idx.size
    dist = gen.districts[rng.choice(gen.districts.size, size=m, p=gen.district_p)].tolist()
    _copy("call_registrations",
                ["call_id", "channel", "agent_id", "phone", "direction", "call_type", "district", "outcome",
                 "note", "occurred_at"],
                list(zip(ids[idx].tolist(), ["phone"] * m, [agents[a] for a in c["agent"][idx].tolist()],
                         c["caller"][idx].tolist(), _pick(rng, DIRECTIONS, m), _pick(rng, CALL_TYPES, m), dist,
                         _pick(rng, OUTCOMES, m), [""] * m, [ans_a[i] for i in idx.tolist()])))
    out.calls += n
    out.registrations += m

    k = v["n"]
    created, handoff, reply = (_pg_time(v[x]) for x in ("created", "handoff", "first_reply"))
    _copy("conversations",
                ["id", "channel", "contact_id", "status", "direction", "urgent", "handoff_at", "handoff_reason",
                 "low_confidence_streak", "assigned_to", "assigned_at", "first_agent_reply_at", "resolved_at",
                 "abandoned", "csat_score", "csat_at", "created_at"],
                [(vids[i], v["channel"][i], f"demo-{vids[i]}", "resolved", v["direction"][i], False, handoff[i],
                  "requested" if handoff[i] else None, 0, agents[v["agent"][i]] if handoff[i] else None,
                  handoff[i], reply[i], _shift(reply[i] or handoff[i] or created[i], 300),
                  bool(v["abandoned"][i]), int(v["csat"][i]) or None,
                  _shift(created[i], 360) if v["csat"][i] else None, created[i])
                 for i in range(k)])
    msgs: list[tuple] = []
    for i in range(k):
        t = created[i]
        ch = v["channel"][i]
        for j in range(int(v["citizen_msgs"][i])):
            msgs.append((vids[i], "citizen", "text", "Salam, məlumat almaq istəyirəm", ch, t))
            msgs.append((vids[i], "bot", "text", "Sualınızı dəqiqləşdirin, zəhmət olmasa", ch, _shift(t, 1)))
            t = _shift(t, 40)
        if reply[i] is not None:
            msgs.append((vids[i], "citizen", "text", "Operatorla danışmaq istəyirəm", ch, handoff[i]))
            msgs.append((vids[i], "agent", "text", "Salam, sizə necə kömək edə bilərəm?", ch, reply[i]))
        elif handoff[i] is not None:
            msgs.append((vids[i], "citizen", "text", "Operatorla danışmaq istəyirəm", ch, handoff[i]))
    _copy("messages", ["conversation_id", "sender", "kind", "text", "channel", "created_at"], msgs)
    out.conversations += k
    out.messages += len(msgs)

    nb = b["n"]
    abandoned_ids = ids[~c["answered"] & (c["reason"] == "abandoned")]
    bcreated, bfirst = _pg_time(b["created"]), _pg_time(b["first"])
    rows, attempts = [], []
    for i in range(nb):
        src, st = b["source"][i], b["status"][i]
        link = None
        if src == "abandoned_call" and abandoned_ids.size:
            link = int(abandoned_ids[rng.integers(0, abandoned_ids.size)])
        uid = agents[b["agent"][i]]
        tries = [] if st in ("cancelled", "open") else ([bfirst[i]] if st == "reached" and rng.random() < 0.7 else
                                              [bfirst[i], _shift(bfirst[i], 1800)])
        if st == "unreachable":
            tries.append(_shift(bfirst[i], 5400))
        for j, when in enumerate(tries):
            attempts.append((bids[i], uid, "reached" if st == "reached" and j == len(tries) - 1 else "no_answer", "", when))
        closed = tries[-1] if tries else None if st == "open" else _shift(bcreated[i], 600)
        rows.append((bids[i], f"+99450{rng.integers(0, 10**7):07d}", src, st, _shift(bcreated[i], 3600),
                     uid if tries else None, tries[0] if tries else None, len(tries), closed, link, "", bcreated[i]))
    _copy("callbacks", ["id", "phone", "source", "status", "due_at", "claimed_by", "claimed_at",
                                    "attempts", "closed_at", "abandoned_call_id", "note", "created_at"], rows)
    _copy("callback_attempts", ["callback_id", "agent_id", "result", "note", "at"], attempts)
    out.callbacks += nb

    return jobs


async def prepare_month(idconn, gen: Generator, days: list[date], first: date, out: Seeded) -> list[Job]:
    """Generate a month (numpy and record building in a worker thread, so it
    overlaps the previous month's COPY); ids are reserved on `idconn`."""
    c = await asyncio.to_thread(gen.calls, days, first)
    ids = await _ids(idconn, "calls", c["n"])
    v = await asyncio.to_thread(gen.conversations, days, first)
    vids = await _ids(idconn, "conversations", v["n"])
    b = await asyncio.to_thread(gen.callbacks, days, first)
    bids = await _ids(idconn, "callbacks", b["n"])
    return await asyncio.to_thread(_records, gen, c, ids, v, vids, b, bids, out)


async def load_month(conns: tuple, jobs: list[Job]) -> None:
    """COPY a month: on two connections at once (two server processes) unless
    both are the same connection."""

    async def run(lane: int) -> None:
        for ln, table, columns, records in jobs:
            if ln == lane:
                await copy_rows(conns[lane], table, columns, records)

    if conns[0] is conns[1]:
        await run(0)
        await run(1)
    else:
        await asyncio.gather(run(0), run(1))


SEEDED_TABLES = ("calls", "call_registrations", "conversations", "messages", "callbacks", "callback_attempts")


async def _empty(conn) -> bool:
    for table in SEEDED_TABLES:
        if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
            return False
    return True


async def _secondary_indexes(conn) -> list[tuple[str, str]]:
    """Indexes of the seeded tables that back no constraint, with their definitions."""
    rows = await conn.fetch(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
           ORDER BY i.tablename, i.indexname""",
        list(SEEDED_TABLES),
    )
    return [(r["indexname"], r["indexdef"]) for r in rows]


def _months(first: date, last: date) -> list[list[date]]:
    out = []
    cur = first.replace(day=1)
    while cur <= last:
        a, b = max(cur, first), min(month_end(cur), last)
        out.append([a + timedelta(days=i) for i in range((b - a).days + 1)])
        cur = next_month(cur)
    return out


# Agent states from the generated calls, per agent and local day (one statement):
# signed in 5-35 minutes before the first call; each call on_call, then WRAP_UP_SECONDS
# of wrap-up (cut short by the next call); the time between calls available, but a
# gap of 40 minutes or more is a pause (lunch around midday, otherwise a break,
# training or other work, by a hash); after the last call 15 minutes available,
# then offline. Only days of [first, last] without any states yet.
_STATES_SQL = """
WITH c AS (
  SELECT agent, answered_at AS a, ended_at AS e, timezone($3, answered_at)::date AS day,
         lead(answered_at) OVER w AS next_a, row_number() OVER w AS k, count(*) OVER p AS n
  FROM calls
  WHERE agent IS NOT NULL AND answered_at >= $1 AND answered_at < $2 AND ended_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM agent_state_intervals i WHERE i.agent = calls.agent
                    AND i.start_at >= $1 AND i.start_at < $2)
  WINDOW w AS (PARTITION BY agent, timezone($3, answered_at)::date ORDER BY answered_at),
         p AS (PARTITION BY agent, timezone($3, answered_at)::date)
), pieces AS (
  SELECT agent, a - (5 + abs(hashtext(agent || day::text)) % 30) * interval '1 minute' AS s, a AS e,
         'available' AS state, NULL AS reason FROM c WHERE k = 1
  UNION ALL
  SELECT agent, a, least(e, coalesce(next_a, e)), 'on_call', NULL FROM c
  UNION ALL
  SELECT agent, least(e, coalesce(next_a, e)), least(e + $4 * interval '1 second', coalesce(next_a, 'infinity')),
         'wrap_up', NULL FROM c
  UNION ALL
  SELECT agent, e + $4 * interval '1 second', next_a,
         CASE WHEN next_a - e >= interval '40 minutes' THEN 'paused' ELSE 'available' END,
         CASE WHEN next_a - e < interval '40 minutes' THEN NULL
              WHEN extract(hour FROM timezone($3, e)) BETWEEN 12 AND 14 THEN 'lunch'
              ELSE (ARRAY['break', 'training', 'other_work', 'technical'])[1 + abs(hashtext(agent || e::text)) % 4]
         END FROM c WHERE next_a IS NOT NULL
  UNION ALL
  SELECT agent, e + $4 * interval '1 second', e + $4 * interval '1 second' + interval '15 minutes', 'available', NULL
  FROM c WHERE k = n
  UNION ALL
  SELECT agent, e + $4 * interval '1 second' + interval '15 minutes', NULL, 'offline', NULL FROM c WHERE k = n
), ordered AS (
  SELECT agent, s, e, state, reason, lead(s) OVER (PARTITION BY agent ORDER BY s) AS next_s
  FROM pieces WHERE e IS NULL OR e > s
)
INSERT INTO agent_state_intervals (agent, start_at, end_at, state, reason, machine)
SELECT DISTINCT ON (agent, s) agent, s, CASE WHEN e IS NULL OR next_s < e THEN next_s ELSE e END,
       state, reason, '{}'::jsonb
FROM ordered ORDER BY agent, s, e DESC NULLS FIRST
"""


async def seed_agent_states(conn, settings: Settings, first: date, last: date) -> int:
    """Plausible agent-state intervals for the generated calls of [first, last]."""
    start, end = day_start(first, settings.tz), day_start(last + timedelta(days=1), settings.tz)
    status = await conn.execute(_STATES_SQL, start, end, settings.timezone, settings.wrap_up_seconds)
    return int(status.split()[-1])


async def seed_demo(
    engine: AsyncEngine, settings: Settings, *, days: int | None = None, years: int | None = None,
    seed: int = 142, rollups: bool = True,
) -> Seeded:
    """Generate traffic for the last `years` years (or `days` days) up to yesterday."""
    today = datetime.now(settings.tz).date()
    last = today - timedelta(days=1)
    if years:
        first = date(today.year - years, today.month, 1) if today.day > 1 else today.replace(year=today.year - years)
        first = max(first, date(1971, 1, 1))
    else:
        first = today - timedelta(days=days or 14)
    out = Seeded()
    started = time.perf_counter()
    months = _months(first, last)
    async with driver_connection(engine) as conn, driver_connection(engine) as conn2, \
            driver_connection(engine) as idconn:
        agents = await _agents(conn)
        gen = Generator(settings, seed, agents)
        for c in (conn, conn2):
            await bulk_mode(c, True)
        try:
            with tqdm(total=len(months), unit="month", desc="demo traffic", file=sys.stderr) as bar:

                def step() -> None:
                    bar.update(1)
                    bar.set_postfix(calls=f"{out.calls:,}",
                                    rate=f"{out.calls / (time.perf_counter() - started):,.0f}/s")

                async def months_jobs():
                    """Each month's records, the next one generated while this one loads."""
                    task = asyncio.create_task(prepare_month(idconn, gen, months[0], first, out))
                    for i in range(len(months)):
                        jobs = await task
                        if i + 1 < len(months):
                            task = asyncio.create_task(prepare_month(idconn, gen, months[i + 1], first, out))
                        yield jobs

                if await _empty(conn):
                    # A fresh database: drop the secondary indexes, load (two
                    # connections at once), and build them again in one sort each,
                    # much faster than growing them row by row. They are rebuilt
                    # whatever happens (finally), and the load is all-or-nothing
                    # per month.
                    indexes = await _secondary_indexes(conn)
                    async with conn.transaction():
                        for name, _ in indexes:
                            await conn.execute(f'DROP INDEX "{name}"')
                    try:
                        async for jobs in months_jobs():
                            async with conn.transaction(), conn2.transaction():
                                await load_month((conn, conn2), jobs)
                            step()
                    finally:
                        for _, definition in tqdm(indexes, desc="indexes", file=sys.stderr):
                            await conn.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
                                               .replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1))
                else:
                    async for jobs in months_jobs():
                        async with conn.transaction(), conn2.transaction():
                            await load_month((conn, conn2), jobs)
                        step()
        finally:
            for c in (conn, conn2):
                await bulk_mode(c, False)
        async with conn.transaction():
            out.state_intervals = await seed_agent_states(conn, settings, first, last)
        out.seconds = time.perf_counter() - started
        if rollups:
            with tqdm(unit="month", desc="rollups", file=sys.stderr) as bar:
                await rebuild_all(conn, settings.tz, progress=bar.update)
    return out
