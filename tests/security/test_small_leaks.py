"""Small leaks (issue 13): /readyz's text, old rate counters, Rasa's HTTP API."""

from __future__ import annotations

import asyncio
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

import contact_center.web.health as health
from tests.plugins.rasa_server import manage

SECRET_TEXT = "connection to /tmp/cc142-pg/.s.PGSQL.5432 failed: password authentication failed for user cc142"


async def test_readyz_does_not_leak_the_drivers_error(client, monkeypatch):
    async def broken(_engine):
        raise OSError(SECRET_TEXT)

    monkeypatch.setattr(health, "current_revision", broken)
    resp = await client.get("/readyz")
    assert resp.status == 503
    body = await resp.text()
    assert "cc142-pg" not in body and "password" not in body and "user" not in body
    assert (await resp.json()) == {"status": "unavailable", "database": "unavailable"}


async def test_old_rate_counters_are_pruned_by_the_runtime(make_client, settings, engine):
    old = datetime.now(UTC) - timedelta(days=3)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO rate_counters (key, window_start, count) VALUES "
                                "('chat-ip:192.0.2.1', :old, 5), ('chat-ip:192.0.2.2', now(), 1)"), {"old": old})
    await make_client(settings)  # the runtime's part prunes at start, then hourly
    async with asyncio.timeout(10):
        while True:
            async with engine.connect() as conn:
                keys = (await conn.execute(text("SELECT key FROM rate_counters"))).scalars().all()
            if keys == ["chat-ip:192.0.2.2"]:
                break
            await asyncio.sleep(0.05)


def _fake_rasa(tmp_path: Path) -> tuple[Path, Path]:
    record = tmp_path / "argv.txt"
    script = tmp_path / "rasa"
    script.write_text(f'#!/bin/sh\necho "$@" >> {record}\nexec sleep 30\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, record


def test_rasa_runs_without_its_http_api_unless_asked(tmp_path, monkeypatch):
    script, record = _fake_rasa(tmp_path)
    monkeypatch.setattr(manage, "_require_rasa", lambda: script)
    bot = manage.start(model=tmp_path / "model.tar.gz", wait=False)
    try:
        for _ in range(100):
            if record.exists() and len(record.read_text().splitlines()) == 2:
                break
            time.sleep(0.05)
        lines = record.read_text().splitlines()
    finally:
        bot.stop(timeout=5)
    server = next(line for line in lines if line.startswith("run --"))
    assert "--enable-api" not in server
    assert "--interface 127.0.0.1" in server
