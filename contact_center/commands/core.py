"""Core commands: serve, migrate, import-queue-log (seed-demo lives in commands/stats.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from contact_center.commands import engine_for
from contact_center.config import Settings


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.db.engine import make_sessionmaker
    from contact_center.db.migrate import current_revision, upgrade
    from contact_center.knowledge.entries import sync_shipped

    engine = await engine_for(settings)
    try:
        await upgrade(engine)
        # The knowledge base keys this release ships; supervisors' edits are kept.
        async with make_sessionmaker(engine).begin() as session:
            refreshed = await sync_shipped(session)
        print(f"database at revision {await current_revision(engine)}; "
              f"knowledge base: {refreshed} entries added or refreshed")
    finally:
        await engine.dispose()
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    if workers > 1:
        return _serve_workers(settings, host, port, workers)
    return _serve_one(settings, host, port, reuse_port=args.reuse_port)


def _announce(settings: Settings, line: str) -> None:
    """For the terminal; in JSON log mode a log line like every other (a collector reads them all)."""
    if settings.log_format == "json":
        logging.getLogger("contact_center.serve").info(line)
    else:
        print(line, flush=True)


def _serve_one(settings: Settings, host: str, port: int, *, reuse_port: bool) -> int:
    from aiohttp import web

    from contact_center.app import create_app

    app = create_app(settings)

    async def announce(_app: web.Application) -> None:
        if not reuse_port:
            base = f"http://{host}:{port}"
            _announce(settings, f"142 backend ready: {base}  (health {base}/readyz)")

    app.on_startup.append(announce)
    # uvloop: the socket work (most of a small request's cost here) runs in C.
    import uvloop

    web.run_app(app, host=host, port=port, print=None, access_log=None, reuse_port=reuse_port,
                loop=uvloop.new_event_loop())
    return 0


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """N processes on one port (SO_REUSEPORT); the kernel spreads connections.

    The parent starts the embedded PostgreSQL (when DATABASE_URL is unset) and
    hands its URL to the workers, so they all share one server.
    """
    import signal
    import subprocess

    from contact_center.db.embedded import resolve_database_url
    from contact_center.monitoring.metrics import prepare_multiprocess_dir, process_gone

    url = asyncio.run(resolve_database_url(settings.database_url, settings.data_dir))
    # prometheus-client's multiprocess mode: each process writes its metrics to
    # files here and a scrape of any of them adds up the whole group.
    metrics_dir = (settings.metrics_dir or settings.data_dir / "metrics").resolve()
    prepare_multiprocess_dir(metrics_dir)
    env = {**os.environ, "DATABASE_URL": url, "CC142_HOST": host, "CC142_PORT": str(port),
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    procs = [subprocess.Popen([sys.executable, "-m", "contact_center", "serve", "--workers", "1", "--reuse-port"],
                              env=env)
             for _ in range(workers)]
    base = f"http://{host}:{port}"
    _announce(settings, f"142 backend ready: {base}  ({workers} workers; health {base}/readyz)")

    def stop(signum: int, _frame: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    codes = []
    for p in procs:
        codes.append(p.wait())
        process_gone(metrics_dir, p.pid)
    return max(codes)


async def cmd_import_queue_log(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from contact_center.db.driver import driver_transaction
    from contact_center.calls.pbx_record import record
    from contact_center.calls.queue_log import parse_lines, summarise

    path = Path(args.path)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    with path.open(encoding="utf-8", errors="replace") as fh:
        report = parse_lines(fh)
    engine = await engine_for(settings)
    try:
        with tqdm(total=len(report.events), unit="ev", desc="importing", file=sys.stderr) as bar:
            async with driver_transaction(engine) as conn:
                result = await record(conn, settings, report.events, source="queue_log", progress=bar.update,
                                      agent_events=report.agent_events)
    finally:
        await engine.dispose()
    summary = summarise(report, result)
    data = summary.as_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(
            f"lines {summary.lines}, call events {summary.events} "
            f"(new {summary.accepted}, duplicates {summary.duplicates}), calls {summary.calls}, "
            f"agent/system events {summary.non_call_events}"
        )
        for item in summary.malformed:
            print(f"  malformed line {item['line']}: {item['error']}")
        for name, count in summary.unknown_events.items():
            print(f"  unknown event {name}: {count}")
        if summary.unknown_lines:
            print(f"  unknown event lines: {', '.join(map(str, summary.unknown_lines[:50]))}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the backend")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, help="worker processes (default CC142_WORKERS or 1)")
    # One of `--workers N`'s processes: the port is shared, the parent announces it.
    p.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("import-queue-log", help="import an Asterisk queue_log file")
    p.add_argument("path")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_import_queue_log)
