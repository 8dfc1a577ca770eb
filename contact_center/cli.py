"""`cc142` (also `python -m contact_center`). Commands live in contact_center/commands/."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import pkgutil
import sys

from contact_center import commands
from contact_center.config import Settings
from contact_center.monitoring import logs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cc142", description="142 contact platform")
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logs.configure("text")  # until the settings are read (a bad one is reported in text)
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    logs.configure(settings.log_format)
    result = args.func(args, settings)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
