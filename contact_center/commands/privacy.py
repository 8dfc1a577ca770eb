"""Personal data commands: `cc142 retention`, `cc142 citizen export|erase` (docs/privacy.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from contact_center.commands import engine_for
from contact_center.config import Settings


async def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from contact_center.db.engine import make_sessionmaker
    from contact_center.privacy.pseudonym import PseudonymKeyMissing
    from contact_center.privacy.retention import Cutoffs, apply, plan

    engine = await engine_for(settings)
    try:
        sessionmaker = make_sessionmaker(engine)
        cutoffs = Cutoffs.of(settings)
        async with sessionmaker() as session:
            todo = await plan(session, cutoffs)
        print(f"numbers and names before {cutoffs.phone:%Y-%m-%d} (RETENTION_PHONE_DAYS={settings.retention_phone_days}), "
              f"texts before {cutoffs.chat:%Y-%m-%d} (RETENTION_CHAT_DAYS={settings.retention_chat_days}):")
        for name, n in todo.items():
            print(f"  {n:>10,}  {name}")
        if not args.apply:
            print(f"{sum(todo.values()):,} rows would change (dry run: nothing written; --apply to do it)")
            return 0
        bar = tqdm(total=sum(todo.values()), unit="rows", file=sys.stderr, disable=None)
        try:
            result = await apply(sessionmaker, settings, size=args.batch,
                                 progress=lambda name, n: (bar.set_description(name.split(":")[0]), bar.update(n)))
        except PseudonymKeyMissing as exc:
            print(f"retention: {exc}", file=sys.stderr)
            return 2
        finally:
            bar.close()
        print(f"{result.total:,} rows anonymised; {result.audit_purged:,} audit entries older than "
              f"{settings.retention_audit_days} days removed")
        return 0
    finally:
        await engine.dispose()


async def cmd_citizen(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.audit import SYSTEM, Actor, record
    from contact_center.db.engine import make_sessionmaker
    from contact_center.exports.citizen_pdf import render_citizen_pdf
    from contact_center.privacy.citizen import CitizenError, collect, erase
    from contact_center.privacy.pseudonym import pseudonym

    if not settings.pseudonym_key:
        print("set CC142_PSEUDONYM_KEY: the request is audited with the number's keyed hash", file=sys.stderr)
        return 2
    actor = Actor("system", f"cli:{args.operator}"[:64]) if args.operator else SYSTEM
    engine = await engine_for(settings)
    try:
        sessionmaker = make_sessionmaker(engine)
        try:
            if args.action == "export":
                async with sessionmaker.begin() as session:
                    data = await collect(session, args.phone, settings.pseudonym_key)
                    await record(session, actor, "citizen_export", object_type="citizen",
                                 details={"phone": pseudonym(data["phone"], settings.pseudonym_key),
                                          "format": args.format, "via": "cli"})
                out = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
                if args.format == "pdf" or (args.out or "").lower().endswith(".pdf"):
                    out = render_citizen_pdf(data, settings.font_dir)
                if args.out:
                    Path(args.out).write_bytes(out)
                    print(args.out)
                else:
                    sys.stdout.buffer.write(out)
                return 0
            reason = " ".join((args.reason or "").split())
            if len(reason) < 10:
                print("--reason: say why (at least 10 characters); it goes to the audit trail", file=sys.stderr)
                return 2
            async with sessionmaker.begin() as session:
                done = await erase(session, args.phone, settings.pseudonym_key)
                await record(session, actor, "citizen_erase", object_type="citizen", details={
                    "phone": done.pseudonym, "reason": reason, "counts": done.counts,
                    "conversations": done.conversation_ids, "via": "cli"})
        except CitizenError as exc:
            print(f"--phone: {exc}", file=sys.stderr)
            return 2
        changed = ", ".join(f"{k} {v}" for k, v in done.counts.items() if v)
        print(f"anonymised: {changed}" if changed else "nothing was held about this number")
        return 0
    finally:
        await engine.dispose()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("retention", help="anonymise what is past its retention period (docs/privacy.md)")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="print per table what would change")
    mode.add_argument("--apply", action="store_true", help="do it, in batches (resumable), audited")
    p.add_argument("--batch", type=int, default=5000, help="rows per transaction (default 5000)")
    p.set_defaults(func=cmd_retention)
    c = sub.add_parser("citizen", help="a citizen's request: export or erase what is held about a number")
    c.add_argument("action", choices=("export", "erase"))
    c.add_argument("--phone", required=True, help="the citizen's number (+994..., 0XX...)")
    c.add_argument("--out", help="export: write to this file (default: standard output)")
    c.add_argument("--format", choices=("json", "pdf"), default="json", help="export: json (default) or pdf (also when --out ends in .pdf)")
    c.add_argument("--reason", help="erase: why (the request's reference), for the audit trail")
    c.add_argument("--operator", help="who runs it (goes to the audit trail)")
    c.set_defaults(func=cmd_citizen)
