"""A real PostgreSQL for the tests: embedded (default) or TEST_DATABASE_URL.

The schema is built once per session by running the Alembic migrations
(so they are tested too); each test starts from empty tables except the
reference data the migrations seed.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contact_center.db.base import Base
from contact_center.db.embedded import DATABASE_NAME, asyncpg_url, ensure_database, start_embedded, to_asyncpg
from contact_center.db.engine import make_engine, make_sessionmaker
from contact_center.db.migrate import upgrade
from contact_center.db.models import REFERENCE_MODELS, KnowledgeEntry
from contact_center.knowledge.entries import sync_shipped

REFERENCE_TABLES = {m.__tablename__ for m in REFERENCE_MODELS}
# Seeded by the migrations like the reference data; put back to the shipped entries per test.
SEEDED_TABLES = REFERENCE_TABLES | {KnowledgeEntry.__tablename__}


@pytest.fixture(scope="session")
def database_url() -> str:
    """SQLAlchemy URL of a freshly migrated test database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = to_asyncpg(url)
        asyncio.run(_reset_schema(url))
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="cc142-test-pg-"))
        uri = start_embedded(data_dir)
        asyncio.run(ensure_database(uri, DATABASE_NAME))
        url = asyncpg_url(uri, DATABASE_NAME)
    asyncio.run(_migrate(url))
    return url


async def _reset_schema(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


async def truncate_all(engine: AsyncEngine) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in SEEDED_TABLES]
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        # A test's knowledge-base edits are undone: edited entries go, the shipped ones come back.
        await conn.execute(text("DELETE FROM knowledge_entries WHERE updated_by IS NOT NULL"))
        async with AsyncSession(bind=conn) as session:
            await sync_shipped(session)


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """Empty tables (reference data kept) for this test."""
    await truncate_all(engine)
    yield engine
