"""What checking pooled connections costs (contact_center/db/engine.py).

A connection PostgreSQL dropped (a restart) must be replaced before a request
uses it. Two ways: SQLAlchemy's pool_pre_ping (an empty round trip at every
checkout) and what the engine does, asking asyncpg whether it saw the socket
close (`is_closed()`, no round trip). This measures a checkout plus one small statement, as a request does it
(the PBX batcher's driver transaction: BEGIN, one INSERT-sized statement, COMMIT),
with and without pre-ping, sequentially and with 32 concurrent tasks, on an
embedded PostgreSQL in a temporary directory (or DATABASE_URL). Prints each
figure, the baseline and the ratio.

    .venv/bin/python bench/preping.py [--rounds 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import percentile  # noqa: E402
from contact_center.db.driver import driver_transaction  # noqa: E402
from contact_center.db.embedded import DATABASE_NAME, asyncpg_url, ensure_database, start_embedded  # noqa: E402
from contact_center.db.engine import make_engine  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402


async def _one(engine) -> float:
    started = time.perf_counter()
    async with driver_transaction(engine) as conn:
        await conn.fetchval("SELECT 1")
    return (time.perf_counter() - started) * 1000


async def measure(url: str, mode: str, rounds: int, concurrency: int) -> tuple[float, float, float]:
    """-> (operations per second, p50 ms, p99 ms)."""
    if mode == "none":  # the baseline: neither check
        engine = create_async_engine(url, pool_size=concurrency, max_overflow=concurrency)
    else:
        engine = make_engine(url, pool_size=concurrency, pre_ping=mode == "pre_ping")
    try:
        await asyncio.gather(*(_one(engine) for _ in range(concurrency)))  # warm the pool
        latencies: list[float] = []

        async def worker(n: int) -> None:
            for _ in range(n):
                latencies.append(await _one(engine))

        started = time.perf_counter()
        await asyncio.gather(*(worker(rounds // concurrency) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        return len(latencies) / elapsed, percentile(latencies, 50), percentile(latencies, 99)
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        uri = start_embedded(Path(tempfile.mkdtemp(prefix="cc142-bench-preping-")))
        await ensure_database(uri, DATABASE_NAME)
        url = asyncpg_url(uri, DATABASE_NAME)
    for concurrency in (1, 32):
        base = await measure(url, "none", args.rounds, concurrency)
        print(f"concurrency {concurrency:>2}: baseline (no check)        {base[0]:7.0f} ops/s, "
              f"p50 {base[1]:.2f} ms, p99 {base[2]:.2f} ms", flush=True)
        for mode, label in (("closed", "is_closed() (the default)"), ("pre_ping", "pool_pre_ping            ")):
            got = await measure(url, mode, args.rounds, concurrency)
            print(f"concurrency {concurrency:>2}: {label} {got[0]:7.0f} ops/s, p50 {got[1]:.2f} ms, "
                  f"p99 {got[2]:.2f} ms; ratio to baseline {got[0] / base[0]:.2f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
