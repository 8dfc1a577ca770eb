"""A web chat visitor's token: "end the chat and forget this device", and the
idle limit (CHAT_VISITOR_TTL_HOURS).

The server never stores the token, only its hash as the conversations'
contact_id; forgetting rewrites that contact id to `forgotten:<id>` on every
conversation of the visitor, so the token (kept by the citizen's browser, or
by the next person at a shared computer) leads to nothing any more. A live
conversation is ended first (resolved; abandoned if it waited for an agent
who never replied), and the agents hear it. The conversations, their
messages and every statistic stay; the citizen is no longer linked to them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import Conversation
from contact_center.events import chat_conversation, publish

FORGOTTEN_PREFIX = "forgotten:"


async def last_activity(session: AsyncSession, channel: str, contact_id: str) -> datetime | None:
    """When the visitor last wrote, was connected, or started a conversation (None: never seen)."""
    return (await session.execute(
        select(func.max(func.greatest(Conversation.created_at, Conversation.last_citizen_message_at,
                                      Conversation.citizen_seen_at)))
        .where(Conversation.channel == channel, Conversation.contact_id == contact_id)
    )).scalar_one_or_none()


async def visitor_expired(
    session: AsyncSession, channel: str, contact_id: str, ttl_hours: int, *, now: datetime | None = None
) -> bool:
    """Idle longer than the limit: the token no longer opens any history."""
    last = await last_activity(session, channel, contact_id)
    now = now or datetime.now(UTC)
    return last is not None and now - last > timedelta(hours=ttl_hours)


async def forget_visitor(
    session: AsyncSession, channel: str, contact_id: str, *, now: datetime | None = None
) -> list[int]:
    """End the visitor's live conversation and unlink every conversation from the
    token; returns the conversations' ids (empty: nothing was held)."""
    now = now or datetime.now(UTC)
    convs = (await session.scalars(
        select(Conversation).where(Conversation.channel == channel, Conversation.contact_id == contact_id)
        .with_for_update()
    )).all()
    for conv in convs:
        if conv.status != "resolved":
            conv.abandoned = conv.abandoned or (conv.handoff_at is not None and conv.first_agent_reply_at is None)
            conv.status = "resolved"
            conv.resolved_at = now
            await publish(session, chat_conversation(conv, "resolved"))
    ids = [c.id for c in convs]
    if ids:
        await session.flush()
        await session.execute(
            update(Conversation).where(Conversation.id.in_(ids))
            .values(contact_id=func.concat(FORGOTTEN_PREFIX, Conversation.id))
        )
    return ids
