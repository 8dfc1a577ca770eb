"""Submission ids: a console form acts once, however often it is sent.

Every console page gives each of its POST forms an id (agent_console/static/
console.js, a hidden `idempotency_key`, renewed after each successful send);
the console's middleware (agent_console/idempotency.py) claims the id before
the view runs. The first request with an id acts; a repeat (a double click,
Ctrl+Enter pressed twice, a retried request) is answered like the first
(the same redirect, or `{"ok": true, "duplicate": true}`) without acting.
A claim is given back when the action failed, so a retry can act.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
KEEP = timedelta(days=1)
_VALID = re.compile(r"[A-Za-z0-9_-]{8,100}")

_CLAIM = text(
    "INSERT INTO idempotency_keys (key, user_id) VALUES (:key, :user) ON CONFLICT (key) DO NOTHING RETURNING key"
)


def valid_key(raw: object) -> str | None:
    return raw if isinstance(raw, str) and _VALID.fullmatch(raw) else None


async def claim(session: AsyncSession, key: str, user_id: int | None) -> bool:
    """True: this request is the first with `key` (commit before acting)."""
    return (await session.execute(_CLAIM, {"key": key, "user": user_id})).first() is not None


async def release(session: AsyncSession, key: str) -> None:
    await session.execute(text("DELETE FROM idempotency_keys WHERE key = :key"), {"key": key})


async def remember(session: AsyncSession, key: str, location: str) -> None:
    await session.execute(text("UPDATE idempotency_keys SET location = :loc WHERE key = :key"),
                          {"key": key, "loc": location})


async def location_of(session: AsyncSession, key: str) -> tuple[bool, str | None]:
    """(the key exists, where its first request went)."""
    row = (await session.execute(text("SELECT location FROM idempotency_keys WHERE key = :key"),
                                 {"key": key})).first()
    return (row is not None, row[0] if row else None)


async def prune(session: AsyncSession, *, older_than: timedelta = KEEP) -> int:
    result = await session.execute(text("DELETE FROM idempotency_keys WHERE created_at < :before"),
                                   {"before": datetime.now(UTC) - older_than})
    return int(getattr(result, "rowcount", 0) or 0)
