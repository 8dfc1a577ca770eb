"""Statistics benchmark: five years of traffic, a real backend process, and
every summary, dashboard and report query measured from this second process
on loopback. Target (issue 6): <= 50 ms server time at p95.

    .venv/bin/python bench/stats.py [--data-dir var/bench-stats] [--years 5] [--repeat 30] [--reseed]
                                    [--write-docs]

The data lives in an embedded PostgreSQL under --data-dir. A directory that
already holds the seeded years is reused (seeding 5 years takes a few
minutes); --reseed wipes it first. Server time is the backend's
`Server-Timing: app;dur=` header; round trip is measured here. With
--write-docs the table replaces the block between the bench markers in
docs/stats.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import backend, percentile, seeded_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
TZ = ZoneInfo("Asia/Baku")
MARK_START, MARK_END = "<!-- bench:stats:start -->", "<!-- bench:stats:end -->"


class Client:
    def __init__(self, base: str):
        u = urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)

    def get(self, path: str, params: dict[str, str]) -> tuple[float, float, int, int]:
        """(round trip ms, server ms, status, bytes)."""
        started = time.perf_counter()
        self.conn.request("GET", f"{path}?{urlencode(params)}", headers={"Authorization": f"Bearer {TOKEN}"})
        resp = self.conn.getresponse()
        body = resp.read()
        rtt = (time.perf_counter() - started) * 1000
        m = re.search(r"dur=([\d.]+)", resp.getheader("Server-Timing") or "")
        if resp.status != 200:
            raise SystemExit(f"{path} {params}: {resp.status} {body[:300]!r}")
        return rtt, float(m.group(1)) if m else float("nan"), resp.status, len(body)


def month_start(d: date) -> date:
    return d.replace(day=1)


def queries(first: date, today: date) -> list[tuple[str, str, dict[str, str]]]:
    yesterday = today - timedelta(days=1)
    last_month_end = month_start(today) - timedelta(days=1)
    last_month = month_start(last_month_end)
    last_year = today.year - 1
    week = today - timedelta(days=today.weekday())
    m = {"from": last_month.isoformat(), "to": last_month_end.isoformat()}
    y = {"from": f"{last_year}-01-01", "to": f"{last_year}-12-31"}
    c = {"from": first.isoformat(), "to": yesterday.isoformat()}
    s = "/api/v1/stats/summary"
    return [
        ("today (dashboard)", s, {"from": today.isoformat(), "to": today.isoformat()}),
        ("this week (dashboard)", s, {"from": week.isoformat(), "to": today.isoformat()}),
        ("this month to date", s, {"from": month_start(today).isoformat(), "to": today.isoformat()}),
        ("last month", s, m),
        ("last month, district", s, {**m, "district": "baku_xetai"}),
        ("last month, direction", s, {**m, "direction": "employment"}),
        ("last month, agent", s, {**m, "agent": "1007"}),
        ("last month, queue", s, {**m, "queue": "142"}),
        ("last month, channel facebook", s, {**m, "channel": "facebook"}),
        ("custom 45 days", s, {"from": (yesterday - timedelta(days=44)).isoformat(), "to": yesterday.isoformat()}),
        ("last year", s, y),
        ("last year, district", s, {**y, "district": "gence"}),
        ("last year, direction", s, {**y, "direction": "social_protection"}),
        ("year to date", s, {"from": f"{today.year}-01-01", "to": today.isoformat()}),
        ("cumulative", s, c),
        ("cumulative, district", s, {**c, "district": "sumqayit"}),
        ("report (monthly overview JSON)", "/api/v1/stats/report", {"month": last_month.strftime("%Y-%m")}),
        ("last month, queue + district (records)", s, {**m, "queue": "142", "district": "baku_xetai"}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-stats"))
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    lines: list[str] = []
    started = time.perf_counter()
    url, n_calls, seeded = seeded_database(data_dir, args.years, reseed=args.reseed)
    if seeded is not None:
        print(seeded)
        lines.append(f"Seed: `cc142 seed-demo --years {args.years}`: {seeded} "
                     f"(with the rollup build: {time.perf_counter() - started:.0f} s in all).")
    else:
        lines.append(f"Reused the seeded database in {data_dir} ({n_calls:,} calls).")
    today = datetime.now(TZ).date()
    first = date(today.year - args.years, today.month, 1)
    rows = []
    with backend({"DATABASE_URL": url, "CC142_API_TOKEN": TOKEN}) as base:
        client = Client(base)
        for name, path, params in queries(first, today):
            _, cold, _, _ = client.get(path, params)  # the first time in this process: nothing cached
            for _ in range(2):
                client.get(path, params)
            rtts, servers = [], []
            size = 0
            for _ in range(args.repeat):
                rtt, server, _, size = client.get(path, params)
                rtts.append(rtt)
                servers.append(server)
            rows.append((name, percentile(servers, 50), percentile(servers, 95), percentile(rtts, 95), size, cold))
            print(f"{name:42s} server p50 {rows[-1][1]:6.1f} ms  p95 {rows[-1][2]:6.1f} ms  "
                  f"round trip p95 {rows[-1][3]:6.1f} ms  first {cold:6.1f} ms  ({size / 1024:.0f} KiB)", flush=True)
        month = (month_start(today) - timedelta(days=1)).strftime("%Y-%m")
        files = []
        for kind in ("pdf", "xlsx", "csv"):
            rtt, server, _, size = client.get("/api/v1/stats/report", {"month": month, "format": kind})
            files.append((kind, server, size))
            print(f"report {month} as {kind:4s}: {server / 1000:6.2f} s server ({size / 1024 / 1024:.1f} MiB)", flush=True)
    table = ["| Query | server p50 | server p95 | round trip p95 | first request | response |",
             "| --- | --- | --- | --- | --- | --- |"]
    table += [f"| {n} | {a:.1f} ms | {b:.1f} ms | {c:.1f} ms | {f:.1f} ms | {s / 1024:.0f} KiB |"
              for n, a, b, c, s, f in rows]
    worst = max(r[2] for r in rows[:-1])
    load = os.getloadavg()[0]
    lines += ["", f"{n_calls:,} calls; {args.repeat} requests per query after 3 warm-ups, one client on loopback, "
              f"2-core machine shared with other work (load average {load:.1f} at the end). Each summary includes its "
              "year-earlier comparison. \"first request\" is the query's first run in the backend process, before "
              "merged week/month/year rows are cached.", "",
              *table, "",
              f"Worst p95 over the rollup-served queries: {worst:.1f} ms (target 50 ms). The last line combines two "
              "filters, which no rollup row carries, so it is computed from the records.", "",
              "Report files (per-record sheets included): "
              + ", ".join(f"{k} {s / 1000:.1f} s ({b / 1024 / 1024:.1f} MiB)" for k, s, b in files) + "."]
    text = "\n".join(lines)
    print("\n" + text)
    if args.write_docs:
        doc = ROOT / "docs" / "stats.md"
        body = doc.read_text()
        a, b = body.index(MARK_START) + len(MARK_START), body.index(MARK_END)
        doc.write_text(body[:a] + "\n" + text + "\n" + body[b:])
        print(f"written to {doc}")


if __name__ == "__main__":
    main()
