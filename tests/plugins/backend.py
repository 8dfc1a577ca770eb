"""The backend under test: in-process (aiohttp test client) or as real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from contact_center.app import create_app
from contact_center.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PBX_SECRET = "test-pbx-secret"
API_TOKEN = "test-api-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for one test; override fields with `settings.with_(...)`."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        pbx_webhook_secret=PBX_SECRET,
        api_token=API_TOKEN,
    )


@pytest.fixture
def make_client(
    aiohttp_client: Callable[..., object], db: object
) -> Callable[[Settings], object]:
    """`await make_client(settings)` -> aiohttp TestClient on a fresh app (empty tables)."""

    async def make(settings: Settings) -> TestClient:
        app: web.Application = create_app(settings)
        return await aiohttp_client(app)  # type: ignore[misc, no-any-return]

    return make


@pytest.fixture
async def client(make_client: Callable[[Settings], object], settings: Settings) -> TestClient:
    return await make_client(settings)  # type: ignore[misc, no-any-return]


@dataclass
class BackendProcess:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_backend(env_overrides: dict[str, str], log_dir: Path, *, timeout: float = 30) -> BackendProcess:
    """Start `cc142 serve` as a real process on a free port and wait for /readyz."""
    port = free_port()
    env = {**os.environ, **env_overrides, "CC142_HOST": "127.0.0.1", "CC142_PORT": str(port)}
    log = log_dir / f"backend-{port}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "contact_center", "serve"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    return wait_ready(BackendProcess(f"http://127.0.0.1:{port}", proc, log), timeout)


def wait_ready(backend: BackendProcess, timeout: float = 30) -> BackendProcess:
    """Wait until a started backend (or process group) answers /readyz; kill it if it never does."""
    proc, log = backend.proc, backend.log
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"backend exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(backend.url + "/readyz", timeout=1) as resp:
                if resp.status == 200:
                    return backend
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"backend not ready after {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def backend_env(database_url: str) -> dict[str, str]:
    """Environment for backend processes sharing the test database."""
    return {
        "DATABASE_URL": database_url,
        "PBX_WEBHOOK_SECRET": PBX_SECRET,
        "CC142_API_TOKEN": API_TOKEN,
    }


@pytest.fixture
def backend_processes(
    backend_env: dict[str, str], tmp_path: Path, db: object
) -> Iterator[Callable[..., BackendProcess]]:
    """`start(**env)` runs another real backend process; all are stopped after the test."""
    started: list[BackendProcess] = []

    def start(**env: str) -> BackendProcess:
        proc = start_backend({**backend_env, **env}, tmp_path)
        started.append(proc)
        return proc

    yield start
    for p in started:
        p.stop()
