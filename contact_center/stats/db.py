"""Connections for the statistics: bare asyncpg under the engine's pool
(contact_center/db/driver.py).

The figures are read in one REPEATABLE READ, read-only transaction so the
rollup rows, the watermark and the live records all agree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.db.driver import driver_connection


@asynccontextmanager
async def read_snapshot(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    async with driver_connection(engine) as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            yield conn
