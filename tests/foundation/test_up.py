"""`cc142 up` (what `make run` runs) as a new user meets it: no DATABASE_URL, so an
embedded PostgreSQL under CC142_DATA_DIR; it migrates, creates the first admin
once, starts the backend and prints the URLs; Ctrl-C stops everything, and the
next start finds the same data."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.plugins.backend import ROOT, free_port

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "RASA_URL"}}
    env |= {"CC142_DATA_DIR": str(data_dir), "CC142_PORT": str(port), "PYTHONUNBUFFERED": "1",
            "RASA_PORT": str(free_port())}
    return subprocess.Popen([sys.executable, "-m", "contact_center", "up", "--no-bot"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 120) -> str:
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


def _browser() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _sign_in(base: str, username: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    """The real sign-in form; returns the signed-in opener and the page it landed on."""
    browser = _browser()
    with browser.open(base + "/console/login", timeout=10) as page:
        token = _CSRF.search(page.read().decode())
    assert token
    form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token[1]})
    with browser.open(base + "/console/login", data=form.encode(), timeout=10) as landed:
        return browser, landed.read().decode()


def test_up_on_the_embedded_database_keeps_its_data_and_creates_the_admin_once(tmp_path):
    data_dir = tmp_path / "state"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(data_dir, port)
    try:
        out = _read_until(proc, "first sign-in")
        assert f"{base}/console" in out and f"{base}/chat" in out and f"{base}/readyz" in out
        password = out.split("first sign-in: admin / ")[1].split()[0]
        with urllib.request.urlopen(base + "/readyz", timeout=5) as resp:
            ready = json.loads(resp.read())
        assert ready["status"] == "ready"
        assert ready["bot"] in {"starting", "unavailable"}  # --no-bot: nothing answers on RASA_URL
        browser, home = _sign_in(base, "admin", password)
        assert "Çıxış" in home or "admin" in home
        request = urllib.request.Request(
            base + "/api/v1/callbacks", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"phone": "050 123 45 67", "name": "Günel Məmmədova"}).encode())
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 201
    finally:
        assert _stop(proc) == 0
    assert len(password) >= 12
    assert (data_dir / "pgdata").is_dir()
    # a pseudonym key was made for this data dir (retention and the audit trail need one), and is kept
    key = (data_dir / "pseudonym.key").read_text()
    assert len(key) >= 32 and (data_dir / "pseudonym.key").stat().st_mode & 0o077 == 0

    # the second start finds the admin (no new password) and the citizen's request
    proc = _start(data_dir, port)
    try:
        out = _read_until(proc, "demo traffic")
        assert "first sign-in" not in out
        browser, _ = _sign_in(base, "admin", password)
        assert (data_dir / "pseudonym.key").read_text() == key
        with browser.open(base + "/console/callbacks", timeout=10) as page:
            # the queue shows the request (the name masked until an agent claims it)
            assert "G•••• M••••" in page.read().decode()
    finally:
        assert _stop(proc) == 0


def test_up_with_the_bot_answers_a_chat_and_keeps_rasa_warnings_in_its_log(tmp_path, rasa_server):
    """What `make run` starts: the bot's own start-up noise goes to its log files,
    the terminal shows our URLs and one "bot ready" line, and a chat gets the bot's answer."""
    data_dir = tmp_path / "state"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "RASA_URL"}}
    env |= {"CC142_DATA_DIR": str(data_dir), "CC142_PORT": str(port), "PYTHONUNBUFFERED": "1",
            "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port())}
    proc = subprocess.Popen([sys.executable, "-m", "contact_center", "up"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = _read_until(proc, "bot ready", timeout=400)
        deadline = time.monotonic() + 30
        while True:  # /readyz caches the bot's state for a few seconds
            with urllib.request.urlopen(base + "/readyz", timeout=5) as resp:
                if json.loads(resp.read())["bot"] == "ready":
                    break
            assert time.monotonic() < deadline, "readyz never said the bot is ready"
            time.sleep(1)
        request = urllib.request.Request(
            base + "/api/v1/chat/messages", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"visitor_id": "v-make-run-1", "text": "Pensiya nə vaxt təyin olunur?"}).encode())
        with urllib.request.urlopen(request, timeout=60) as resp:
            answer = json.loads(resp.read())
    finally:
        assert _stop(proc) == 0
    assert answer["status"] == "bot" and answer["replies"]
    assert answer["direction"] == "social_protection"
    terminal = out.lower()
    assert "warning" not in terminal and "deprecat" not in terminal, out
    rasa_log = (data_dir / "logs" / "rasa.log").read_text()
    assert "warning" in rasa_log.lower()  # Rasa's dependencies do warn: in the file, not on the terminal
