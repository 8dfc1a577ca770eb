"""PBX ingest benchmark: a real backend process driven from a second process on loopback.

The load comes from wrk (Debian package `wrk`; `make bench` installs it)
replaying pre-signed requests, each event unique, so the figures measure
the backend and not a Python client. Prints events/s and p50/p99 latency
for single-event requests and for batches of 500.

Targets (issue 2): single events >= 3,000/s with p99 <= 50 ms;
batches >= 30,000 events/s.

    .venv/bin/python bench/ingest.py [--seconds 10] [--connections 32] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import backend  # noqa: E402
from contact_center.web.signatures import sign_sha256  # noqa: E402

HERE = Path(__file__).resolve().parent
SECRET = "bench-secret"
TYPES = ("enqueued", "ringing", "answered", "completed")
BASE = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)


def make_event(n: int) -> dict[str, str]:
    call, step = divmod(n, 4)
    return {
        "event_id": f"b{n}", "call_id": f"call{call}", "type": TYPES[step],
        "at": (BASE + timedelta(seconds=call * 0.01 + step * 10)).isoformat(),
        "caller": f"+99450{call % 10_000_000:07d}", "queue": "142", "agent": f"{1000 + call % 40}",
    }


def write_requests(path: Path, bodies: list[object]) -> None:
    with path.open("w") as fh:
        for payload in bodies:
            body = json.dumps(payload, separators=(",", ":"))
            fh.write(f"{sign_sha256(SECRET, body.encode())}\t{body}\n")


def run_wrk(url: str, requests_file: Path, seconds: float, connections: int, threads: int = 2) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--latency",
         "-s", str(HERE / "wrk_replay.lua"), url, "--", str(requests_file), str(threads), "/api/v1/pbx/events"],
        capture_output=True, text=True, check=True,
    ).stdout

    def latency(label: str) -> float:
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            raise SystemExit(f"could not read {label} latency from wrk:\n{out}")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{non2xx.group(1)} requests failed:\n{out}")
    return {"rps": rps, "p50": latency("50%"), "p99": latency("99%")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="backend worker processes")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    tmp = Path(tempfile.mkdtemp(prefix="cc142-bench-req-"))
    singles, batches = tmp / "singles.txt", tmp / "batches.txt"
    # Enough unique events that none repeats within the run.
    n_single = int(args.seconds * 8000) + 20_000
    write_requests(singles, [make_event(n) for n in range(n_single)])
    first = 100_000_000
    write_requests(batches, [[make_event(n) for n in range(s, s + 500)]
                             for s in range(first, first + 500 * int(args.seconds * 200 + 200), 500)])
    env = {"PBX_WEBHOOK_SECRET": SECRET, "CC142_WORKERS": str(args.workers)}
    with backend(env) as url:
        warm = tmp / "warm.txt"
        write_requests(warm, [make_event(n) for n in range(50_000_000, 50_004_000)])
        run_wrk(url, warm, 2, args.connections)
        s = run_wrk(url, singles, args.seconds, args.connections)
        print(f"single events: {s['rps']:,.0f} events/s, p50 {s['p50']:.1f} ms, p99 {s['p99']:.1f} ms "
              f"({args.connections} connections, {args.workers} worker(s))")
        b = run_wrk(url, batches, args.seconds, 4)
        print(f"batches of 500: {b['rps'] * 500:,.0f} events/s ({b['rps']:,.0f} requests/s), "
              f"p50 {b['p50']:.1f} ms, p99 {b['p99']:.1f} ms (4 connections)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
