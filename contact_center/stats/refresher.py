"""The background refresher: every CC142_STATS_REFRESH_SECONDS each backend
process tries a refresh; the advisory lock lets one of them do it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from contact_center.appkeys import ENGINE, SETTINGS
from contact_center.db.driver import driver_connection
from contact_center.stats.rollups import refresh

log = logging.getLogger(__name__)


# The refresher shares the process with the PBX ingest: after a refresh that
# took t seconds it rests at least BUSY_FACTOR * t, so it never takes more
# than about a tenth of the process however busy the day is (queries stay
# exact meanwhile: days not yet refreshed are computed from the records).
BUSY_FACTOR = 9


async def _loop(app: web.Application, interval: float) -> None:
    settings = app[SETTINGS]
    while True:
        started = asyncio.get_running_loop().time()
        try:
            async with driver_connection(app[ENGINE]) as conn:
                await refresh(conn, settings.tz)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep refreshing; the next cycle retries
            log.exception("statistics refresh failed")
        took = asyncio.get_running_loop().time() - started
        await asyncio.sleep(max(interval, BUSY_FACTOR * took))


async def refresher_ctx(app: web.Application) -> AsyncIterator[None]:
    interval = app[SETTINGS].stats_refresh_seconds
    task = asyncio.create_task(_loop(app, interval)) if interval > 0 else None
    yield
    if task is not None:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
