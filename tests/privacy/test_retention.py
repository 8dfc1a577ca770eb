"""Retention keeps every statistic: a year of records, the summary of every month
and the monthly report's aggregate tables before and after anonymising with short
periods are identical; afterwards no column the issue lists holds a number, a
name or a text. Batched, resumable, audited, and the CLI's dry run and apply."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select, text

from contact_center.db.models import AuditEntry
from contact_center.privacy import retention
from contact_center.privacy.pseudonym import pseudonym
from contact_center.stats.db import read_snapshot
from contact_center.stats.report.files import render
from contact_center.stats.report.format import report_json
from contact_center.stats.report.model import build_report
from contact_center.stats.service import summary_from_query
from tests.plugins.backend import ROOT
from tests.privacy.conftest import KEY, seed_year
from tests.stats.conftest import refresh_now

MONTHS = [date(2025, m, 1) for m in range(1, 13)]


async def _figures(engine, settings) -> dict:
    await refresh_now(engine, settings)
    out = {}
    async with read_snapshot(engine) as conn:
        for month in MONTHS:
            end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            out[f"summary {month:%Y-%m}"] = await summary_from_query(
                conn, settings, {"from": month.isoformat(), "to": end.isoformat()})
            report = report_json(await build_report(conn, settings, month))
            report.pop("generated_at")
            out[f"report {month:%Y-%m}"] = report
    return out


def _short(settings):
    return settings.with_(retention_phone_days=30, retention_chat_days=30, retention_audit_days=365)


async def _texts(engine, sql: str) -> list[str]:
    async with engine.connect() as conn:
        return [r[0] or "" for r in (await conn.execute(text(sql))).all()]


async def test_a_year_anonymised_keeps_every_figure(db, sessionmaker, privacy_settings):
    settings = _short(privacy_settings)
    await seed_year(db)
    async with db.connect() as conn:
        numbers = [r[0] for r in (await conn.execute(text(
            "SELECT caller FROM calls UNION SELECT phone FROM callbacks"))).all()]
        raw_callers = {r[0] for r in (await conn.execute(text("SELECT caller FROM calls"))).all()}
        chat_numbers = [r[0] for r in (await conn.execute(text(
            "SELECT (1000000 + id)::text FROM conversations UNION SELECT (2000000 + id)::text FROM conversations"
        ))).all()]
    before = await _figures(db, settings)
    assert before["summary 2025-03"]["calls"]["offered"] == 31 * 3  # the figures are there to compare

    plan = await _plan(sessionmaker, settings)
    assert plan["calls: caller's number -> keyed hash"] == 365 * 3
    result = await retention.apply(sessionmaker, settings, size=500)
    assert result.counts == plan  # every row that held personal data, once
    assert await _plan(sessionmaker, settings) == dict.fromkeys(plan, 0)  # nothing left to do

    after = await _figures(db, settings)
    assert after == before

    # Numbers are keyed hashes ("the same caller" stays countable), names gone, texts a marker.
    callers = await _texts(db, "SELECT caller FROM calls")
    assert all(c.startswith("ph:") for c in callers)
    assert len(set(callers)) == len(raw_callers)  # one hash per caller: repeat callers stay countable
    assert set(callers) == {pseudonym(n, KEY) for n in raw_callers}
    checks = {
        "pbx_events": "SELECT caller FROM pbx_events",
        "callbacks": "SELECT concat_ws('|', phone, citizen_name, preferred_time, note) FROM callbacks",
        "callback_attempts": "SELECT note FROM callback_attempts",
        "call_registrations": "SELECT concat_ws('|', phone, citizen_name, note) FROM call_registrations",
        "registration_changes": "SELECT concat_ws('|', before::text, after::text) FROM registration_changes",
        "messages": "SELECT concat_ws('|', text, payload::text, delivery_error) FROM messages",
        "conversations": "SELECT contact_id FROM conversations",
        "meta_inbox": "SELECT concat_ws('|', contact_id, message::text, raw::text, error) FROM meta_inbox",
        "outbox": "SELECT concat_ws('|', recipient_id, body::text, last_error) FROM outbox",
        "calls": "SELECT caller FROM calls",
    }
    for table, sql in checks.items():
        dump = "\n".join(await _texts(db, sql))
        assert dump, table
        for n in numbers:
            assert n[4:] not in dump, (table, n)
        for n in chat_numbers:
            assert f"05{'0' if n.startswith('1') else '5'} {n}" not in dump and f" {n}," not in dump, (table, n)
        for word in ("Vətəndaş 1", "Günel", "Nizami küç", "axşam", "cdn.example", "Salam"):
            assert word not in dump, (table, word)
    assert set(await _texts(db, "SELECT text FROM messages")) == {retention.MARKER}
    assert set(await _texts(db, "SELECT contact_id FROM conversations WHERE contact_id NOT LIKE 'ct:%'")) == set()

    # The report's record sheets: no number, name or text either.
    async with read_snapshot(db) as conn:
        buf = io.BytesIO()
        await render(conn, settings, date(2025, 5, 1), "xlsx", buf)
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    cells = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    assert "Nizami küç" not in cells and "Vətəndaş 1" not in cells and retention.MARKER in cells
    for n in numbers:
        assert n[4:] not in cells


async def _plan(sessionmaker, settings) -> dict[str, int]:
    async with sessionmaker() as session:
        return await retention.plan(session, retention.Cutoffs.of(settings))


async def test_an_interrupted_run_resumes_and_the_run_is_audited(db, sessionmaker, privacy_settings):
    settings = _short(privacy_settings)
    await seed_year(db)
    old = datetime.now(UTC) - timedelta(days=400)
    async with db.begin() as conn:
        await conn.execute(text("INSERT INTO audit_log (at, actor_kind, actor_name, action) "
                                "VALUES (:at, 'system', 'system', 'export'), (now(), 'system', 'system', 'export')"),
                           {"at": old})
    plan = await _plan(sessionmaker, settings)
    # A run stopped after a few batches of its first steps (committed batch by batch) ...
    first = retention.STEPS[:3]
    cutoffs = retention.Cutoffs.of(settings)
    for step in first:
        async with sessionmaker.begin() as session:
            n, _ = await retention.run_step(session, step, step.where, {"cutoff": cutoffs.for_step(step),
                                                                        "marker": retention.MARKER}, KEY, size=100)
            assert n == 100
    # ... and the next run finishes the rest: nothing twice, nothing left.
    result = await retention.apply(sessionmaker, settings)
    for step in retention.STEPS:
        name = retention.step_name(step)
        assert result.counts[name] == plan[name] - (100 if step in first else 0), name
    async with sessionmaker() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [e.action for e in entries] == ["export", "retention_run"]  # the 400-day-old entry was purged
    run = entries[-1]
    assert run.details["total"] == result.total and run.details["audit_purged"] == 1
    assert run.details["changed"]["messages: text -> marker; payload (buttons, attachment links), delivery error removed"] \
        == 365 * 2 * 2


def _cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DATABASE_URL": database_url, "RETENTION_PHONE_DAYS": "30",
                "RETENTION_CHAT_DAYS": "30", **env}
    full_env.pop("CC142_PSEUDONYM_KEY", None) if "CC142_PSEUDONYM_KEY" not in env else None
    return subprocess.run([sys.executable, "-m", "contact_center", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300)


async def test_the_cli_dry_run_then_apply(db, database_url, sessionmaker, privacy_settings):
    await seed_year(db)
    dry = _cli(database_url, "retention", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "1,095  calls: caller's number -> keyed hash" in dry.stdout
    assert "would change (dry run: nothing written" in dry.stdout
    assert not (await _texts(db, "SELECT caller FROM calls WHERE caller LIKE 'ph:%'"))
    refused = _cli(database_url, "retention", "--apply")
    assert refused.returncode == 2 and "CC142_PSEUDONYM_KEY" in refused.stderr
    done = _cli(database_url, "retention", "--apply", "--batch", "400", CC142_PSEUDONYM_KEY=KEY)
    assert done.returncode == 0, done.stderr
    assert "rows anonymised" in done.stdout
    assert set(c[:3] for c in await _texts(db, "SELECT caller FROM calls")) == {"ph:"}
    again = _cli(database_url, "retention", "--dry-run")
    assert "0 rows would change" in again.stdout
