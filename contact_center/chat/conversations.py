"""Chat conversations: the building blocks every part of the chat uses.

Life cycle: `bot` -> `pending` (handed off, waiting for an agent) -> `open`
(claimed by an agent) -> `resolved`. At most one live (not resolved)
conversation per (channel, contact) - the partial unique index
uq_conversations_live_contact. While a conversation is pending or open the
citizen's messages go to the agents, not to the bot; a message after the
resolution starts a new bot conversation.

Here: a contact's live (or latest) conversation, opening one safely against
a concurrent first message, storing and delivering outgoing messages
(through contact_center.chat.delivery) and the hand-off to the humans.
Everything takes a session and never commits.

Live events (delivered at commit; payloads and audiences in contact_center.events):
chat.message for every stored message, chat.conversation for every change of
a conversation, chat.urgent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.chat import delivery
from contact_center.config import Settings
from contact_center.db.models import Conversation, Message
from contact_center.events import chat_conversation, chat_message, chat_urgent, publish

LIVE_STATUSES = ("bot", "pending", "open")
HUMAN_STATUSES = ("pending", "open")


def _now() -> datetime:
    return datetime.now(UTC)


async def live_conversation(
    session: AsyncSession, channel: str, contact_id: str, *, lock: bool = False
) -> Conversation | None:
    stmt = select(Conversation).where(
        Conversation.channel == channel,
        Conversation.contact_id == contact_id,
        Conversation.status != "resolved",
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def latest_conversation(session: AsyncSession, channel: str, contact_id: str) -> Conversation | None:
    """The contact's most recent conversation, live or resolved."""
    return (
        await session.scalars(
            select(Conversation)
            .where(Conversation.channel == channel, Conversation.contact_id == contact_id)
            .order_by(Conversation.id.desc())
            .limit(1)
        )
    ).one_or_none()


async def open_live_conversation(
    session: AsyncSession, channel: str, contact_id: str, account_id: str | None, *, now: datetime
) -> tuple[Conversation, bool]:
    """The contact's live conversation, locked and marked "the citizen wrote at
    `now`"; a new bot conversation if there is none. Returns (conversation,
    created). Safe against a concurrent first message."""
    touch = (
        update(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.contact_id == contact_id,
            Conversation.status != "resolved",
        )
        .values(
            last_citizen_message_at=now,
            account_id=func.coalesce(Conversation.account_id, account_id),
        )
        .returning(Conversation)
    )
    # One statement locks the row, updates it and returns it.
    options = {"synchronize_session": False, "populate_existing": True}
    conv = (await session.scalars(touch, execution_options=options)).one_or_none()
    if conv is not None:
        return conv, False
    stmt = (
        pg_insert(Conversation)
        .values(channel=channel, contact_id=contact_id, account_id=account_id, status="bot",
                last_citizen_message_at=now)
        .on_conflict_do_nothing(
            # A literal predicate: with a bound parameter PostgreSQL's generic plan
            # (from the 6th execution of the prepared statement) cannot infer the index.
            index_elements=["channel", "contact_id"], index_where=text("status <> 'resolved'")
        )
        .returning(Conversation)
    )
    created = (await session.scalars(stmt)).one_or_none()
    if created is not None:
        return created, True
    # Another request created it first; ON CONFLICT waited for its commit.
    conv = (await session.scalars(touch, execution_options=options)).one_or_none()
    assert conv is not None
    return conv, False


async def known_message(session: AsyncSession, channel: str, external_id: str) -> bool:
    """Is a message with this channel id (Meta's `mid`) stored already?"""
    return bool(
        await session.scalar(
            select(exists().where(Message.channel == channel, Message.external_id == external_id))
        )
    )


@dataclass(frozen=True)
class Outgoing:
    """A bot / agent / system message to store and deliver."""

    sender: str
    text: str
    kind: str = "text"
    payload: dict[str, Any] | None = None
    agent_id: int | None = None


async def add_outgoing_many(
    session: AsyncSession, settings: Settings, conv: Conversation, items: list[Outgoing]
) -> list[Message]:
    """Store messages (one INSERT), deliver each through the channel, publish
    them (one NOTIFY). Notes (kind "note") are stored and published, never delivered."""
    messages = [
        Message(
            conversation_id=conv.id, sender=it.sender, kind=it.kind, text=it.text, payload=it.payload,
            agent_id=it.agent_id, channel=conv.channel,
            delivery_status=delivery.initial_status(conv.channel, it.kind),
        )
        for it in items
    ]
    if not messages:
        return []
    session.add_all(messages)
    await session.flush()
    for message in messages:
        await delivery.deliver(session, settings, conv, message)
    await publish(session, *(chat_message(conv, m) for m in messages))
    return messages


async def add_outgoing(
    session: AsyncSession,
    settings: Settings,
    conv: Conversation,
    *,
    sender: str,
    text: str,
    kind: str = "text",
    payload: dict[str, Any] | None = None,
    agent_id: int | None = None,
) -> Message:
    (message,) = await add_outgoing_many(session, settings, conv, [Outgoing(sender, text, kind, payload, agent_id)])
    return message


async def hand_off(
    session: AsyncSession, conv: Conversation, *, reason: str, urgent: bool, now: datetime | None = None
) -> None:
    """bot -> pending; or raise the urgency of a conversation already with the humans."""
    now = now or _now()
    was_urgent = conv.urgent
    if conv.status == "bot":
        conv.status = "pending"
        conv.handoff_at = now
        conv.handoff_reason = reason
        conv.urgent = urgent
        await publish(session, chat_conversation(conv, "handoff"))
    elif urgent and not conv.urgent and conv.status in HUMAN_STATUSES:
        conv.urgent = True
        conv.handoff_reason = "urgent"
        await publish(session, chat_conversation(conv, "urgent"))
    if conv.urgent and not was_urgent:
        await publish(session, chat_urgent(conv, reason))
