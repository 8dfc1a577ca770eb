"""`cc142 create-user USERNAME --role agent|supervisor|admin --full-name NAME [--extension EXT] [--password P]`,
`cc142 unlock-user USERNAME` (audited as account_unlocked)."""

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
                extension=args.extension, full_name=args.full_name,
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


async def cmd_unlock_user(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from contact_center.accounts.auth import unlock
    from contact_center.audit import SYSTEM, record
    from contact_center.db.engine import make_sessionmaker
    from contact_center.db.models import User

    engine = await engine_for(settings)
    try:
        async with make_sessionmaker(engine).begin() as session:
            user_id = (
                await session.execute(select(User.id).where(User.username == args.username.strip().lower()))
            ).scalar_one_or_none()
            if user_id is None:
                print(f"no user {args.username!r}", file=sys.stderr)
                return 1
            await unlock(session, settings, user_id)
            await record(session, SYSTEM, "account_unlocked", object_type="user", object_id=user_id,
                         details={"via": "cli"})
    finally:
        await engine.dispose()
    print(f"unlocked {args.username!r}: it can sign in again from every address")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("create-user", help="create a console account (prompts for the password)")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--extension", help="the agent's PBX extension (screen pops go there)")
    p.add_argument("--full-name", required=True, help="the person's name: the console and citizens (chat) see it")
    p.add_argument("--password", help="omit to be prompted (keeps it out of the shell history)")
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("unlock-user", help="lift a console account's sign-in lock and forget its failures")
    p.add_argument("username")
    p.set_defaults(func=cmd_unlock_user)
