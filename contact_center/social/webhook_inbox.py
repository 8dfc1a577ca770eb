"""Meta webhook items: stored at receipt, processed right after by a worker.

Why a durable inbox rather than processing inside the webhook request: a
message goes through the bot (Rasa, up to `rasa_timeout_seconds` per item)
and a POST can carry many items, while Meta wants a 200 within seconds and
redelivers otherwise. So the webhook only INSERTs the items (one transaction,
all or nothing, duplicates of `mid` skipped) and answers; a worker in every
backend process claims the rows (`FOR UPDATE SKIP LOCKED`, a lease that runs
out if the process dies) and hands each to the chat core. A crash between
receipt and processing loses nothing: the row stays unprocessed until a worker
takes it. Processing is idempotent on `mid` twice over: the inbox is unique on
(channel, mid) and so are the messages (channel, external_id).

Items of one contact are processed one at a time in the order received (only
the oldest unprocessed item of a contact can be claimed), so a citizen's
messages reach the bot and the agent in order even with several processes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models.meta import MetaInboxItem

log = logging.getLogger(__name__)

# A lease long enough for the slowest item (the bot's timeout plus the writes).
DEFAULT_LEASE = timedelta(seconds=60)
# A poison item (one that keeps raising) is set aside after this many tries.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class MetaInboundItem:
    """One `messaging` item worth processing, as the webhook adapter parsed it.

    `message` holds the fields of contact_center.chat.InboundMessage (kind "message")
    or of record_outgoing_echo (kind "echo"), JSON-ready (`at` is ISO-8601).
    """

    kind: str  # "message" | "echo"
    channel: str  # "facebook" | "instagram"
    mid: str
    contact_id: str
    account_id: str | None
    message: dict[str, Any]
    raw: dict[str, Any]


@dataclass(frozen=True)
class EnqueueResult:
    accepted: int
    duplicates: int
    ids: list[int]


async def enqueue(session: AsyncSession, items: Sequence[MetaInboundItem]) -> EnqueueResult:
    """Store the items; an item whose (channel, mid) is already known is skipped."""
    ids: list[int] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        # Meta can repeat a mid inside one POST too; keep the first.
        key = (item.channel, item.mid)
        if key in seen:
            continue
        seen.add(key)
        stmt = (
            insert(MetaInboxItem)
            .values(
                channel=item.channel,
                mid=item.mid,
                kind=item.kind,
                contact_id=item.contact_id,
                account_id=item.account_id,
                message=item.message,
                raw=item.raw,
                attempts=0,
            )
            .on_conflict_do_nothing(constraint="uq_meta_inbox_channel_mid")
            .returning(MetaInboxItem.id)
        )
        new_id = (await session.execute(stmt)).scalar_one_or_none()
        if new_id is not None:
            ids.append(new_id)
    return EnqueueResult(accepted=len(ids), duplicates=len(items) - len(ids), ids=ids)


@dataclass(frozen=True)
class ClaimedItem:
    id: int
    kind: str
    channel: str
    mid: str
    contact_id: str
    account_id: str | None
    message: dict[str, Any]
    attempts: int


_CLAIM = text(
    """
UPDATE meta_inbox AS t
SET lease_until = now() + make_interval(secs => :lease), attempts = t.attempts + 1
WHERE t.id IN (
    SELECT i.id FROM meta_inbox AS i
    WHERE i.processed_at IS NULL
      AND (i.lease_until IS NULL OR i.lease_until < now())
      AND NOT EXISTS (
          SELECT 1 FROM meta_inbox AS e
          WHERE e.channel = i.channel AND e.contact_id = i.contact_id
            AND e.processed_at IS NULL AND e.id < i.id
      )
    ORDER BY i.id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
RETURNING t.id, t.kind, t.channel, t.mid, t.contact_id, t.account_id, t.message, t.attempts
"""
)

_FINISH = text(
    """
UPDATE meta_inbox SET processed_at = now(), lease_until = NULL, result = :result, error = :error
WHERE id = :id
"""
)

_RELEASE = text(
    """
UPDATE meta_inbox
SET lease_until = now() + make_interval(secs => :delay), error = :error,
    attempts = attempts - CASE WHEN :count THEN 0 ELSE 1 END
WHERE id = :id
"""
)

# Items set aside as failed stay for a human to look at.
_PRUNE = text("DELETE FROM meta_inbox WHERE processed_at < :before AND result <> 'failed'")


async def claim(session: AsyncSession, *, limit: int = 20, lease: timedelta = DEFAULT_LEASE) -> list[ClaimedItem]:
    """Take up to `limit` due items, at most one per contact (the oldest)."""
    rows = await session.execute(_CLAIM, {"lease": lease.total_seconds(), "limit": limit})
    return [ClaimedItem(**row._mapping) for row in rows]


async def finish(session: AsyncSession, item_id: int, result: str, error: str | None = None) -> None:
    await session.execute(_FINISH, {"id": item_id, "result": result, "error": error})


async def release(
    session: AsyncSession, item_id: int, error: str, *, delay: timedelta, count: bool = True
) -> None:
    """Hand an item back for a later try (after `delay`); `count=False` when
    it was only put off (it did not fail), so it keeps its tries."""
    await session.execute(
        _RELEASE, {"id": item_id, "error": error[:2000], "delay": delay.total_seconds(), "count": count}
    )


async def prune(session: AsyncSession, *, older_than: timedelta = timedelta(days=7), now: datetime) -> int:
    """Forget processed items; the messages table still deduplicates old mids."""
    result = await session.execute(_PRUNE, {"before": now - older_than})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
