"""Read side of the chat for the citizen (widget history, live catch-up):
plain dicts, never ORM objects. Internal notes are never included."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.chat.conversations import latest_conversation
from contact_center.chat.csat import CSAT_WINDOW, last_rateable_conversation
from contact_center.db.models import Conversation, Message

HISTORY_LIMIT = 200


def citizen_message_view(m: Message) -> dict[str, Any]:
    payload = m.payload or {}
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "sender": m.sender,
        "kind": m.kind,
        "text": m.text,
        "buttons": payload.get("buttons") or [],
        "event": payload.get("event"),
        "at": m.created_at.isoformat(),
    }


async def citizen_messages(
    session: AsyncSession, channel: str, contact_id: str, *, after_id: int = 0, limit: int = HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """The contact's latest messages (all conversations) newer than `after_id`, oldest first."""
    rows = (
        await session.scalars(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.channel == channel,
                Conversation.contact_id == contact_id,
                Message.kind != "note",
                Message.id > after_id,
            )
            .order_by(Message.id.desc())
            .limit(limit)
        )
    ).all()
    return [citizen_message_view(m) for m in reversed(rows)]


async def citizen_state(session: AsyncSession, channel: str, contact_id: str) -> dict[str, Any]:
    """The contact's latest conversation: status, and whether a CSAT rating is awaited."""
    conv = await latest_conversation(session, channel, contact_id)
    if conv is None:
        return {"conversation_id": None, "status": None, "urgent": False, "agent_joined": False,
                "csat_pending": False, "csat_score": None, "language": None}
    rateable = await last_rateable_conversation(session, channel, contact_id, lock=False)
    return {
        "conversation_id": conv.id,
        "status": conv.status,
        "urgent": conv.urgent,
        "agent_joined": conv.status == "open",
        "csat_pending": rateable is not None and rateable.id == conv.id and conv.csat_score is None,
        "csat_score": conv.csat_score,
        "language": conv.language,
        "csat_window_hours": int(CSAT_WINDOW.total_seconds() // 3600),
    }
