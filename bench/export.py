"""Export benchmark (issue 14): a list of 200,000 rows exported as CSV and XLSX
through a real backend process, its memory watched from this second process.
Target: the backend's RSS grows by less than 50 MB while it streams the file.

    .venv/bin/python bench/export.py [--data-dir var/bench-dash] [--rows 200000] [--reseed]

The data is a year of demo traffic in an embedded PostgreSQL (reused between
runs, like bench/dashboard.py). The supervisors' PBX-calls list is exported
for the latest days that hold --rows calls. RSS is read from
/proc/<pid>/status every 20 ms while the download runs; the figures printed
are the RSS before, the peak, the growth, the rows and the time to the first
byte and to the last.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import cli, free_port, seeded_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD = "bench-export", "bench-export-password-142"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def period_with(url: str, rows: int) -> tuple[date, date, int]:
    """The latest days whose inbound calls add up to at least `rows`."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        days = await conn.fetch(
            "SELECT timezone('Asia/Baku', enqueued_at)::date AS d, count(*) AS n FROM calls "
            "WHERE direction = 'inbound' AND enqueued_at IS NOT NULL GROUP BY 1 ORDER BY 1 DESC")
    finally:
        await conn.close()
    total, first = 0, None
    for r in days:
        total += r["n"]
        first = r["d"]
        if total >= rows:
            break
    return first, days[0]["d"], total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-export"))
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    url, n_calls, seeded = seeded_database(Path(args.data_dir), 1, reseed=args.reseed)
    if seeded:
        print(seeded, flush=True)
    try:
        cli(url, "create-user", USER, "--role", "supervisor", "--full-name", "Bench", "--password", PASSWORD)
    except subprocess.CalledProcessError:
        pass  # made by an earlier run
    d_from, d_to, expected = asyncio.run(period_with(url, args.rows))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "CC142_PORT": str(port), "CC142_STATS_REFRESH_SECONDS": "0",
           "CC142_DATA_DIR": tempfile.mkdtemp(prefix="cc142-bench-export-")}
    log = open(Path(env["CC142_DATA_DIR"]) / "backend.log", "wb")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen([sys.executable, "-m", "contact_center", "serve"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/console/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        opener.open(base + "/console/login", urllib.parse.urlencode(
            {"username": USER, "password": PASSWORD, "csrf_token": token}).encode()).read()
        print(f"{n_calls:,} calls in the database; exporting {d_from} .. {d_to} ({expected:,} inbound calls)")
        for fmt in ("csv", "xlsx"):
            query = urllib.parse.urlencode({"from": d_from.isoformat(), "to": d_to.isoformat(), "format": fmt})
            opener.open(base + "/console/pbx-calls?" + urllib.parse.urlencode(
                {"from": d_to.isoformat(), "to": d_to.isoformat(), "format": fmt})).read()  # warm up
            before = rss_mb(proc.pid)
            peak = [before]
            done = threading.Event()

            def watch() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], rss_mb(proc.pid))
                    time.sleep(0.02)

            watcher = threading.Thread(target=watch)
            watcher.start()
            started = time.perf_counter()
            size, first_byte, lines = 0, None, 0
            with opener.open(base + "/console/pbx-calls?" + query) as resp:
                while chunk := resp.read(1 << 16):
                    first_byte = first_byte or time.perf_counter() - started
                    size += len(chunk)
                    lines += chunk.count(b"\n")
            took = time.perf_counter() - started
            done.set()
            watcher.join()
            rows = f"{lines - 1:,} rows" if fmt == "csv" else f"{expected:,} rows"
            print(f"{fmt:4s}: {rows}, {size / 2**20:.1f} MiB in {took:.1f} s (first byte after {first_byte:.2f} s); "
                  f"backend RSS {before:.0f} MB before, peak {peak[0]:.0f} MB, growth {peak[0] - before:.1f} MB "
                  f"(target < 50 MB)", flush=True)
    finally:
        proc.terminate()
        proc.wait(15)


if __name__ == "__main__":
    main()
