"""Echoes: the messages a page sends from Meta's own apps (Business Suite,
Messenger, Instagram), which Meta reports back on the webhook. They belong in
the conversation's transcript like an agent's reply."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.chat.conversations import HUMAN_STATUSES, known_message, latest_conversation, live_conversation
from contact_center.db.models import Conversation, Message
from contact_center.events import chat_message, publish


async def record_outgoing_echo(
    session: AsyncSession,
    channel: str,
    contact_id: str,
    account_id: str | None,
    text: str,
    external_id: str | None,
    at: datetime | None,
) -> bool:
    """Store a message the page sent outside the platform (Meta's apps) as an
    agent message with no agent. False when external_id is already known (we
    sent it, or Meta repeated the echo).

    It goes to the live conversation, else the contact's latest one; it does
    not change the conversation's status (an agent still claims it here)."""
    if external_id is not None and await known_message(session, channel, external_id):
        return False
    conv = await live_conversation(session, channel, contact_id, lock=True)
    if conv is None:
        conv = await latest_conversation(session, channel, contact_id)
    if conv is None:
        # The page wrote first: keep it as history (it takes no place in the inbox).
        now = datetime.now(UTC)
        conv = Conversation(channel=channel, contact_id=contact_id, account_id=account_id,
                            status="resolved", resolved_at=now)
        session.add(conv)
        await session.flush()
    message = Message(
        conversation_id=conv.id, sender="agent", kind="text", text=text, agent_id=None,
        external_id=external_id, channel=channel, delivery_status="sent", created_at=at or datetime.now(UTC),
        payload={"echo": True, "account_id": account_id},
    )
    session.add(message)
    await session.flush()
    if conv.status in HUMAN_STATUSES and conv.first_agent_reply_at is None:
        conv.first_agent_reply_at = message.created_at
    await publish(session, chat_message(conv, message))
    return True
