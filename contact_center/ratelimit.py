"""Rate limits for public endpoints, counted in PostgreSQL so that every
backend process shares them (a per-process counter would multiply the limit)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

_HIT = text(
    """
INSERT INTO rate_counters AS r (key, window_start, count) VALUES (:key, :window, 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
RETURNING r.count
"""
)
_PRUNE = text("DELETE FROM rate_counters WHERE window_start < :before")


@dataclass(frozen=True)
class Limit:
    name: str  # e.g. "chat-ip"
    max_hits: int
    window: timedelta


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int


def _window_start(now: datetime, window: timedelta) -> datetime:
    epoch = int(now.timestamp())
    size = int(window.total_seconds())
    return datetime.fromtimestamp(epoch - epoch % size, tz=UTC)


async def hit(
    conn: AsyncConnection | AsyncSession, limit: Limit, subject: str, *, now: datetime | None = None
) -> Verdict:
    """Count one request by `subject` (an IP, a phone, a visitor) against `limit`.

    Run it in its own short transaction before the real work, so a refused
    request still counts and a slow request does not hold the counter row.
    """
    now = now or datetime.now(UTC)
    start = _window_start(now, limit.window)
    count = (
        await conn.execute(_HIT, {"key": f"{limit.name}:{subject}", "window": start})
    ).scalar_one()
    if count <= limit.max_hits:
        return Verdict(True, 0)
    retry = int((start + limit.window - now).total_seconds()) + 1
    return Verdict(False, max(retry, 1))


# Longer than the longest window (the callbacks' day per number).
KEEP = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)


async def prune(conn: AsyncConnection | AsyncSession, *, older_than: timedelta = KEEP) -> int:
    result = await conn.execute(_PRUNE, {"before": datetime.now(UTC) - older_than})
    return int(getattr(result, "rowcount", 0) or 0)


Pruner = Callable[[AsyncSession], Awaitable[int]]


async def prune_forever(
    sessionmaker: async_sessionmaker[AsyncSession], pruners: Sequence[Pruner] = (prune,), every: timedelta = PRUNE_EVERY
) -> None:
    """A runtime part (contact_center/runtime.py): drop counters of finished windows
    (and whatever else `pruners` remove: the console's old submission ids).

    In every process, not one leader: the DELETE is idempotent and cheap, and
    a leadership would hold a connection for it. A failure (the database
    restarting) is logged and retried at the next round."""
    while True:
        try:
            async with sessionmaker.begin() as session:
                removed = [await pruner(session) for pruner in pruners]
            if any(removed):
                log.info("pruned %s old rows (rate counters first)", removed)
        except Exception:  # noqa: BLE001 - keep pruning after a database outage
            log.warning("pruning rate counters failed; retrying in %s", every, exc_info=True)
        await asyncio.sleep(every.total_seconds())
