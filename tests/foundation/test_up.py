"""`cc142 up` (what `make run` runs): migrates, creates the first admin once,
starts the backend and prints the URLs; Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from tests.plugins.backend import ROOT, free_port


def _start(database_url: str, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "CC142_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "contact_center", "up", "--no-bot"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 60) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} not printed:\n{''.join(seen)}")


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(30)
    finally:
        proc.stdout.close()  # type: ignore[union-attr]


def test_up_prints_the_urls_and_a_first_admin_once(database_url, db):
    port = free_port()
    proc = _start(database_url, port)
    try:
        out = _read_until(proc, "first sign-in")
        assert f"http://127.0.0.1:{port}/console" in out and f"http://127.0.0.1:{port}/chat" in out
        password = out.split("first sign-in: admin / ")[1].split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as resp:
            assert resp.status == 200
    finally:
        assert _stop(proc) == 0
    assert len(password) >= 12
    # a second start finds the admin and prints no password
    proc = _start(database_url, port)
    try:
        out = _read_until(proc, "demo traffic")
        assert "first sign-in" not in out
    finally:
        _stop(proc)
