"""The background refresher: every CC142_STATS_REFRESH_SECONDS the rollups are
refreshed, by one process of the deployment at a time (contact_center/db/leader.py:
the others wait to take over if it goes away)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.config import Settings
from contact_center.db.driver import driver_connection, driver_dsn
from contact_center.db.leader import run_as_leader
from contact_center.stats.rollups import refresh

log = logging.getLogger(__name__)

LEADER = "stats-refresher"

# The refresher shares the process with the PBX ingest: after a refresh that
# took t seconds it rests at least BUSY_FACTOR * t, so it never takes more
# than about a tenth of the process however busy the day is (queries stay
# exact meanwhile: days not yet refreshed are computed from the records).
BUSY_FACTOR = 9


async def refresh_forever(engine: AsyncEngine, settings: Settings) -> None:
    interval = settings.stats_refresh_seconds
    while True:
        started = asyncio.get_running_loop().time()
        try:
            # refresh() still takes its own lock for each refresh: a rebuild
            # (seed-demo, `cc142 stats --rebuild`) never overlaps one.
            async with driver_connection(engine) as conn:
                await refresh(conn, settings.tz)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep refreshing; the next cycle retries
            log.exception("statistics refresh failed")
        took = asyncio.get_running_loop().time() - started
        await asyncio.sleep(max(interval, BUSY_FACTOR * took))


async def run_refresher(engine: AsyncEngine, settings: Settings) -> None:
    """Refresh for as long as the process runs, while it leads (contends otherwise)."""
    await run_as_leader(driver_dsn(engine.url), LEADER, lambda: refresh_forever(engine, settings))
