"""`cc142 kb export-examples [--root DIR]`: the example questions supervisors added
on "Bilik bazası", written where training reads them (then `make train`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from contact_center.commands import engine_for
from contact_center.config import Settings

REPOSITORY = Path(__file__).resolve().parents[2]


async def cmd_export_examples(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.db.engine import make_sessionmaker
    from contact_center.knowledge.examples import export_examples

    engine = await engine_for(settings)
    try:
        async with make_sessionmaker(engine).begin() as session:
            total, fresh, path = await export_examples(session, args.root)
    finally:
        await engine.dispose()
    if not total:
        print("no example questions in the knowledge base: nothing written")
        return 0
    print(f"wrote {total} example question(s), {fresh} new, to {path}")
    if fresh:
        print("the bot learns them at the next training: make train (make run trains when needed)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("kb", help="the bot's knowledge base")
    kb = p.add_subparsers(dest="kb_command", required=True)
    e = kb.add_parser("export-examples", help="write the supervisors' example questions for the next training")
    e.add_argument("--root", type=Path, default=REPOSITORY, help="the repository (default: this checkout)")
    e.set_defaults(func=cmd_export_examples)
