"""The application factory: one aiohttp app with every adapter and the console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from contact_center.appkeys import ENGINE, SESSIONMAKER, SETTINGS
from contact_center.chat_runtime import chat_runtime
from contact_center.config import Settings
from contact_center.db.embedded import resolve_database_url
from contact_center.db.engine import make_engine, make_sessionmaker
from contact_center.api import calls as calls_api
from contact_center.api import specs as api_specs
from contact_center.api import stats as stats_api
from contact_center.stats import openapi as stats_openapi
from contact_center.stats.refresher import run_refresher
from contact_center.web import health, openapi

log = logging.getLogger(__name__)

# Large enough for a day's queue_log upload; JSON bodies are checked by size too.
CLIENT_MAX_SIZE = 50 * 1024 * 1024


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    url = await resolve_database_url(settings.database_url, settings.data_dir)
    engine = make_engine(url)
    app[ENGINE] = engine
    app[SESSIONMAKER] = make_sessionmaker(engine)
    yield
    await engine.dispose()


async def refresher_ctx(app: web.Application) -> AsyncIterator[None]:
    task = None
    if app[SETTINGS].stats_refresh_seconds > 0:
        task = asyncio.create_task(run_refresher(app[ENGINE], app[SETTINGS]))
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(settings: Settings) -> web.Application:
    # The composition root is the one place that knows every adapter.
    from agent_console import routes as console_routes
    from webhooks import routes as webhook_routes

    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(chat_runtime)  # after _database: it needs the sessionmaker
    app.cleanup_ctx.append(refresher_ctx)
    app.router.add_routes(health.routes)
    app.router.add_routes(calls_api.routes)
    app.router.add_routes(stats_api.routes)
    openapi.setup(app)
    openapi.register_openapi(app, paths=api_specs.PATHS, schemas=api_specs.SCHEMAS)
    openapi.register_openapi(app, paths=stats_openapi.PATHS, schemas=stats_openapi.SCHEMAS)
    webhook_routes.setup(app)
    console_routes.setup(app)
    return app
