"""Choices for statistics filters that have no reference table."""

from __future__ import annotations

import asyncpg


async def known_queues(conn: asyncpg.Connection, *, limit: int = 200) -> list[str]:
    """Queues that have figures: read from the year rollup rows (a few hundred
    rows through ix_stats_rollups_period), not from the calls table."""
    rows = await conn.fetch(
        "SELECT DISTINCT substr(fkey, 3) AS queue FROM stats_rollups "
        "WHERE grain = 'y' AND fkey LIKE 'q:%' ORDER BY 1 LIMIT $1",
        limit,
    )
    return [r["queue"] for r in rows]
