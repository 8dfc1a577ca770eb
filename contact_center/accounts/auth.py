"""Console sign-in: argon2 passwords, lock-out after repeated failures, sessions.

The session cookie holds a random token; the database keeps only its
sha256, so a leaked table does not leak live sessions.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import User, UserSession
from contact_center.events import publish, session_closed

_HASHER = PasswordHasher()
# Verified when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _HASHER.hash("cc142-not-a-password")

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The signed-in user as views and templates see it (never an ORM object)."""

    id: int
    username: str
    full_name: str
    role: str
    extension: str | None
    status: str
    csrf_token: str
    session_id: int

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # goes into the cookie, never stored
    csrf_token: str
    expires_at: datetime


async def open_session(
    session: AsyncSession, settings: Settings, user_id: int, *, now: datetime | None = None
) -> NewSession:
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.session_hours)
    session.add(UserSession(token_hash=token_hash(token), user_id=user_id, csrf_token=csrf, expires_at=expires))
    # Old sessions of anyone are pruned now and then, here, where it costs nothing extra.
    await session.execute(delete(UserSession).where(UserSession.expires_at < now))
    await session.flush()
    return NewSession(token, csrf, expires)


_USER_FIELDS = (
    User.id, User.username, User.full_name, User.role, User.extension, User.status,
    UserSession.csrf_token, UserSession.id,
)


async def session_user(
    session: AsyncSession, token: str | None, *, now: datetime | None = None
) -> CurrentUser | None:
    """The active user of a live session token, in one query."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now(UTC)
    row = (
        await session.execute(
            select(*_USER_FIELDS)
            .join(User, User.id == UserSession.user_id)
            .where(
                UserSession.token_hash == token_hash(token),
                UserSession.expires_at > now,
                User.active.is_(True),
            )
        )
    ).one_or_none()
    return CurrentUser(*row) if row else None


async def close_session(session: AsyncSession, session_id: int, user_id: int) -> None:
    await session.execute(delete(UserSession).where(UserSession.id == session_id))
    # Live connections opened with this session close too (every process hears it).
    await publish(session, session_closed(session_id, user_id))


async def close_user_sessions(session: AsyncSession, user_id: int) -> None:
    """Sign a user out everywhere (deactivation, password reset)."""
    await session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    await publish(session, session_closed(None, user_id))


async def unlock(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(User).where(User.id == user_id).values(failed_logins=0, locked_until=None)
    )
