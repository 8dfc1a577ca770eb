"""nginx (the shipped deploy/nginx.conf) in front of two real backend processes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.plugins.backend import BackendProcess, free_port
from tests.proxy.nginx import Nginx, start_nginx

CALLBACKS_PER_ADDRESS = 3


@dataclass
class Front:
    nginx: Nginx
    backends: list[BackendProcess]


@pytest.fixture
def behind_nginx(backend_processes, tmp_path: Path) -> Iterator[Front]:
    env = {
        "CC142_TRUSTED_PROXIES": "127.0.0.1",  # nginx only: the clients below come from 127.0.0.2, .3, ...
        "CALLBACK_RATE_PER_IP": str(CALLBACKS_PER_ADDRESS),
        "RASA_URL": f"http://127.0.0.1:{free_port()}",  # no bot: chats go to a person
        "RASA_TIMEOUT_SECONDS": "1",
    }
    backends = [backend_processes(**env) for _ in range(2)]
    nginx = start_nginx(tmp_path / "nginx", [b.url.removeprefix("http://") for b in backends])
    yield Front(nginx, backends)
    nginx.stop()
