"""Straight on the asyncpg driver, for the hot and the heavy paths.

The connection still comes from SQLAlchemy's pool (same engine, same URL,
same limits); only the statements skip SQLAlchemy's execution layer, which
costs about as much CPU per statement as everything else in a small PBX
ingest request (measured: ~340 µs vs ~200 µs per single-event ingest), and
which the statistics (large COPYs and fact queries) do not need either.
Everything else uses sessions and Core as usual.

A few long-lived connections are the driver's own, outside the pool (the
live events' LISTEN, leader election): `driver_dsn` is their URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """The pool's asyncpg connection, outside any transaction.

    SQLAlchemy never begins a transaction on it, so its reset-on-return has
    nothing to roll back; whatever transaction is opened here, asyncpg owns."""
    async with engine.connect() as sa_conn:
        fairy = await sa_conn.get_raw_connection()
        yield fairy.driver_connection  # type: ignore[misc]


@asynccontextmanager
async def driver_transaction(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """`async with driver_transaction(engine) as conn:` commits on success, rolls back on error."""
    async with driver_connection(engine) as conn:
        async with conn.transaction():
            yield conn


def driver_dsn(sqlalchemy_url: Any) -> str:
    """The engine's URL for asyncpg.connect(): libpq form, without SQLAlchemy's "+asyncpg"."""
    return sqlalchemy_url.set(drivername="postgresql").render_as_string(hide_password=False)
