#!/usr/bin/env python3
"""Operate the 142 Rasa bot: install, train, serve. Standard library only.

    python chatbot/manage.py install          # .venv-rasa at the repo root (idempotent)
    python chatbot/manage.py train [--force]  # only when chatbot/ content changed
    python chatbot/manage.py domain           # domain/answers.yml from the knowledge base
    python chatbot/manage.py serve            # rasa (RASA_PORT) + actions (ACTIONS_PORT)

Rasa 3.6 pins old libraries, so it lives in its own virtualenv
(``.venv-rasa``) and the backend reaches it over HTTP only.

Importable helpers (used by tests/plugins/rasa_server.py)::

    from chatbot import manage            # or put chatbot/ on sys.path
    manage.ensure_trained()  -> Path      # the model for the current content
    manage.model_path()      -> Path      # where that model lives
    handle = manage.start(rasa_port, actions_port, log_dir=...)
    handle.url  ...  handle.stop()
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

BOT_DIR = Path(__file__).resolve().parent
REPO_ROOT = BOT_DIR.parent
VENV = Path(os.environ.get("RASA_VENV") or REPO_ROOT / ".venv-rasa")
MODELS_DIR = BOT_DIR / "models"
RASA_VERSION = "3.6.21"
HOST = "127.0.0.1"
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTIONS_PORT = 5055
KEEP_MODELS = 3

# The shared text package (fold, phones, districts), installed into .venv-rasa
# next to Rasa; the backend's venv installs the same one.
TEXT_PACKAGE = REPO_ROOT / "packages" / "cc142_text"
TEXT_MODULE = TEXT_PACKAGE / "cc142_text"

# The knowledge base: every answer text per language, with its sources. The
# backend seeds PostgreSQL from it; `domain` generates the bot's responses.
KNOWLEDGE = REPO_ROOT / "contact_center" / "knowledge" / "answers.json"
GENERATED_DOMAIN = BOT_DIR / "domain" / "answers.yml"

# What the model depends on. The action code is included on purpose: one
# hash then identifies the whole bot (model + actions) that was tested.
HASHED_PATHS = (
    BOT_DIR / "config.yml",
    BOT_DIR / "domain",
    BOT_DIR / "data",
    BOT_DIR / "actions",
    BOT_DIR / "components",
    TEXT_MODULE,  # fold() runs inside the NLU pipeline, the districts in the form
    KNOWLEDGE,  # the answers (also in domain/answers.yml, generated from it)
)
SKIPPED_DIRS = {"__pycache__", ".rasa", "models", ".pytest_cache", ".mypy_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo", ".swp", ".tmp"}


class BotError(RuntimeError):
    """Installing, training or starting the bot failed."""


# ---------------------------------------------------------------- install


def rasa_executable() -> Path:
    return VENV / "bin" / "rasa"


def installed_version() -> str | None:
    python = VENV / "bin" / "python"
    if not python.exists() or not rasa_executable().exists():
        return None
    probe = "import importlib.metadata as m; print(m.version('rasa'))"
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None


def backend_venv() -> Path:
    """The backend's virtualenv, which brings ``uv`` (a dependency in pyproject.toml)."""
    return Path(os.environ.get("CC142_VENV") or REPO_ROOT / ".venv")


def uv_executable() -> Path:
    """``uv`` from the backend's virtualenv, never one found on PATH or in the machine's Python.

    Run as ``python -m uv`` it would install into the interpreter running it
    (the machine's own Python), whatever ``VIRTUAL_ENV`` says.
    """
    uv = backend_venv() / "bin" / "uv"
    if not uv.exists():
        raise BotError(f"{uv} not found: run `make install` (the backend venv brings uv)")
    return uv


def base_interpreter() -> Path:
    """The real interpreter behind the running Python (outside any venv), for ``uv venv``.

    Rasa 3.6's TensorFlow 2.12 has wheels up to Python 3.11 only.
    """
    if sys.version_info[:2] != (3, 11):
        raise BotError(
            f"Rasa 3.6 needs Python 3.11, this is {sys.version.split()[0]}: "
            "run make with PYTHON=python3.11"
        )
    return Path(getattr(sys, "_base_executable", None) or sys.executable).resolve()


def uv_env() -> dict[str, str]:
    """uv never fetches an interpreter; it uses the one it is given."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PYTHON"}}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def install_commands(uv: Path, interpreter: Path, create_venv: bool) -> list[list[str]]:
    """The commands that build ``.venv-rasa``; every one names its target explicitly."""
    commands = []
    if create_venv:
        commands.append([str(uv), "venv", "--python", str(interpreter), str(VENV)])
    commands.append(
        [
            str(uv), "pip", "install",
            "--python", str(VENV / "bin" / "python"),
            "--override", str(BOT_DIR / "overrides.txt"),
            f"rasa=={RASA_VERSION}",
        ]
    )
    return commands


def _package_digest(directory: Path) -> str:
    """Digest of a package's code and data (what ``cc142_text`` ships)."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".json"} and "__pycache__" not in path.parts:
            digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def text_package_current() -> bool:
    """Is ``cc142_text`` in .venv-rasa the one in packages/cc142_text (same files)?"""
    python = VENV / "bin" / "python"
    if not python.exists():
        return False
    probe = "import os, cc142_text; print(os.path.dirname(cc142_text.__file__))"
    result = subprocess.run(  # cwd "/": never import the source tree itself
        [str(python), "-c", probe], capture_output=True, text=True, check=False, cwd="/"
    )
    if result.returncode != 0:
        return False
    installed = Path(result.stdout.strip())
    return _package_digest(installed) == _package_digest(TEXT_MODULE)


def text_package_command(uv: Path) -> list[str]:
    """Install the shared text package alone: ``--no-deps``, nothing else in the venv changes."""
    return [
        str(uv), "pip", "install",
        "--python", str(VENV / "bin" / "python"),
        "--no-deps", "--reinstall-package", "cc142-text",
        str(TEXT_PACKAGE),
    ]


def install() -> Path:
    """Create ``.venv-rasa`` with rasa==3.6.21 and cc142-text unless they are there."""
    if installed_version() == RASA_VERSION:
        print(f"rasa {RASA_VERSION} already installed in {VENV}")
    else:
        commands = install_commands(
            uv_executable(), base_interpreter(), create_venv=not (VENV / "bin" / "python").exists()
        )
        for command in commands:
            subprocess.run(command, check=True, env=uv_env())
        version = installed_version()
        if version != RASA_VERSION:
            raise BotError(f"expected rasa {RASA_VERSION} in {VENV}, found {version}")
        print(f"installed rasa {RASA_VERSION} in {VENV}")
    if text_package_current():
        print(f"cc142-text up to date in {VENV}")
    else:
        subprocess.run(text_package_command(uv_executable()), check=True, env=uv_env())
        if not text_package_current():
            raise BotError(f"cc142-text in {VENV} still differs from {TEXT_PACKAGE}")
        print(f"installed cc142-text from {TEXT_PACKAGE} in {VENV}")
    return VENV


def _require_rasa() -> Path:
    rasa = rasa_executable()
    if not rasa.exists():
        raise BotError(f"{rasa} not found: run `python chatbot/manage.py install` first")
    if not text_package_current():
        raise BotError(
            f"cc142-text in {VENV} is missing or differs from {TEXT_PACKAGE}: "
            "run `python chatbot/manage.py install`"
        )
    return rasa


def rasa_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra)
    return env


# ----------------------------------------------------------------- domain


def _yaml_str(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are a subset of YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def domain_yaml(knowledge: dict | None = None) -> str:
    """chatbot/domain/answers.yml for the knowledge base: one response per answer key.

    Key ``k`` becomes response ``utter_k``; the Azerbaijani text is the
    default variation, every other language a variation conditioned on the
    ``language`` slot, each with the entry's buttons titled in that language.
    """
    kb = knowledge if knowledge is not None else json.loads(KNOWLEDGE.read_text(encoding="utf-8"))
    default = kb["languages"][0]
    lines = [
        "# GENERATED by `python chatbot/manage.py domain` from",
        "# contact_center/knowledge/answers.json: edit the JSON, not this file",
        "# (`train` regenerates it; tests/chatbot/test_knowledge.py checks it is current).",
        'version: "3.1"',
        "",
        "responses:",
    ]
    for answer in kb["answers"]:
        lines.append(f"  utter_{answer['key']}:")
        for language in [*kb["languages"][1:], default]:
            text = answer["text"][language]
            if language == default:
                lines.append(f"    - text: {_yaml_str(text)}")
            else:
                lines += [
                    "    - condition:",
                    "        - type: slot",
                    "          name: language",
                    f"          value: {language}",
                    f"      text: {_yaml_str(text)}",
                ]
            if answer.get("buttons"):
                lines.append("      buttons:")
                for payload in answer["buttons"]:
                    title = kb["buttons"][payload][language]
                    lines += [
                        f"        - title: {_yaml_str(title)}",
                        f"          payload: {_yaml_str(payload)}",
                    ]
        lines.append("")
    return "\n".join(lines)


def write_domain() -> bool:
    """Regenerate domain/answers.yml from the knowledge base; True if it changed."""
    content = domain_yaml()
    if GENERATED_DOMAIN.exists() and GENERATED_DOMAIN.read_text(encoding="utf-8") == content:
        return False
    GENERATED_DOMAIN.write_text(content, encoding="utf-8")
    return True


# ------------------------------------------------------------------ train


def _hashed_files() -> Iterator[Path]:
    for root in HASHED_PATHS:
        if root.is_file():
            yield root
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                rel_parts = path.relative_to(root).parts
                if any(part in SKIPPED_DIRS for part in rel_parts):
                    continue
                if path.is_file() and path.suffix not in SKIPPED_SUFFIXES:
                    yield path


def content_hash() -> str:
    """Hash of everything the trained bot depends on (paths and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(set(_hashed_files())):
        digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def model_path() -> Path:
    """Where the model for the current content of chatbot/ lives."""
    return MODELS_DIR / f"{content_hash()}.tar.gz"


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Exclusive inter-process lock (several test workers may train at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_trained(force: bool = False, log: IO[str] | None = None) -> Path:
    """Train unless a model for the current content exists; return its path.

    The domain's answers are regenerated from the knowledge base first, so a
    model never trains on stale texts.
    """
    with _lock(MODELS_DIR / ".train.lock"):
        write_domain()
        target = model_path()
        if target.exists() and not force:
            return target
        rasa = _require_rasa()
        cmd = [
            str(rasa), "train",
            "--config", "config.yml",
            "--domain", "domain",
            "--data", "data",
            "--out", str(MODELS_DIR),
            "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        ]
        if force:
            cmd.append("--force")
        started = time.monotonic()
        result = subprocess.run(
            cmd,
            cwd=BOT_DIR,
            env=rasa_env(),
            stdout=log or subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not target.exists():
            output = result.stdout[-6000:] if result.stdout else "(see log)"
            raise BotError(f"rasa train failed ({result.returncode}):\n{output}")
        print(
            f"trained {target.name} in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
        _prune_models(keep=target)
        return target


def _prune_models(keep: Path) -> None:
    models = sorted(
        (p for p in MODELS_DIR.glob("*.tar.gz") if p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in models[KEEP_MODELS - 1 :]:
        old.unlink(missing_ok=True)


# ------------------------------------------------------------------ serve


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _get_json(url: str, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            if response.status != 200:
                return None
            return json.loads(response.read().decode() or "{}")
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _post_json(url: str, body: dict, timeout: float = 60.0) -> object:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read().decode())


@dataclass
class BotProcesses:
    """A running Rasa server and action server (one process group each)."""

    rasa_port: int
    actions_port: int
    model: Path
    rasa: subprocess.Popen
    actions: subprocess.Popen
    api: bool = False  # Rasa's HTTP API (--enable-api): tests only
    log_files: list[Path] = field(default_factory=list)
    _handles: list[IO[str]] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{HOST}:{self.actions_port}/webhook"

    def alive(self) -> bool:
        return self.rasa.poll() is None and self.actions.poll() is None

    def is_ready(self) -> bool:
        health = _get_json(f"http://{HOST}:{self.actions_port}/health")
        if not (health and health.get("status") == "ok"):
            return False
        if self.api:
            status = _get_json(f"{self.url}/status")
            return bool(status and status.get("model_id"))
        # Without the API: Rasa answers its root only once the model is loaded
        # (it loads it before the server accepts connections).
        return _answers(self.url + "/")

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise BotError(
                    "the bot exited during start-up "
                    f"(rasa={self.rasa.poll()}, actions={self.actions.poll()})\n"
                    + self.log_tail()
                )
            if self.is_ready():
                # The first message builds the TensorFlow graph; do it before callers time out.
                if self.api:
                    _post_json(f"{self.url}/model/parse", {"text": "salam"}, timeout=120)
                else:
                    _post_json(f"{self.url}/webhooks/rest/webhook", {"sender": "cc142-warm-up", "message": "salam"},
                               timeout=120)
                return
            time.sleep(1.0)
        raise BotError(f"the bot was not ready after {timeout:.0f} s\n" + self.log_tail())

    def log_tail(self, lines: int = 60) -> str:
        chunks = []
        for path in self.log_files:
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()[-lines:]
                chunks.append(f"----- {path} (last {lines} lines) -----\n" + "\n".join(text))
        return "\n".join(chunks)

    def stop(self, timeout: float = 20.0) -> None:
        for proc in (self.rasa, self.actions):
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in (self.rasa, self.actions):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    def __enter__(self) -> "BotProcesses":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def start(
    rasa_port: int | None = None,
    actions_port: int | None = None,
    *,
    model: Path | None = None,
    log_dir: Path | None = None,
    wait: bool = True,
    timeout: float = 240.0,
    enable_api: bool = False,
) -> BotProcesses:
    """Start the action server and ``rasa run`` on loopback.

    Rasa's HTTP API (``--enable-api``: models, trackers, parse) only with
    ``enable_api`` (the tests' NLU checks): the backend needs only the REST
    channel, and the API's token would not cover that channel anyway.

    Ports default to free ones. With ``log_dir`` each process logs to a file
    there, otherwise to this process's stdout/stderr. Waits until both answer
    (``/health``, ``/status`` with a model) unless ``wait=False``.
    """
    rasa = _require_rasa()
    model = model or ensure_trained()
    rasa_port = rasa_port or free_port()
    actions_port = actions_port or free_port()
    for port in (rasa_port, actions_port):
        if port_in_use(port):
            # otherwise another bot on that port would pass the readiness check
            raise BotError(f"port {port} on {HOST} is already in use")
    handles: list[IO[str]] = []
    log_files: list[Path] = []

    def output(name: str) -> IO[str] | None:
        if log_dir is None:
            return None
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / f"{name}.log"
        log_files.append(path)
        handle = path.open("w")
        handles.append(handle)
        return handle

    actions_log = output("actions")
    actions = subprocess.Popen(
        [str(rasa), "run", "actions", "--port", str(actions_port), "--actions", "actions"],
        cwd=BOT_DIR,
        env=rasa_env(SANIC_HOST=HOST),
        stdout=actions_log,
        stderr=subprocess.STDOUT if actions_log else None,
        start_new_session=True,
    )
    rasa_log = output("rasa")
    server = subprocess.Popen(
        [
            str(rasa), "run",
            *(["--enable-api"] if enable_api else []),
            "--interface", HOST,
            "--port", str(rasa_port),
            "--model", str(model),
            "--endpoints", "endpoints.yml",
            "--credentials", "credentials.yml",
        ],
        cwd=BOT_DIR,
        env=rasa_env(ACTIONS_URL=f"http://{HOST}:{actions_port}/webhook"),
        stdout=rasa_log,
        stderr=subprocess.STDOUT if rasa_log else None,
        start_new_session=True,
    )
    handle = BotProcesses(
        rasa_port=rasa_port,
        actions_port=actions_port,
        model=model,
        rasa=server,
        actions=actions,
        api=enable_api,
        log_files=log_files,
        _handles=handles,
    )
    if wait:
        try:
            handle.wait_ready(timeout=timeout)
        except BaseException:
            handle.stop()
            raise
    return handle


def serve(log_dir: Path | None = None) -> int:
    """Run both servers in the foreground until a signal or a crash.

    With ``log_dir`` Rasa's own output (its old dependencies warn at every
    start) goes to ``rasa.log`` and ``actions.log`` there; this process prints
    only "bot ready" or, on a failure, the logs' tails.
    """
    rasa_port = int(os.environ.get("RASA_PORT") or DEFAULT_RASA_PORT)
    actions_port = int(os.environ.get("ACTIONS_PORT") or DEFAULT_ACTIONS_PORT)
    try:
        model = ensure_trained()
        handle = start(rasa_port, actions_port, model=model, log_dir=log_dir, wait=False)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        deadline = time.monotonic() + 300
        while not stopping and not handle.is_ready():
            if not handle.alive() or time.monotonic() > deadline:
                print("bot failed to start\n" + handle.log_tail(), file=sys.stderr)
                return 1
            time.sleep(1.0)
        if not stopping:
            logs = f"; logs in {log_dir}" if log_dir else ""
            print(
                f"bot ready: rasa {handle.url} (model {model.name}), "
                f"actions {handle.actions_url}{logs}",
                flush=True,
            )
        while not stopping:
            if not handle.alive():
                print(
                    f"bot process exited (rasa={handle.rasa.poll()}, "
                    f"actions={handle.actions.poll()})\n" + handle.log_tail(),
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.5)
        return 0
    finally:
        handle.stop()


# -------------------------------------------------------------------- cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help="create .venv-rasa with rasa 3.6.21 and cc142-text")
    train = commands.add_parser("train", help="train when chatbot/ changed")
    train.add_argument("--force", action="store_true", help="retrain anyway")
    serve_cmd = commands.add_parser("serve", help="run rasa and the action server")
    serve_cmd.add_argument("--log-dir", type=Path, help="write Rasa's output to files there")
    commands.add_parser("model-path", help="print the model path for the current content")
    commands.add_parser("domain", help="regenerate domain/answers.yml from the knowledge base")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            install()
        elif args.command == "train":
            print(ensure_trained(force=args.force))
        elif args.command == "serve":
            return serve(log_dir=args.log_dir)
        elif args.command == "model-path":
            print(model_path())
        elif args.command == "domain":
            changed = write_domain()
            print(f"{GENERATED_DOMAIN} {'written' if changed else 'up to date'}")
    except (BotError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
