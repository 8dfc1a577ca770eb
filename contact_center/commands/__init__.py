"""`cc142` subcommands: every module here with a `register(subparsers)` joins the CLI.

Each command function takes (args, settings) and returns an exit code (or a
coroutine that does).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.config import Settings


async def engine_for(settings: Settings) -> AsyncEngine:
    """An engine on DATABASE_URL, or on the embedded PostgreSQL when it is unset."""
    from contact_center.db.embedded import resolve_database_url
    from contact_center.db.engine import make_engine

    url = await resolve_database_url(settings.database_url, settings.data_dir)
    return make_engine(url, pool_size=settings.db_pool_size)
