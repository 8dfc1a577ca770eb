"""`cc142 ami-check`: can 142 reach the exchange's Manager Interface with these settings?"""

from __future__ import annotations

import argparse
import json
import sys

from contact_center.config import Settings


async def cmd_ami_check(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.calls.ami.check import check
    from contact_center.calls.ami.connector import AmiConfig
    from contact_center.calls.ami.protocol import AmiAuthError, AmiError

    if not settings.ami_host:
        print("ami-check: AMI_HOST is not set", file=sys.stderr)
        return 2
    config = AmiConfig.from_settings(settings, connect_timeout=args.timeout, action_timeout=args.timeout)
    try:
        report = await check(config)
    except AmiAuthError as exc:
        print(f"ami-check: {exc}", file=sys.stderr)
        return 3
    except AmiError as exc:
        print(f"ami-check: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"connected to {report.banner} at {report.peer} as {settings.ami_username}")
    if not report.queues:
        print("no queues (is app_queue loaded, and are queues defined in queues.conf?)")
    for q in report.queues:
        note = "" if q.in_filter else "  (not in AMI_QUEUES: ignored)"
        print(f"queue {q.name}: {len(q.members)} member(s), {q.waiting} waiting, strategy {q.strategy or '?'}{note}")
        for m in q.members:
            state = f"paused ({m.reason})" if m.paused and m.reason else "paused" if m.paused else "not paused"
            device = f", device {m.device_state}" if m.device_state else ""
            print(f"  {m.extension or '?':<8} {m.interface:<28} {m.name:<24} {state}{device}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ami-check", help="log in to the Asterisk Manager Interface and list queues and members")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer (default 10)")
    p.add_argument("--json", action="store_true", help="print the queues and members as JSON")
    p.set_defaults(func=cmd_ami_check)
