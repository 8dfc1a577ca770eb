"""Console sign-in: argon2 passwords, lock-out after repeated failures.

A successful sign-in opens a session (contact_center.accounts.sessions).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import User

_HASHER = PasswordHasher()
# Verified when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _HASHER.hash("cc142-not-a-password")

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str, password: str) -> bool:
    # argon2 is deliberately slow (tens of ms): keep it off the event loop.
    return await asyncio.to_thread(_verify, password_hash, password)


@dataclass(frozen=True, slots=True)
class LoginResult:
    user_id: int | None  # set when the password was right
    error: str | None  # "invalid" | "locked" | "inactive"
    failures: int = 0  # consecutive failures so far (to slow the next answer)
    locked_until: datetime | None = None


async def authenticate(
    session: AsyncSession, settings: Settings, username: str, password: str, *, now: datetime | None = None
) -> LoginResult:
    """Check a username and password, counting failures and locking the account.

    After `login_max_failures` consecutive failures the account is locked for
    `login_lock_minutes`; while locked even the right password is refused.
    """
    now = now or datetime.now(UTC)
    user = (
        await session.execute(select(User).where(User.username == username.strip()).with_for_update())
    ).scalar_one_or_none()
    if user is None:
        await verify_password(_DUMMY_HASH, password)
        return LoginResult(None, "invalid", 1)
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, "locked", user.failed_logins, user.locked_until)
    ok = await verify_password(user.password_hash, password)
    if ok and user.active:
        user.failed_logins = 0
        user.locked_until = None
        if _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return LoginResult(user.id, None)
    if ok:  # right password, deactivated account: not a failure to count
        return LoginResult(None, "inactive")
    user.failed_logins += 1
    if user.failed_logins >= settings.login_max_failures:
        user.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
        user.failed_logins = 0
        return LoginResult(None, "locked", settings.login_max_failures, user.locked_until)
    return LoginResult(None, "invalid", user.failed_logins)


async def unlock(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(User).where(User.id == user_id).values(failed_logins=0, locked_until=None)
    )
