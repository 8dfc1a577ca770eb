"""Shared by the benchmarks: start a real backend process, measure latencies."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def backend(env: dict[str, str]) -> Iterator[str]:
    """`cc142 serve` in its own process (embedded PostgreSQL in a temp dir unless
    DATABASE_URL is set); yields its base URL."""
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="cc142-bench-")
    full_env = {**os.environ, "CC142_DATA_DIR": data_dir, "CC142_PORT": str(port), **env}
    subprocess.run([sys.executable, "-m", "contact_center", "migrate"], cwd=ROOT, env=full_env,
                   check=True, capture_output=True)
    log = Path(data_dir) / "backend.log"
    proc = subprocess.Popen([sys.executable, "-m", "contact_center", "serve"], cwd=ROOT, env=full_env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(log.read_text())
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(15)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def describe(latencies_s: list[float]) -> str:
    ms = [x * 1000 for x in latencies_s]
    return (f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
            f"mean {statistics.fmean(ms):.1f} ms")


def cli(url: str, *args: str) -> str:
    """Run `cc142 ARGS` against the database at `url`; returns its stdout."""
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run([sys.executable, "-m", "contact_center", *args], cwd=ROOT, env=env, check=True,
                         stdout=subprocess.PIPE, text=True)
    return out.stdout or ""


async def count_calls(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        if not await conn.fetchval("SELECT to_regclass('calls') IS NOT NULL"):
            return 0
        return await conn.fetchval("SELECT count(*) FROM calls")
    finally:
        await conn.close()


def seeded_database(data_dir: Path, years: int, *, reseed: bool) -> tuple[str, int, str | None]:
    """An embedded database under data_dir with `years` of demo traffic, reused when
    already seeded. Returns (url, calls, seed-demo's output or None when reused)."""
    import asyncio
    import shutil

    from contact_center.db.embedded import asyncpg_url, ensure_database, start_embedded

    if reseed and data_dir.exists():
        shutil.rmtree(data_dir)
    uri = start_embedded(data_dir)
    asyncio.run(ensure_database(uri, "cc142"))
    url = asyncpg_url(uri, "cc142")
    cli(url, "migrate")
    if asyncio.run(count_calls(url)) >= years * 900_000:
        return url, asyncio.run(count_calls(url)), None
    print(f"seeding {years} years into {data_dir} ...", flush=True)
    out = cli(url, "seed-demo", "--years", str(years)).strip()
    return url, asyncio.run(count_calls(url)), out
