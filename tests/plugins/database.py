"""A real PostgreSQL for the tests: embedded (default) or TEST_DATABASE_URL.

The schema is built once per session by running the Alembic migrations
(so they are tested too); each test starts from empty tables except the
reference data the migrations seed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contact_center.db.base import Base
from contact_center.db.embedded import DATABASE_NAME, asyncpg_url, ensure_database, start_embedded, to_asyncpg
from contact_center.db.engine import make_engine, make_sessionmaker
from contact_center.db.migrate import upgrade
from contact_center.db.models import REFERENCE_MODELS, Holiday, KnowledgeEntry
from contact_center.knowledge.entries import sync_shipped

# Seeded by the migrations and kept between tests (tests that edit them put them back).
REFERENCE_TABLES = {m.__tablename__ for m in REFERENCE_MODELS} | {Holiday.__tablename__}
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
    """Empty the tables. A transaction left open by an earlier test's stray task
    would make TRUNCATE wait for ever: after 30 s the blockers are named on stderr,
    ended, and the truncation retried, so the leak shows and the suite goes on."""
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in SEEDED_TABLES]
    for attempt in range(2):
        try:
            async with engine.begin() as conn:
                await conn.execute(text("SET LOCAL lock_timeout = '30s'"))
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                # A test's knowledge-base edits are undone: edited entries go, the shipped ones come back.
                await conn.execute(text("DELETE FROM knowledge_entries WHERE updated_by IS NOT NULL"))
                async with AsyncSession(bind=conn) as session:
                    await sync_shipped(session)
            return
        except DBAPIError as exc:
            if attempt or "lock timeout" not in str(exc):
                raise
            await _end_blockers(engine)


async def _end_blockers(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT pid, state, application_name, xact_start, left(query, 300) AS query FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        ))).all()
        print(f"\n=== truncate_all: {len(rows)} idle-in-transaction sessions block the tables, ending them:",
              file=sys.__stderr__)
        for row in rows:
            print(f"  {dict(row._mapping)}", file=sys.__stderr__)
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": row.pid})
        await conn.commit()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """Empty tables (reference data kept) for this test."""
    await truncate_all(engine)
    yield engine
