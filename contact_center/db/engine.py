from __future__ import annotations

from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(url: str, *, pool_size: int = 10, pre_ping: bool = False) -> AsyncEngine:
    """`pool_size` connections (Settings.db_pool_size, CC142_DB_POOL_SIZE), plus as many again on bursts.

    hide_parameters: a database error's text never carries the statement's
    values (phone numbers, citizens' messages) into a log line.

    A pooled connection the server closed (PostgreSQL restarted, the session
    was terminated) is replaced when it is taken, so the first request after a
    restart does not fail on it: asyncpg notices the closed socket at once, so
    asking it (`is_closed()`, no round trip) is the cheap equivalent of
    SQLAlchemy's pool_pre_ping, which costs a round trip per checkout
    (bench/preping.py measures both; README, Benchmarks)."""
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=pre_ping, hide_parameters=True
    )
    event.listen(engine.sync_engine, "checkout", _replace_closed)
    return engine


def _replace_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Pool checkout: DisconnectionError makes the pool drop this connection and take another."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this connection")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
