"""Retention that keeps every statistic (docs/privacy.md).

After RETENTION_PHONE_DAYS a citizen's number becomes its keyed hash
(`ph:…`, contact_center.privacy.pseudonym, so "the same caller" stays
countable), names are removed and chat contact ids become `ct:…` hashes;
after RETENTION_CHAT_DAYS texts become MARKER and payloads, attachment links,
raw Meta items and outbox bodies are emptied. Rows, directions, districts,
outcomes, timestamps, durations and CSAT stay; rollups are not touched (no
figure reads a number, a name or a text).

Each step is one table's rule: a condition (what still holds personal data
past its cut-off) and how it is changed. `plan()` counts what would change
(`cc142 retention --dry-run`); `apply()` works in bounded batches, each its
own transaction, in id order: an interrupted run loses nothing and the next
run starts where it stopped (done rows no longer match). The run ends with
the audit trail's purge (RETENTION_AUDIT_DAYS) and a `retention_run` entry
with the counts. `erase_citizen` (contact_center.privacy.citizen) uses the
same transforms for one number at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contact_center.audit import SYSTEM, Actor, purge, record
from contact_center.config import Settings
from contact_center.db.leader import run_as_leader
from contact_center.privacy.pseudonym import CONTACT_PREFIX, PREFIX, PseudonymKeyMissing, contact_pseudonym, pseudonym

log = logging.getLogger(__name__)

MARKER = "[silinib]"
BATCH = 5000
PHONE, CHAT = "phone", "chat"


def _ph(value: str | None, key: str) -> str | None:
    if value is None or value.startswith(PREFIX):
        return value
    return pseudonym(value, key)


def _ct(value: str | None, key: str) -> str | None:
    if value is None or value.startswith(CONTACT_PREFIX):
        return value
    return contact_pseudonym(value, key)


def _change_doc(doc: Any, key: str) -> Any:
    """A registration_changes before/after: number hashed, name removed."""
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    if out.get("phone"):
        out["phone"] = _ph(out["phone"], key)
    if "citizen_name" in out:
        out["citizen_name"] = None
    return out


@dataclass(frozen=True)
class KeyedStep:
    """Values changed in Python (they need the key): read a batch, write it back."""

    table: str
    period: str  # PHONE | CHAT
    what: str
    columns: tuple[str, ...]
    types: tuple[str, ...]  # the SQL type of each column (text | jsonb)
    where: str  # personal data left past :cutoff
    transform: Callable[[tuple[Any, ...], str], tuple[Any, ...]]


@dataclass(frozen=True)
class SqlStep:
    """Values replaced by fixed ones in SQL."""

    table: str
    period: str
    what: str
    assign: str
    where: str


_NOT_PH = "NOT LIKE 'ph:%'"
_CHANGED_PERSONAL = (
    f"((before->>'phone') {_NOT_PH} OR (after->>'phone') {_NOT_PH} "
    "OR before->>'citizen_name' IS NOT NULL OR after->>'citizen_name' IS NOT NULL)"
)
_NOTE_LEFT = "(note <> '' AND note <> :marker)"


def _json_note(col: str) -> str:
    return (f"CASE WHEN {col} ? 'note' AND coalesce({col}->>'note', '') NOT IN ('', :marker) "
            f"THEN jsonb_set({col}, '{{note}}', to_jsonb(CAST(:marker AS text))) ELSE {col} END")


STEPS: tuple[KeyedStep | SqlStep, ...] = (
    # --- numbers and names (RETENTION_PHONE_DAYS) ---
    KeyedStep("calls", PHONE, "caller's number -> keyed hash", ("caller",), ("text",),
              f"COALESCE(enqueued_at, created_at) < :cutoff AND caller {_NOT_PH}",
              lambda v, k: (_ph(v[0], k),)),
    KeyedStep("pbx_events", PHONE, "caller's number -> keyed hash", ("caller",), ("text",),
              f"at < :cutoff AND caller {_NOT_PH}", lambda v, k: (_ph(v[0], k),)),
    KeyedStep("callbacks", PHONE, "number -> keyed hash, name removed", ("phone", "citizen_name"), ("text", "text"),
              f"created_at < :cutoff AND (phone {_NOT_PH} OR citizen_name IS NOT NULL)",
              lambda v, k: (_ph(v[0], k), None)),
    KeyedStep("call_registrations", PHONE, "number -> keyed hash, name removed", ("phone", "citizen_name"),
              ("text", "text"), f"occurred_at < :cutoff AND (phone {_NOT_PH} OR citizen_name IS NOT NULL)",
              lambda v, k: (_ph(v[0], k), None)),
    KeyedStep("registration_changes", PHONE, "number -> keyed hash, name removed (before/after)",
              ("before", "after"), ("jsonb", "jsonb"), f"at < :cutoff AND {_CHANGED_PERSONAL}",
              lambda v, k: (_change_doc(v[0], k), _change_doc(v[1], k))),
    KeyedStep("conversations", PHONE, "contact id (visitor hash, PSID) -> keyed hash", ("contact_id",), ("text",),
              "created_at < :cutoff AND status = 'resolved' AND contact_id NOT LIKE 'ct:%'",
              lambda v, k: (_ct(v[0], k),)),
    KeyedStep("meta_inbox", PHONE, "contact id (PSID) -> keyed hash", ("contact_id",), ("text",),
              "received_at < :cutoff AND processed_at IS NOT NULL AND contact_id NOT LIKE 'ct:%'",
              lambda v, k: (_ct(v[0], k),)),
    KeyedStep("outbox", PHONE, "recipient (PSID) -> keyed hash", ("recipient_id",), ("text",),
              "created_at < :cutoff AND status <> 'pending' AND recipient_id NOT LIKE 'ct:%'",
              lambda v, k: (_ct(v[0], k),)),
    # --- texts, payloads, notes (RETENTION_CHAT_DAYS) ---
    SqlStep("messages", CHAT, "text -> marker; payload (buttons, attachment links), delivery error removed",
            "text = CASE WHEN text = '' THEN '' ELSE :marker END, payload = NULL, delivery_error = NULL",
            "created_at < :cutoff AND ((text <> '' AND text <> :marker) OR payload IS NOT NULL "
            "OR delivery_error IS NOT NULL)"),
    SqlStep("meta_inbox", CHAT, "message and raw item emptied", "message = '{}'::jsonb, raw = '{}'::jsonb, error = NULL",
            "received_at < :cutoff AND processed_at IS NOT NULL AND (message <> '{}'::jsonb OR raw <> '{}'::jsonb)"),
    SqlStep("outbox", CHAT, "message body emptied", "body = '{}'::jsonb, last_error = NULL",
            "created_at < :cutoff AND status <> 'pending' AND body <> '{}'::jsonb"),
    SqlStep("callbacks", CHAT, "note -> marker, preferred time removed",
            "note = CASE WHEN note = '' THEN '' ELSE :marker END, preferred_time = NULL",
            f"created_at < :cutoff AND ({_NOTE_LEFT} OR preferred_time IS NOT NULL)"),
    SqlStep("callback_attempts", CHAT, "note -> marker", "note = :marker", f"at < :cutoff AND {_NOTE_LEFT}"),
    SqlStep("chat_transfers", CHAT, "note -> marker", "note = :marker", f"created_at < :cutoff AND {_NOTE_LEFT}"),
    SqlStep("call_registrations", CHAT, "note -> marker", "note = :marker", f"occurred_at < :cutoff AND {_NOTE_LEFT}"),
    SqlStep("registration_changes", CHAT, "note -> marker (before/after)",
            f"before = {_json_note('before')}, after = {_json_note('after')}",
            "at < :cutoff AND (coalesce(before->>'note', '') NOT IN ('', :marker) "
            "OR coalesce(after->>'note', '') NOT IN ('', :marker))"),
)


@dataclass(frozen=True)
class Cutoffs:
    phone: datetime
    chat: datetime

    @classmethod
    def of(cls, settings: Settings, now: datetime | None = None) -> Cutoffs:
        now = now or datetime.now(UTC)
        return cls(now - timedelta(days=settings.retention_phone_days),
                    now - timedelta(days=settings.retention_chat_days))

    def for_step(self, step: KeyedStep | SqlStep) -> datetime:
        return self.phone if step.period == PHONE else self.chat


@dataclass
class RunResult:
    counts: dict[str, int] = field(default_factory=dict)  # "table: what" -> rows changed
    audit_purged: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def step_name(step: KeyedStep | SqlStep) -> str:
    return f"{step.table}: {step.what}"


async def plan(session: AsyncSession, cutoffs: Cutoffs) -> dict[str, int]:
    """Per step, how many rows would change now (nothing is written)."""
    out = {}
    for step in STEPS:
        sql = f"SELECT count(*) FROM {step.table} WHERE {step.where}"
        out[step_name(step)] = int((await session.execute(
            text(sql), {"cutoff": cutoffs.for_step(step), "marker": MARKER})).scalar_one())
    return out


async def _keyed_batch(session: AsyncSession, step: KeyedStep, where: str, params: dict[str, Any],
                       after: int, key: str, size: int) -> tuple[int, int]:
    cols = ", ".join(step.columns)
    rows = (await session.execute(
        text(f"SELECT id, {cols} FROM {step.table} WHERE id > :after AND {where} ORDER BY id LIMIT :n"),
        {**params, "after": after, "n": size},
    )).all()
    if not rows:
        return 0, after
    ids = [r[0] for r in rows]
    new = [step.transform(tuple(r[1:]), key) for r in rows]
    arrays = {"ids": ids}
    selects = []
    for i, (col, typ) in enumerate(zip(step.columns, step.types, strict=True)):
        values = [v[i] for v in new]
        if typ == "jsonb":
            arrays[f"v{i}"] = [None if x is None else json.dumps(x, ensure_ascii=False) for x in values]
        else:
            arrays[f"v{i}"] = values
        selects.append(f"CAST(:v{i} AS text[])")
    assign = ", ".join(
        f"{col} = v.c{i}" + ("::jsonb" if typ == "jsonb" else "")
        for i, (col, typ) in enumerate(zip(step.columns, step.types, strict=True))
    )
    names = ", ".join(f"c{i}" for i in range(len(step.columns)))
    await session.execute(text(
        f"UPDATE {step.table} AS t SET {assign} FROM unnest(CAST(:ids AS bigint[]), {', '.join(selects)}) "
        f"AS v(id, {names}) WHERE t.id = v.id"), arrays)
    return len(ids), ids[-1]


async def _sql_batch(session: AsyncSession, step: SqlStep, where: str, params: dict[str, Any],
                     after: int, size: int) -> tuple[int, int]:
    ids = (await session.execute(text(
        f"UPDATE {step.table} SET {step.assign} WHERE id IN (SELECT id FROM {step.table} "
        f"WHERE id > :after AND {where} ORDER BY id LIMIT :n) RETURNING id"),
        {**params, "after": after, "n": size})).scalars().all()
    return len(ids), max(ids, default=after)


async def run_step(session: AsyncSession, step: KeyedStep | SqlStep, where: str, params: dict[str, Any],
                   key: str, *, after: int = 0, size: int = BATCH) -> tuple[int, int]:
    """One batch of one step in the caller's transaction: (rows changed, last id)."""
    if isinstance(step, KeyedStep):
        return await _keyed_batch(session, step, where, params, after, key, size)
    return await _sql_batch(session, step, where, params, after, size)


async def apply(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, actor: Actor = SYSTEM,
    now: datetime | None = None, size: int = BATCH, progress: Callable[[str, int], None] | None = None,
    steps: Sequence[KeyedStep | SqlStep] = STEPS,
) -> RunResult:
    """Apply retention in batches (each committed); then purge the audit trail and
    record `retention_run`. Needs CC142_PSEUDONYM_KEY."""
    key = settings.pseudonym_key
    if not key:
        raise PseudonymKeyMissing("CC142_PSEUDONYM_KEY is required to apply retention")
    cutoffs = Cutoffs.of(settings, now)
    result = RunResult()
    for step in steps:
        name = step_name(step)
        params = {"cutoff": cutoffs.for_step(step), "marker": MARKER}
        after, done = 0, 0
        while True:
            async with sessionmaker.begin() as session:
                n, after = await run_step(session, step, step.where, params, key, after=after, size=size)
            if not n:
                break
            done += n
            if progress is not None:
                progress(name, n)
        result.counts[name] = done
    async with sessionmaker.begin() as session:
        result.audit_purged = await purge(session, settings.retention_audit_days)
        await record(session, actor, "retention_run", details={
            "changed": {k: v for k, v in result.counts.items() if v}, "total": result.total,
            "audit_purged": result.audit_purged, "phone_days": settings.retention_phone_days,
            "chat_days": settings.retention_chat_days, "audit_days": settings.retention_audit_days,
        })
    log.info("retention: %d rows anonymised, %d audit entries purged", result.total, result.audit_purged)
    return result


# --- daily, inside the backend ------------------------------------------------------------------
LEADER = "retention"
FIRST_DELAY_SECONDS = 300  # let a starting process settle first
EVERY_SECONDS = 24 * 3600


async def retention_forever(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """The leader's job: a run now, then one a day (a failed run is retried the next day)."""
    while True:
        try:
            await apply(sessionmaker, settings)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep the schedule; the next run retries
            log.exception("retention run failed")
        await asyncio.sleep(EVERY_SECONDS)


async def run_daily(dsn: str, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """In every backend process: after a short delay, contend for the leadership
    (one process at a time, contact_center/db/leader.py) and run retention daily."""
    await asyncio.sleep(FIRST_DELAY_SECONDS)
    await run_as_leader(dsn, LEADER, lambda: retention_forever(sessionmaker, settings))
