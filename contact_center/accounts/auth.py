"""Console sign-in: argon2 passwords, throttled so that nobody can lock a user out.

A successful sign-in opens a session (contact_center.accounts.sessions). The
throttling rules (per address, per name and address, the distributed lock) are
in `login_throttle`; this module decides one attempt.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.accounts import login_throttle
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
    user_id: int | None  # set when the sign-in succeeded
    # None | "invalid" (wrong password, unknown name, deactivated account: one answer)
    # | "throttled" | "locked" | "address_limit" (429: the password was not checked)
    error: str | None
    account_id: int | None = None  # the account the name belongs to, for the audit trail only
    name_key: str = ""  # keyed hash of the name as typed (login_throttle.name_key)
    retry_at: datetime | None = None  # when a refused client may try again


async def authenticate(
    session: AsyncSession, settings: Settings, username: str, password: str, address: str,
    *, now: datetime | None = None,
) -> LoginResult:
    """Decide one sign-in attempt from `address`; the caller commits (with the audit entry).

    Known and unknown names take the same path: the throttle rules first, then
    an argon2 verification (of a dummy hash for an unknown name), and a failure
    is counted the same way. A deactivated account answers like a wrong password.
    """
    now = now or datetime.now(UTC)
    typed = username.strip().lower()
    key = login_throttle.name_key(typed, settings.pseudonym_key)
    user = (
        await session.execute(select(User).where(User.username == typed).with_for_update())
    ).scalar_one_or_none()
    account_id = user.id if user else None
    refusal = await login_throttle.check(session, settings, key, address, now)
    if refusal is not None:
        return LoginResult(None, refusal.reason, account_id, key, refusal.until)
    ok = await verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and ok and user.active:
        await login_throttle.forget_pair(session, key, address)
        user.failed_logins = 0
        user.locked_until = None
        if _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return LoginResult(user.id, None, user.id, key)
    locked_until = await login_throttle.record_failure(session, settings, key, address, now)
    if user is not None:
        user.failed_logins += 1
        if locked_until is not None:
            user.locked_until = locked_until  # shown on the admin pages
    return LoginResult(None, "invalid", account_id, key)


async def unlock(session: AsyncSession, settings: Settings, user_id: int) -> str | None:
    """Lift an account's sign-in lock and forget its failures; returns the username
    (None when there is no such user)."""
    username = (
        await session.execute(
            update(User).where(User.id == user_id).values(failed_logins=0, locked_until=None)
            .returning(User.username)
        )
    ).scalar_one_or_none()
    if username is not None:
        await login_throttle.unlock_name(session, login_throttle.name_key(username, settings.pseudonym_key))
    return username
