#!/usr/bin/env python3
"""Operate the 142 Rasa bot: install, train, serve. Standard library only.

    python chatbot/manage.py install          # .venv-rasa at the repo root (idempotent)
    python chatbot/manage.py train [--force]  # only when chatbot/ content changed
    python chatbot/manage.py domain           # domain/answers.yml from the knowledge base
    python chatbot/manage.py serve            # rasa (RASA_PORT) + actions (ACTIONS_PORT)
    python chatbot/manage.py serve --replicas 2   # rasa on RASA_PORT, RASA_PORT+1 + actions

With DATABASE_URL set (``cc142 up`` sets it) the trackers live in PostgreSQL,
in the database ``<name>_rasa`` next to the backend's (created when missing),
and with REDIS_URL set Rasa locks conversations in Redis: both are needed for
more than one replica, and then any replica can answer any message.

Rasa 3.6 pins old libraries, so it lives in its own virtualenv
(``.venv-rasa``) and the backend reaches it over HTTP only.

Importable helpers (used by tests/plugins/rasa_server.py)::

    from chatbot import manage            # or put chatbot/ on sys.path
    manage.ensure_trained()  -> Path      # the model for the current content
    manage.model_path()      -> Path      # where that model lives
    handle = manage.start(rasa_port, actions_port, log_dir=...)
    handle.url  ...  handle.stop()
    handle = manage.start(replicas=2, database_url=..., redis_url=...)
    handle.urls ...  handle.kill_replica(0)
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
import urllib.parse
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
    """uv never fetches an interpreter; it uses the one it is given. It trusts the
    system's certificate store, as pip does: behind a TLS-inspecting proxy whose CA
    is installed there (not in uv's bundled roots) it can still reach the index."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PYTHON"}}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.setdefault("UV_NATIVE_TLS", "1")
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


# ---------------------------------------------- tracker store, lock store


TRACKER_DB_SUFFIX = "_rasa"
LOCK_STORE_DB = 1  # Rasa's default Redis database for locks


@dataclass(frozen=True)
class TrackerDatabase:
    """Where Rasa's SQL tracker store keeps its ``events`` table.

    ``host`` is a host name or, for PostgreSQL on a Unix socket (the embedded
    server), the socket directory: libpq takes a host starting with "/" as one.
    """

    host: str
    port: int | None
    database: str
    username: str
    password: str


def tracker_database(database_url: str) -> TrackerDatabase:
    """The backend's DATABASE_URL (any postgresql URL form) -> its ``<name>_rasa`` sibling.

    ``postgresql+asyncpg://postgres@/cc142?host=/run/pg`` gives host ``/run/pg``,
    database ``cc142_rasa``; ``postgresql://u:p@db:5432/cc142`` gives ``db:5432``.
    """
    parts = urllib.parse.urlsplit(database_url)
    if not parts.scheme.startswith("postgres"):
        raise BotError(f"DATABASE_URL must be a postgresql:// URL, got {parts.scheme}://...")
    query = urllib.parse.parse_qs(parts.query)
    host = (query.get("host") or [""])[0] or parts.hostname or "localhost"
    name = urllib.parse.unquote(parts.path.lstrip("/")) or "postgres"
    return TrackerDatabase(
        host=host,
        port=parts.port,
        database=name + TRACKER_DB_SUFFIX,
        username=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password or ""),
    )


@dataclass(frozen=True)
class LockStore:
    host: str
    port: int
    db: int
    password: str
    key_prefix: str  # alphanumeric (Rasa's rule): one per tracker database


def lock_store(redis_url: str, tracker: TrackerDatabase | None) -> LockStore:
    """REDIS_URL (``redis://[:password@]host[:port][/db]``) -> Rasa's Redis lock store.

    The key prefix is derived from the tracker database (name and place), so
    two deployments or test sessions sharing one Redis never share a lock.
    """
    parts = urllib.parse.urlsplit(redis_url)
    if parts.scheme not in {"redis", ""} or not parts.hostname:
        raise BotError(f"REDIS_URL must look like redis://host:6379/1, got {redis_url!r}")
    path = parts.path.strip("/")
    place = f"{tracker.host}:{tracker.port}/{tracker.database}" if tracker else "memory"
    name = "".join(c for c in (tracker.database if tracker else "cc142") if c.isalnum())
    return LockStore(
        host=parts.hostname,
        port=parts.port or 6379,
        db=int(path) if path.isdigit() else LOCK_STORE_DB,
        password=urllib.parse.unquote(parts.password or ""),
        key_prefix=name + hashlib.sha256(place.encode()).hexdigest()[:8],
    )


def endpoints_yaml(tracker: TrackerDatabase | None, lock: LockStore | None) -> str:
    """Rasa 3.6 endpoints: the action server (``${ACTIONS_URL}``, set per process),
    the SQL tracker store and the Redis lock store when given (Rasa's own
    ``SQLTrackerStore``, and its ``RedisLockStore`` made atomic in
    ``cc142_locks.py``; keys as in Rasa's docs)."""
    lines = [
        "# GENERATED by chatbot/manage.py for one `serve` (do not edit: see chatbot/endpoints.yml)",
        "action_endpoint:",
        "  url: ${ACTIONS_URL}",
    ]
    if tracker is not None:
        lines += [
            "tracker_store:",
            "  type: SQL",
            "  dialect: postgresql",
            f"  url: {_yaml_str(tracker.host)}",
            *([f"  port: {tracker.port}"] if tracker.port else []),
            f"  db: {_yaml_str(tracker.database)}",
            f"  username: {_yaml_str(tracker.username)}",
            *([f"  password: {_yaml_str(tracker.password)}"] if tracker.password else []),
        ]
    if lock is not None:
        lines += [
            "lock_store:",
            # Rasa's RedisLockStore with atomic ticket updates (cc142_locks.py: why)
            "  type: cc142_locks.AtomicRedisLockStore",
            f"  url: {_yaml_str(lock.host)}",
            f"  port: {lock.port}",
            f"  db: {lock.db}",
            f"  key_prefix: {_yaml_str(lock.key_prefix)}",
            *([f"  password: {_yaml_str(lock.password)}"] if lock.password else []),
        ]
    return "\n".join(lines) + "\n"


# Runs in .venv-rasa (psycopg2 is a Rasa dependency): this file stays stdlib-only.
_CREATE_DATABASE = """
import json, sys
import psycopg2
from psycopg2 import errors, sql
cfg = json.loads(sys.argv[1])
conn = psycopg2.connect(host=cfg["host"], port=cfg["port"], dbname="postgres",
                        user=cfg["username"], password=cfg["password"] or None)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (cfg["database"],))
    if cur.fetchone() is None:
        try:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["database"])))
            print("created")
        except errors.DuplicateDatabase:
            pass
conn.close()
"""


def ensure_tracker_database(tracker: TrackerDatabase) -> bool:
    """Create the tracker database when missing (Rasa creates its table itself); True if created."""
    python = VENV / "bin" / "python"
    if not python.exists():
        raise BotError(f"{python} not found: run `python chatbot/manage.py install` first")
    config = {
        "host": tracker.host, "port": tracker.port, "database": tracker.database,
        "username": tracker.username, "password": tracker.password,
    }
    result = subprocess.run(
        [str(python), "-c", _CREATE_DATABASE, json.dumps(config)],
        capture_output=True, text=True, check=False, cwd="/",
    )
    if result.returncode != 0:
        raise BotError(f"could not create the tracker database {tracker.database}:\n{result.stderr[-2000:]}")
    return "created" in result.stdout


def write_endpoints(directory: Path, tracker: TrackerDatabase | None, lock: LockStore | None) -> Path:
    """endpoints.yml for this run, private (it may hold passwords)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "endpoints.yml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(endpoints_yaml(tracker, lock))
    return path


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
    """Running Rasa servers (one or more replicas) and their action server (one process group each)."""

    rasa_ports: list[int]
    actions_port: int
    model: Path
    servers: list[subprocess.Popen]
    actions: subprocess.Popen
    api: bool = False  # Rasa's HTTP API (--enable-api): tests only
    log_files: list[Path] = field(default_factory=list)
    endpoints: Path | None = None
    tracker: TrackerDatabase | None = None
    _handles: list[IO[str]] = field(default_factory=list, repr=False)
    _private_dir: Path | None = field(default=None, repr=False)

    @property
    def rasa_port(self) -> int:
        return self.rasa_ports[0]

    @property
    def rasa(self) -> subprocess.Popen:
        return self.servers[0]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def urls(self) -> list[str]:
        return [f"http://{HOST}:{port}" for port in self.rasa_ports]

    @property
    def actions_url(self) -> str:
        return f"http://{HOST}:{self.actions_port}/webhook"

    def alive(self) -> bool:
        return all(p.poll() is None for p in (*self.servers, self.actions))

    def replica_ready(self, index: int) -> bool:
        if self.api:
            status = _get_json(f"{self.urls[index]}/status")
            return bool(status and status.get("model_id"))
        # Without the API: Rasa answers its root only once the model is loaded
        # (it loads it before the server accepts connections).
        return _answers(self.urls[index] + "/")

    def is_ready(self) -> bool:
        health = _get_json(f"http://{HOST}:{self.actions_port}/health")
        if not (health and health.get("status") == "ok"):
            return False
        return all(self.replica_ready(i) for i in range(len(self.servers)))

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                codes = ", ".join(f"rasa{i + 1}={p.poll()}" for i, p in enumerate(self.servers))
                raise BotError(
                    f"the bot exited during start-up ({codes}, actions={self.actions.poll()})\n"
                    + self.log_tail()
                )
            if self.is_ready():
                # The first message builds the TensorFlow graph; do it before callers time out.
                for index, url in enumerate(self.urls):
                    if self.api:
                        _post_json(f"{url}/model/parse", {"text": "salam"}, timeout=120)
                    else:
                        _post_json(f"{url}/webhooks/rest/webhook",
                                   {"sender": f"cc142-warm-up-{index + 1}", "message": "salam"}, timeout=120)
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

    def kill_replica(self, index: int) -> None:
        """SIGKILL one Rasa replica (what a crash or an OOM kill does); the others go on."""
        proc = self.servers[index]
        _signal_group(proc, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self, timeout: float = 20.0) -> None:
        procs = (*self.servers, self.actions)
        for proc in procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)
        for handle in self._handles:
            handle.close()
        self._handles.clear()
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None

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
    replicas: int = 1,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> BotProcesses:
    """Start the action server and ``replicas`` × ``rasa run`` on loopback.

    Rasa's HTTP API (``--enable-api``: models, trackers, parse) only with
    ``enable_api`` (the tests' NLU checks): the backend needs only the REST
    channel, and the API's token would not cover that channel anyway.

    Replica ``i`` listens on ``rasa_port + i`` (``rasa_port`` given) or on a
    free port. With ``database_url`` (the backend's DATABASE_URL) the trackers
    go to PostgreSQL (``<name>_rasa``, created when missing); with
    ``redis_url`` conversations are locked in Redis. More than one replica
    needs both, otherwise each replica would answer from its own memory.
    With ``log_dir`` each process logs to a file there, otherwise to this
    process's stdout/stderr. Waits until all answer (``/health``, ``/status``
    with a model) unless ``wait=False``.
    """
    if replicas < 1:
        raise BotError("--replicas must be at least 1")
    if replicas > 1 and not (database_url and redis_url):
        raise BotError(
            "several Rasa replicas need a shared tracker store and lock store: "
            "set DATABASE_URL (trackers in PostgreSQL) and REDIS_URL (locks in Redis)"
        )
    rasa = _require_rasa()
    model = model or ensure_trained()
    if rasa_port:
        rasa_ports = [rasa_port + i for i in range(replicas)]
    else:
        rasa_ports = []
        while len(rasa_ports) < replicas:
            port = free_port()
            if port not in rasa_ports:
                rasa_ports.append(port)
    actions_port = actions_port or free_port()
    for port in (*rasa_ports, actions_port):
        if port_in_use(port):
            # otherwise another bot on that port would pass the readiness check
            raise BotError(f"port {port} on {HOST} is already in use")
    tracker = tracker_database(database_url) if database_url else None
    lock = lock_store(redis_url, tracker) if redis_url else None
    if tracker is not None:
        ensure_tracker_database(tracker)
    endpoints_arg = "endpoints.yml"
    private_dir: Path | None = None
    endpoints_path: Path | None = None
    if tracker is not None or lock is not None:
        import tempfile

        private_dir = Path(tempfile.mkdtemp(prefix="cc142-rasa-"))
        endpoints_path = write_endpoints(private_dir, tracker, lock)
        endpoints_arg = str(endpoints_path)
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
    servers = []
    for index, port in enumerate(rasa_ports):
        rasa_log = output("rasa" if replicas == 1 else f"rasa-{index + 1}")
        servers.append(subprocess.Popen(
            [
                str(rasa), "run",
                *(["--enable-api"] if enable_api else []),
                "--interface", HOST,
                "--port", str(port),
                "--model", str(model),
                "--endpoints", endpoints_arg,
                "--credentials", "credentials.yml",
            ],
            cwd=BOT_DIR,
            env=rasa_env(ACTIONS_URL=f"http://{HOST}:{actions_port}/webhook"),
            stdout=rasa_log,
            stderr=subprocess.STDOUT if rasa_log else None,
            start_new_session=True,
        ))
    handle = BotProcesses(
        rasa_ports=rasa_ports,
        actions_port=actions_port,
        model=model,
        servers=servers,
        actions=actions,
        api=enable_api,
        log_files=log_files,
        endpoints=endpoints_path,
        tracker=tracker,
        _handles=handles,
        _private_dir=private_dir,
    )
    if wait:
        try:
            handle.wait_ready(timeout=timeout)
        except BaseException:
            handle.stop()
            raise
    return handle


def serve(log_dir: Path | None = None, replicas: int | None = None) -> int:
    """Run the servers in the foreground until a signal or a crash.

    ``replicas`` Rasa servers (default RASA_REPLICAS or 1) on RASA_PORT,
    RASA_PORT+1, ...; DATABASE_URL and REDIS_URL from the environment choose
    the tracker store and lock store (see ``start``).

    With ``log_dir`` Rasa's own output (its old dependencies warn at every
    start) goes to ``rasa.log`` and ``actions.log`` there; this process prints
    only "bot ready" or, on a failure, the logs' tails.
    """
    rasa_port = int(os.environ.get("RASA_PORT") or DEFAULT_RASA_PORT)
    actions_port = int(os.environ.get("ACTIONS_PORT") or DEFAULT_ACTIONS_PORT)
    replicas = replicas or int(os.environ.get("RASA_REPLICAS") or 1)
    try:
        model = ensure_trained()
        handle = start(
            rasa_port, actions_port, model=model, log_dir=log_dir, wait=False, replicas=replicas,
            database_url=os.environ.get("DATABASE_URL") or None,
            redis_url=os.environ.get("REDIS_URL") or None,
        )
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
            stores = (
                f"; trackers in PostgreSQL database {handle.tracker.database}" if handle.tracker
                else "; trackers in memory"
            )
            print(
                f"bot ready: rasa {','.join(handle.urls)} (model {model.name}), "
                f"actions {handle.actions_url}{stores}{logs}",
                flush=True,
            )
        reported: set[int] = set()
        while not stopping:
            # With several replicas one may die and the others carry its conversations
            # (the backend fails over): say so, and stop only when none is left.
            for i, proc in enumerate(handle.servers):
                if proc.poll() is not None and i not in reported and len(handle.servers) > 1:
                    reported.add(i)
                    print(f"rasa replica {i + 1} ({handle.urls[i]}) exited with {proc.returncode}; "
                          "the other replicas go on", file=sys.stderr, flush=True)
            if handle.actions.poll() is not None or len(reported) == len(handle.servers) or (
                    len(handle.servers) == 1 and not handle.alive()):
                codes = ", ".join(f"rasa{i + 1}={p.poll()}" for i, p in enumerate(handle.servers))
                print(
                    f"bot process exited ({codes}, actions={handle.actions.poll()})\n"
                    + handle.log_tail(),
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
    serve_cmd.add_argument(
        "--replicas", type=int, default=None,
        help="Rasa servers on RASA_PORT, RASA_PORT+1, ... (default RASA_REPLICAS or 1; "
        "more than one needs DATABASE_URL and REDIS_URL)",
    )
    commands.add_parser("model-path", help="print the model path for the current content")
    commands.add_parser("domain", help="regenerate domain/answers.yml from the knowledge base")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            install()
        elif args.command == "train":
            print(ensure_trained(force=args.force))
        elif args.command == "serve":
            return serve(log_dir=args.log_dir, replicas=args.replicas)
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
