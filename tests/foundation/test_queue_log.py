"""Asterisk queue_log import: a realistic file with figures worked out by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from contact_center.db.models import Call
from tests.helpers import signed
from tests.plugins.backend import ROOT

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "pbx" / "queue_log_sample.txt"

# Worked out by hand from the sample (epoch 1709362800 = 2024-03-02 07:00 UTC):
# call  outcome          wait  talk  agent
# .1    answered         15    180   1002 (1001 rang, no answer)
# .2    abandoned         7     -    -    (a short abandon)
# .3    abandoned        45     -    -
# .4    timeout         300     -    -
# .5    exit_key         20     -    -
# .6    answered          5     60   1001 (transferred)
# .7    answered         30     60   1003
# .8    exit_empty        1     -    -
EXPECTED = {
    "1709362800.1": ("answered", 15, 180, "1002", False, "+994501111111"),
    "1709363000.2": ("abandoned", 7, None, None, False, "+994552222222"),
    "1709363100.3": ("abandoned", 45, None, None, False, "0503333333"),
    "1709363200.4": ("timeout", 300, None, None, False, "+994124444444"),
    "1709363600.5": ("exit_key", 20, None, None, False, "+994705555555"),
    "1709364000.6": ("answered", 5, 60, "1001", True, "+994776666666"),
    "1709364100.7": ("answered", 30, 60, "1003", False, "+994997777777"),
    "1709364400.8": ("exit_empty", 1, None, None, False, "+994518888888"),
}


async def calls_by_id(sessionmaker) -> dict[str, tuple]:
    async with sessionmaker() as s:
        calls = (await s.execute(select(Call))).scalars().all()
    return {
        c.pbx_call_id: (c.status, c.wait_seconds, c.talk_seconds, c.agent, c.transferred, c.caller)
        for c in calls
    }


async def post_log(client, text: str):
    body, headers = signed(text)
    return await client.post("/api/v1/pbx/queue-log", data=body, headers=headers)


async def test_queue_log_over_http_gives_the_hand_computed_calls(client, sessionmaker):
    resp = await post_log(client, SAMPLE.read_text())
    assert resp.status == 202
    summary = await resp.json()
    assert summary["lines"] == 29
    assert summary["events"] == 20
    assert summary["accepted"] == 20 and summary["duplicates"] == 0
    assert summary["calls"] == 8
    assert summary["non_call_events"] == 5
    assert summary["unknown_events"] == {"WEIRDEVENT": 1}
    assert summary["unknown_lines"] == [24]
    assert [m["line"] for m in summary["malformed"]] == [15, 25, 26]
    assert "timestamp" in summary["malformed"][1]["error"]
    assert "call id" in summary["malformed"][2]["error"]
    assert await calls_by_id(sessionmaker) == EXPECTED


async def test_reimport_adds_nothing(client, sessionmaker):
    await post_log(client, SAMPLE.read_text())
    resp = await post_log(client, SAMPLE.read_text())
    summary = await resp.json()
    assert (summary["accepted"], summary["duplicates"]) == (0, 20)
    assert await calls_by_id(sessionmaker) == EXPECTED


async def test_queue_log_needs_the_signature(client, sessionmaker):
    resp = await client.post("/api/v1/pbx/queue-log", data=SAMPLE.read_bytes())
    assert resp.status == 401
    assert await calls_by_id(sessionmaker) == {}


def test_cli_import_prints_a_summary_and_is_idempotent(database_url, db, tmp_path):
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "contact_center", "import-queue-log", str(SAMPLE), "--json"]
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert (summary["accepted"], summary["calls"], summary["unknown_events"]) == (20, 8, {"WEIRDEVENT": 1})
    assert "importing" in first.stderr  # the progress bar
    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(again.stdout)["duplicates"] == 20
    human = subprocess.run(cmd[:-1], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "malformed line 15" in human.stdout and "unknown event WEIRDEVENT: 1" in human.stdout


def test_cli_reports_a_missing_file(database_url):
    res = subprocess.run(
        [sys.executable, "-m", "contact_center", "import-queue-log", "/nonexistent/queue_log"],
        cwd=ROOT, env={"DATABASE_URL": database_url}, capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 2 and "no such file" in res.stderr
