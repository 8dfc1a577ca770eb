"""pytest plugin: a Redis server for Rasa's lock store.

The ``redis_url`` fixture (session) uses the machine's Redis on
127.0.0.1:6379 when it answers PING (this machine kind and CI run one as a
service), otherwise starts its own ``redis-server`` on a free loopback port,
without persistence, and stops it at the end of the session. Set
``TEST_REDIS_URL`` to use another one.

Sharing the machine's Redis is safe: ``chatbot/manage.py`` gives each tracker
database its own lock key prefix. Standard library only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

HOST = "127.0.0.1"
DEFAULT_PORT = 6379
START_TIMEOUT = 20.0


def ping(host: str, port: int, timeout: float = 1.0) -> bool:
    """Does a Redis server answer PING there (RESP inline command)?"""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TEST_REDIS_URL")
    if configured:
        yield configured
        return
    if ping(HOST, DEFAULT_PORT):
        yield f"redis://{HOST}:{DEFAULT_PORT}/1"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("no Redis on 127.0.0.1:6379 and no redis-server to start (apt-get install redis-server)",
                    pytrace=False)
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    log = (workdir / "redis.log").open("w")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ping(HOST, port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start:\n{(workdir / 'redis.log').read_text()[-2000:]}",
                            pytrace=False)
            time.sleep(0.1)
        yield f"redis://{HOST}:{port}/1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
