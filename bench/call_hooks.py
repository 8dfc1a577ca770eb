"""What the console's call hooks add to the PBX ingest path (not a timed test).

Runs the ingest service and `contact_center.calls.hooks.calls_changed` in-process against a
fresh embedded PostgreSQL, one transaction per request as the webhook does,
and prints the time per request for three kinds of traffic, interleaved so
that machine noise hits them alike:

  history   an answered event from last year: the hooks decide in Python, no SQL
  answered  an answered event now: + one pg_notify statement (the screen pop)
  abandoned an enqueue + abandon pair now: + one INSERT ... ON CONFLICT that also notifies

    .venv/bin/python bench/call_hooks.py [--rounds 10] [--per-round 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from contact_center.calls import hooks as call_hooks  # noqa: E402
from contact_center.calls.pbx_ingest import PbxEventIn, ingest_events  # noqa: E402
from contact_center.config import Settings  # noqa: E402
from contact_center.db.driver import driver_transaction  # noqa: E402
from contact_center.db.embedded import asyncpg_url, ensure_database, start_embedded  # noqa: E402
from contact_center.db.engine import make_engine  # noqa: E402
from contact_center.db.migrate import upgrade  # noqa: E402

LAST_YEAR = datetime.now(UTC) - timedelta(days=365)


def _events(kind: str, n: int) -> list[PbxEventIn]:
    caller = f"+99450{n:07d}"
    if kind == "abandoned":
        start = datetime.now(UTC) - timedelta(minutes=1)
        return [PbxEventIn(f"e{n}a", f"c{n}", "enqueued", start, caller, "142"),
                PbxEventIn(f"e{n}b", f"c{n}", "abandoned", start + timedelta(seconds=30))]
    at = LAST_YEAR if kind == "history" else datetime.now(UTC)
    return [PbxEventIn(f"e{n}", f"c{n}", "answered", at, caller, "142", "1001")]


async def main(rounds: int, per_round: int) -> None:
    uri = start_embedded(Path(tempfile.mkdtemp(prefix="cc142-bench-hooks-")))
    await ensure_database(uri, "cc142")
    engine = make_engine(asyncpg_url(uri, "cc142"))
    await upgrade(engine)
    settings = Settings()
    results: dict[str, list[float]] = {"history": [], "answered": [], "abandoned": []}
    n = 0
    for _ in range(rounds):
        for kind, samples in results.items():
            for _ in range(per_round):
                n += 1
                events = _events(kind, n)
                start = time.perf_counter()
                async with driver_transaction(engine) as conn:
                    result = await ingest_events(conn, events)
                    await call_hooks.calls_changed(conn, settings, result.calls)
                samples.append((time.perf_counter() - start) * 1000)
    await engine.dispose()
    base = statistics.median(results["history"])
    for kind, samples in results.items():
        samples.sort()
        median = statistics.median(samples)
        print(f"{kind:9s}  median {median:.3f} ms  p90 {samples[int(len(samples) * 0.9)]:.3f} ms  "
              f"(+{median - base:.3f} ms over history) per request, {len(samples)} requests")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.per_round))
