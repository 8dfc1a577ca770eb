"""Meta channel operations: `cc142 meta-status`, `cc142 meta-retry`."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from contact_center.commands import engine_for
from contact_center.config import Settings

_COUNTS = text(
    """
SELECT (SELECT count(*) FROM meta_inbox WHERE processed_at IS NULL) AS inbox_waiting,
       (SELECT count(*) FROM meta_inbox WHERE result = 'failed') AS inbox_failed,
       (SELECT count(*) FROM outbox WHERE status = 'pending') AS outbox_pending,
       (SELECT count(*) FROM outbox WHERE status = 'failed') AS outbox_failed,
       (SELECT count(*) FROM outbox WHERE status = 'sent') AS outbox_sent
"""
)


async def cmd_meta_status(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.db.engine import make_sessionmaker
    from contact_center.social.outbox import failures

    engine = await engine_for(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            counts = dict((await session.execute(_COUNTS)).one()._mapping)
            failed = await failures(session, limit=args.limit)
    finally:
        await engine.dispose()
    if args.json:
        print(json.dumps({**counts, "failures": [
            {**f.__dict__, "created_at": f.created_at.isoformat()} for f in failed]}, ensure_ascii=False, indent=2))
        return 0
    print(
        f"webhook inbox: {counts['inbox_waiting']} waiting, {counts['inbox_failed']} set aside\n"
        f"outbox: {counts['outbox_pending']} pending, {counts['outbox_sent']} sent, {counts['outbox_failed']} failed"
    )
    for f in failed:
        print(f"  {f.created_at:%Y-%m-%d %H:%M} {f.channel} conversation {f.conversation_id} "
              f"message {f.message_id} ({f.attempts} tries): {f.error}")
    return 0


async def cmd_meta_retry(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.db.engine import make_sessionmaker
    from contact_center.social.outbox import requeue_failed

    engine = await engine_for(settings)
    try:
        async with make_sessionmaker(engine).begin() as session:
            count = await requeue_failed(session, since=datetime.now(UTC) - timedelta(hours=args.hours))
    finally:
        await engine.dispose()
    print(f"{count} failed message(s) queued again")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("meta-status", help="Facebook/Instagram: inbox backlog, outbox state, recent failures")
    p.add_argument("--limit", type=int, default=20, help="how many recent failures to list")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_meta_status)
    p = sub.add_parser("meta-retry", help="send again the Facebook/Instagram messages that failed recently")
    p.add_argument("--hours", type=int, default=24, help="failed within the last N hours (default 24)")
    p.set_defaults(func=cmd_meta_retry)
