"""Console sessions, the service side: open one at sign-in, find the user of a
session token, close one or all of a user's.

The session cookie holds a random token; the database keeps only its
sha256, so a leaked table does not leak live sessions. The request side (the
cookie, CSRF, the permission middleware) is contact_center.web.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import User, UserSession
from contact_center.events import publish, session_closed


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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


async def live_session(
    session: AsyncSession, session_id: int, *, now: datetime | None = None
) -> tuple[CurrentUser, datetime] | None:
    """The active user of a live session (by id) and when it expires: long-lived
    connections re-check with it (role or extension changed, expiry)."""
    now = now or datetime.now(UTC)
    row = (
        await session.execute(
            select(*_USER_FIELDS, UserSession.expires_at)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.id == session_id, UserSession.expires_at > now, User.active.is_(True))
        )
    ).one_or_none()
    return (CurrentUser(*row[:-1]), row[-1]) if row else None


async def close_session(session: AsyncSession, session_id: int, user_id: int) -> None:
    await session.execute(delete(UserSession).where(UserSession.id == session_id))
    # Live connections opened with this session close too (every process hears it).
    await publish(session, session_closed(session_id, user_id))


async def close_user_sessions(session: AsyncSession, user_id: int) -> None:
    """Sign a user out everywhere (deactivation, password reset)."""
    await session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    await publish(session, session_closed(None, user_id))
