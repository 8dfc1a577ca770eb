"""`cc142 ami-check` against the fake exchange: what an operator sees when setting up."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from tests.ami.conftest import SECRET, USERNAME
from tests.fakes.ami_server import FakeAmi, FakeEntry
from tests.plugins.backend import ROOT, free_port


async def ami_check(port: int, *args: str, secret: str = SECRET, queues: str = "") -> tuple[int, str, str]:
    env = {**os.environ, "AMI_HOST": "127.0.0.1", "AMI_PORT": str(port), "AMI_USERNAME": USERNAME,
           "AMI_SECRET": secret, "AMI_QUEUES": queues}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "contact_center", "ami-check", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_lists_queues_and_members_with_their_pause_state(ami_server: FakeAmi):
    ami_server.queues["142"].entries.append(FakeEntry("PJSIP/trunk-00000001", "1709362800.1", "+994501111111", 0))
    code, out, err = await ami_check(ami_server.port, queues="142")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"connected to Asterisk Call Manager/11.0.0 at 127.0.0.1:{ami_server.port} as cc142"
    assert lines[1] == "queue 142: 2 member(s), 1 waiting, strategy ringall"
    assert lines[2].split() == ["1001", "PJSIP/1001", "Aysel", "Məmmədova", "paused", "(nahar),", "device", "not_inuse"]
    assert lines[3].split()[:3] == ["1002", "Local/1002@from-queue/n", "Local/1002@from-queue/n"]
    assert "not paused" in lines[3]
    assert lines[4] == "queue 143: 1 member(s), 0 waiting, strategy leastrecent  (not in AMI_QUEUES: ignored)"
    [login] = ami_server.actions("Login")
    assert login.get("Events") == "off"  # a check needs no event stream
    assert len(ami_server.actions("QueueStatus")) == 1 and len(ami_server.actions("Logoff")) == 1


async def test_json_output(ami_server: FakeAmi):
    code, out, _ = await ami_check(ami_server.port, "--json")
    assert code == 0
    report = json.loads(out)
    assert [q["name"] for q in report["queues"]] == ["142", "143"]
    first = report["queues"][0]["members"][0]
    assert (first["extension"], first["paused"], first["reason"]) == ("1001", True, "nahar")


async def test_wrong_credentials_exit_non_zero_with_one_clear_line(ami_server: FakeAmi):
    code, out, err = await ami_check(ami_server.port, secret="nope")
    assert code == 3 and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("ami-check: AMI login as 'cc142' refused")
    assert "Authentication failed" in line and "nope" not in line


async def test_nothing_listening_exits_non_zero():
    code, _, err = await ami_check(free_port())
    assert code == 1
    [line] = err.strip().splitlines()
    assert "cannot connect to AMI at 127.0.0.1" in line and "connection refused" in line


async def test_an_exchange_that_does_not_answer_times_out(ami_server: FakeAmi):
    ami_server.ignore_actions.add("queuestatus")
    code, _, err = await ami_check(ami_server.port, "--timeout", "0.5")
    assert code == 1
    [line] = err.strip().splitlines()
    assert line == f"ami-check: no answer to QueueStatus within 0.5 s from 127.0.0.1:{ami_server.port}"


async def test_without_ami_host_it_says_so():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMI_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "contact_center", "ami-check", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2 and err.decode().strip() == "ami-check: AMI_HOST is not set"
