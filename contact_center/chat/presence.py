"""The citizen's presence in a conversation with the humans: still there (the
web chat widget is connected, which postpones abandonment), typing (the agent
who holds the conversation sees it). The agents' typing is
contact_center.chat.inbox.agent_typing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.chat.conversations import HUMAN_STATUSES
from contact_center.db.models import Conversation
from contact_center.events import chat_typing, publish


async def mark_citizen_seen(
    session: AsyncSession, channel: str, contact_id: str, *, now: datetime | None = None
) -> None:
    """The citizen is still there (widget connected): postpones abandonment."""
    await session.execute(
        update(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.contact_id == contact_id,
            Conversation.status.in_(HUMAN_STATUSES),
        )
        .values(citizen_seen_at=now or datetime.now(UTC))
    )


async def citizen_typing(session: AsyncSession, channel: str, contact_id: str) -> bool:
    """Tell the agent the citizen is typing (only while humans have the conversation)."""
    row = (
        await session.execute(
            select(Conversation.id, Conversation.assigned_to).where(
                Conversation.channel == channel,
                Conversation.contact_id == contact_id,
                Conversation.status == "open",
            )
        )
    ).one_or_none()
    if row is None:
        return False
    await publish(session, chat_typing(row[0], channel, contact_id, "citizen", row[1]))
    return True
