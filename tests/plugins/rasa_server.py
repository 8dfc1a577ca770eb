"""pytest plugin: a running 142 bot (Rasa server + action server) for the session.

Register with ``-p tests.plugins.rasa_server`` (or ``pytest_plugins`` in a
conftest). The ``rasa_server`` fixture:

- trains the model if chatbot/ changed (``chatbot/manage.py`` logic, shared
  lock, so parallel sessions do not train twice);
- starts ``rasa run --enable-api`` (the tests parse with it; `make run` has no API) and ``rasa run actions`` on free loopback
  ports, logging to files in a session temp dir;
- waits for ``/status`` (model loaded) and the action server's ``/health``;
- yields a :class:`RasaServer` with ``.url`` and a small ``send()`` helper;
- stops both process groups at the end of the session.

``actions_url`` points at the action server (``RASA_ACTIONS_URL`` when reusing
a running bot), for action tests from tracker JSON.

``backend_port``: the action server reads the admins' district list from
``http://127.0.0.1:<backend_port>`` (``CC142_BACKEND_URL``, refetched on every
use: ``CC142_DISTRICTS_TTL_SECONDS=0``); a test that wants the bot to see its
database starts its backend on that port. Nothing listens there otherwise, and
the form falls back to the shipped list. When reusing a running bot, pass the
port it was started with as ``RASA_BACKEND_PORT``.

On a start-up failure or timeout the test errors with the log tails; when a
test that uses the bot fails, the tails of both logs are attached to its
report ("rasa logs" section). Set ``RASA_SERVER_URL`` to reuse an already
running bot instead of starting one.

Only the standard library is used here, so any test venv can load it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = float(os.environ.get("RASA_START_TIMEOUT", "300"))


def _load_manage():
    """Import chatbot/manage.py (a script, not a package) by path."""
    spec = importlib.util.spec_from_file_location(
        "chatbot_manage", REPO_ROOT / "chatbot" / "manage.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("chatbot_manage", module)
    spec.loader.exec_module(module)
    return module


manage = _load_manage()

PAYLOAD_KEY = "cc142"


@dataclass
class RasaServer:
    """Handle on the running bot."""

    url: str
    actions_url: str | None = None  # the action server's /webhook
    backend_port: int | None = None  # where the action server looks for the backend's district list
    log_dir: Path | None = None
    processes: Any = field(default=None, repr=False)

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def send(
        self,
        message: str,
        sender: str | None = None,
        channel: str = "web_chat",
        timeout: float = 60.0,
        language: str | None = None,
    ) -> list[dict[str, Any]]:
        """POST one citizen message the way the backend does; return Rasa's list.

        ``language`` ("az" | "ru") goes into the metadata, as the widget's
        language switch does.
        """
        metadata: dict[str, Any] = {"channel": channel}
        if language is not None:
            metadata["language"] = language
        body = {
            "sender": sender or f"test-{uuid.uuid4().hex}",
            "message": message,
            "metadata": metadata,
        }
        request = urllib.request.Request(
            self.webhook,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode())

    def parse(self, text: str, timeout: float = 30.0) -> dict[str, Any]:
        """``POST /model/parse`` (NLU only, no conversation)."""
        request = urllib.request.Request(
            f"{self.url}/model/parse",
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode())

    def log_tail(self, lines: int = 80) -> str:
        return self.processes.log_tail(lines) if self.processes else ""


def payload_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The cc142 payload, checking the contract: exactly one, and last."""
    payloads = [m for m in messages if PAYLOAD_KEY in (m.get("custom") or {})]
    assert len(payloads) == 1, f"expected exactly one cc142 payload, got {messages!r}"
    assert messages[-1] is payloads[0], f"cc142 payload is not the last message: {messages!r}"
    return payloads[0]["custom"][PAYLOAD_KEY]


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if m.get("text")]


@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaServer]:
    external = os.environ.get("RASA_SERVER_URL")
    if external:
        port = os.environ.get("RASA_BACKEND_PORT")
        yield RasaServer(url=external.rstrip("/"), actions_url=os.environ.get("RASA_ACTIONS_URL"),
                         backend_port=int(port) if port else None)
        return

    log_dir = tmp_path_factory.mktemp("rasa-logs")
    train_log = log_dir / "train.log"
    try:
        with train_log.open("w") as log:
            model = manage.ensure_trained(log=log)
    except manage.BotError as exc:
        tail = train_log.read_text(errors="replace")[-6000:]
        pytest.fail(f"training the bot failed: {exc}\n{tail}", pytrace=False)

    backend_port = manage.free_port()
    saved = {k: os.environ.get(k) for k in ("CC142_BACKEND_URL", "CC142_DISTRICTS_TTL_SECONDS")}
    os.environ["CC142_BACKEND_URL"] = f"http://127.0.0.1:{backend_port}"
    os.environ["CC142_DISTRICTS_TTL_SECONDS"] = "0"
    try:
        processes = manage.start(model=model, log_dir=log_dir, timeout=START_TIMEOUT, enable_api=True)
    except manage.BotError as exc:
        pytest.fail(f"the bot did not start (logs in {log_dir}):\n{exc}", pytrace=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    server = RasaServer(
        url=processes.url,
        actions_url=processes.actions_url,
        backend_port=backend_port,
        log_dir=log_dir,
        processes=processes,
    )
    try:
        yield server
    finally:
        processes.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Attach the bot's log tails to the report of a failed test that used it."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    server = getattr(item, "funcargs", {}).get("rasa_server")
    if isinstance(server, RasaServer) and server.processes is not None:
        report.sections.append(("rasa logs", server.log_tail()))
