"""`cc142 audit [--since YYYY-MM-DD] [--until ...] [--actor NAME] [--action A] [--object-type T]
[--object-id ID] [--format json|jsonl|csv] [--json]`: the audit trail, oldest first, on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from contact_center.commands import engine_for
from contact_center.config import Settings

FORMATS = ("json", "jsonl", "csv")


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {raw!r}") from None


async def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.audit import ACTIONS
    from contact_center.audit.search import FIELDS, TrailFilters, entries
    from contact_center.db.engine import make_sessionmaker
    from contact_center.exports.csvfile import CsvStream

    if args.action and args.action not in ACTIONS:
        print(f"unknown action {args.action!r}; one of: {', '.join(sorted(ACTIONS))}", file=sys.stderr)
        return 2
    fmt = "json" if args.json else args.format
    filters = TrailFilters(args.since, args.until, args.actor, args.action, args.object_type, args.object_id)
    out = sys.stdout.buffer
    csv = CsvStream() if fmt == "csv" else None
    if csv is not None:
        out.write(csv.header(FIELDS))
    elif fmt == "json":
        out.write(b"[")
    engine = await engine_for(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            first = True
            async for entry in entries(session, settings.tz, filters):
                item = entry.as_dict()
                if csv is not None:
                    # details as JSON text; the CSV writer neutralises cells that would be formulas
                    out.write(csv.rows([[json.dumps(v, ensure_ascii=False) if k == "details" else v
                                         for k, v in item.items()]]))
                    continue
                line = json.dumps(item, ensure_ascii=False).encode()
                if fmt == "json":
                    out.write((b"\n" if first else b",\n") + line)
                else:
                    out.write(line + b"\n")
                first = False
    finally:
        await engine.dispose()
    if fmt == "json":
        out.write(b"\n]\n" if not first else b"]\n")
    out.flush()
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("audit", help="print the audit trail (oldest first) as JSON, JSON lines or CSV")
    p.add_argument("--since", type=_day, help="from this local date (YYYY-MM-DD), inclusive")
    p.add_argument("--until", type=_day, help="to this local date (YYYY-MM-DD), inclusive")
    p.add_argument("--actor", help="the username at the time, or system / api-token / anonymous")
    p.add_argument("--action", help="one action, e.g. sign_in_failed")
    p.add_argument("--object-type", help="e.g. user, conversation, registration, call")
    p.add_argument("--object-id")
    p.add_argument("--format", choices=FORMATS, default="jsonl", help="default: jsonl (one entry per line)")
    p.add_argument("--json", action="store_true", help="one JSON list (same as --format json)")
    p.set_defaults(func=cmd_audit)
