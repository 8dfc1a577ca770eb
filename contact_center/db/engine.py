from __future__ import annotations

import os

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(url: str, *, pool_size: int | None = None) -> AsyncEngine:
    """Pool size from CC142_DB_POOL_SIZE (default 10, plus as many again on bursts)."""
    size = pool_size or int(os.environ.get("CC142_DB_POOL_SIZE") or 10)
    return create_async_engine(url, pool_size=size, max_overflow=size, pool_pre_ping=False)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
