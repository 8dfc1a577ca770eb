"""Supervisors' pages benchmark: years of demo traffic, a real backend process,
and the dashboard, drill-down lists, wallboard and monthly overview pages
measured from this second process on loopback, signed in as a supervisor.

    .venv/bin/python bench/dashboard.py [--data-dir var/bench-dash] [--years 2] [--repeat 20] [--reseed]

Server time is the page's `Server-Timing: app;dur=` header (the whole handler:
the statistics query, the tiles and SVG charts, the template); round trip is
measured here. The data lives in an embedded PostgreSQL under --data-dir and
is reused when it already holds the seeded years.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import backend, cli, percentile, seeded_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Baku")
USER, PASSWORD = "bench-boss", "bench-supervisor-142"


class Browser:
    """One keep-alive connection with the session cookie, like a supervisor's tab."""

    def __init__(self, base: str):
        u = urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers={"Cookie": cookie, **(headers or {})})
        resp = self.conn.getresponse()
        data = resp.read()
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return resp, data

    def sign_in(self) -> None:
        _, page = self.request("GET", "/console/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        resp, _ = self.request("POST", "/console/login",
                               urlencode({"username": USER, "password": PASSWORD, "csrf_token": token}),
                               {"Content-Type": "application/x-www-form-urlencoded"})
        if resp.status != 303:
            raise SystemExit(f"sign-in failed: {resp.status}")

    def get(self, path: str) -> tuple[float, float, int]:
        """(round trip ms, server ms, bytes)."""
        started = time.perf_counter()
        resp, body = self.request("GET", path, headers={"Accept": "text/html"})
        rtt = (time.perf_counter() - started) * 1000
        if resp.status != 200:
            raise SystemExit(f"{path}: {resp.status} {body[:300]!r}")
        m = re.search(r"dur=([\d.]+)", resp.getheader("Server-Timing") or "")
        return rtt, float(m.group(1)) if m else float("nan"), len(body)


def pages(today: date) -> list[tuple[str, str]]:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    lm = {"from": last_month_end.replace(day=1).isoformat(), "to": last_month_end.isoformat()}
    ly = {"from": f"{today.year - 1}-01-01", "to": f"{today.year - 1}-12-31"}
    d = "/console/stats?"
    return [
        ("dashboard: today", d + "period=today"),
        ("dashboard: this week", d + "period=week"),
        ("dashboard: this month", d + "period=month"),
        ("dashboard: last month", d + urlencode({"period": "custom", **lm})),
        ("dashboard: last month, district", d + urlencode({"period": "custom", **lm, "district": "baku_xetai"})),
        ("dashboard: last year (weekly bars)", d + urlencode({"period": "custom", **ly})),
        ("dashboard: cumulative (monthly bars)", d + "period=cumulative"),
        ("calls list: last month, unanswered", "/console/pbx-calls?" + urlencode({**lm, "status": "unanswered"})),
        ("calls list: last month, wait > 20 s, page 40",
         "/console/pbx-calls?" + urlencode({**lm, "wait_from": 21, "page": 40})),
        ("registrations (stats): last month, Bakı", "/console/calls?" + urlencode({**lm, "stats": 1, "area": "baku"})),
        ("conversations: last month, handed off", "/console/conversations?" + urlencode({**lm, "handoff": "yes"})),
        ("callbacks: last month, first attempt in time",
         "/console/callback-requests?" + urlencode({**lm, "sla": "within"})),
        ("wallboard (whole page)", "/console/wallboard"),
        ("wallboard: calls card (every 2 s)", "/console/wallboard/calls"),
        ("wallboard: today card (every 5 s)", "/console/wallboard/today"),
        ("monthly overview page", "/console/reports/monthly?month=" + last_month_end.strftime("%Y-%m")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-dash"))
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    url, n_calls, seeded = seeded_database(Path(args.data_dir), args.years, reseed=args.reseed)
    if seeded is not None:
        print(seeded, flush=True)
    try:
        cli(url, "create-user", USER, "--role", "supervisor", "--full-name", "Bench", "--password", PASSWORD)
    except subprocess.CalledProcessError:
        pass  # made by an earlier run
    rows = []
    with backend({"DATABASE_URL": url}) as base:
        tab = Browser(base)
        tab.sign_in()
        for name, path in pages(datetime.now(TZ).date()):
            _, cold, _ = tab.get(path)
            tab.get(path)
            rtts, servers, size = [], [], 0
            for _ in range(args.repeat):
                rtt, server, size = tab.get(path)
                rtts.append(rtt)
                servers.append(server)
            rows.append((name, percentile(servers, 50), percentile(servers, 95), percentile(rtts, 95), cold, size))
            print(f"{name:46s} server p50 {rows[-1][1]:6.1f} ms  p95 {rows[-1][2]:6.1f} ms  "
                  f"round trip p95 {rows[-1][3]:6.1f} ms  first {cold:6.1f} ms  ({size / 1024:.0f} KiB)", flush=True)
    print(f"\n{n_calls:,} calls; {args.repeat} requests per page after 2 warm-ups, one signed-in client on loopback "
          f"(load average {os.getloadavg()[0]:.1f} at the end).\n")
    print("| Page | server p50 | server p95 | round trip p95 | first request | HTML |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, a, b, c, f, s in rows:
        print(f"| {name} | {a:.1f} ms | {b:.1f} ms | {c:.1f} ms | {f:.1f} ms | {s / 1024:.0f} KiB |")


if __name__ == "__main__":
    main()
