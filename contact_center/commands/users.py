"""`cc142 create-user USERNAME --role agent|supervisor|admin [--extension EXT] [--password P]`."""

from __future__ import annotations

import argparse
import getpass
import sys

from contact_center.commands import engine_for
from contact_center.config import Settings
from contact_center.db.models.users import ROLES


def _ask_password() -> str | None:
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password (again): ")
    if first != second:
        print("the passwords differ", file=sys.stderr)
        return None
    return first


async def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.db.engine import make_sessionmaker
    from contact_center.accounts.users import UserInputError, create_user

    password = args.password if args.password is not None else _ask_password()
    if password is None:
        return 2
    engine = await engine_for(settings)
    try:
        async with make_sessionmaker(engine).begin() as session:
            user = await create_user(
                session, username=args.username, password=password, role=args.role,
                extension=args.extension, full_name=args.full_name or "",
            )
    except UserInputError as exc:
        for field, message in exc.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    ext = f", extension {user.extension}" if user.extension else ""
    print(f"created {user.role} {user.username!r} (id {user.id}{ext})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("create-user", help="create a console account (prompts for the password)")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--extension", help="the agent's PBX extension (screen pops go there)")
    p.add_argument("--full-name", help="shown in the console")
    p.add_argument("--password", help="omit to be prompted (keeps it out of the shell history)")
    p.set_defaults(func=cmd_create_user)
