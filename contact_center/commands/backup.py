"""`cc142 backup [--out PATH]` and `cc142 restore PATH [--yes]` (contact_center/db/backup.py)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from contact_center.config import Settings


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.db.backup import BackupError, connection, dump, human_size, tool_version
    from contact_center.db.embedded import resolve_database_url

    url = await resolve_database_url(settings.database_url, settings.data_dir)
    target = connection(url)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else settings.data_dir / "backups" / f"cc142-{stamp}.dump"
    if out.is_dir():
        out = out / f"cc142-{stamp}.dump"
    print(f"backing up database {target.database} ({target.where}) with {tool_version('pg_dump')} "
          f"to {out} (custom format)", flush=True)
    started = time.monotonic()
    try:
        size = dump(target, out, on_line=_progress)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {out}, {human_size(size)} in {time.monotonic() - started:.1f} s")
    return 0


async def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.db.backup import BackupError, connection, human_size, restore, user_tables
    from contact_center.db.embedded import resolve_database_url

    path = Path(args.path)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    url = await resolve_database_url(settings.database_url, settings.data_dir)
    target = connection(url)
    tables = await user_tables(url)
    if tables:
        print(f"database {target.database} ({target.where}) is not empty ({len(tables)} tables, e.g. "
              f"{', '.join(tables[:3])}): restore into an empty database (create one, point DATABASE_URL "
              "or CC142_DATA_DIR at it)", file=sys.stderr)
        return 2
    print(f"restoring {path} ({human_size(path.stat().st_size)}) into database {target.database} ({target.where})")
    if not args.yes and not _confirmed():
        print("not restored", file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        restore(target, path, on_line=_progress)
    except BackupError as exc:
        print(f"restore failed, nothing was written: {exc}", file=sys.stderr)
        return 1
    print(f"restored {path} into {target.database} in {time.monotonic() - started:.1f} s")
    return 0


def _confirmed() -> bool:
    try:
        answer = input("type 'yes' to restore: ")
    except EOFError:
        return False
    return answer.strip().lower() == "yes"


def _progress(line: str) -> None:
    print(f"  {line}", flush=True)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backup", help="dump the database (pg_dump, custom format)")
    p.add_argument("--out", help="file (or folder) to write; default $CC142_DATA_DIR/backups/cc142-<UTC time>.dump")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a `cc142 backup` dump into an empty database")
    p.add_argument("path")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_restore)
