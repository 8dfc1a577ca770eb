"""Outgoing delivery: every bot, agent and system message goes out through its
conversation's channel sender, inside the transaction that stored it.

    ChannelSender = async (session, settings, conversation, message) -> None

- web_chat (here, built in): stored as sent (`sent_when_stored`); the widget
  hears of it through the `chat.message` live event published for every
  message (contact_center.chat.conversations.add_outgoing_many).
- facebook / instagram: contact_center.social.outbox.queue_message inserts an
  OutboxItem in the same transaction; a worker sends it and records the
  result. The runtime registers it at start-up (social.register_senders).

A sender must not do network IO: it runs inside the caller's transaction. A
channel without a registered sender leaves the message `delivery_status =
"pending"` (stored, never lost) and logs a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import Conversation, Message

log = logging.getLogger(__name__)

ChannelSender = Callable[[AsyncSession, Settings, Conversation, Message], Awaitable[None]]


async def _web_chat_sender(
    session: AsyncSession, settings: Settings, conversation: Conversation, message: Message
) -> None:
    # The widget reads its messages from the database when the live event
    # arrives (or on reload): the message was stored "sent", nothing to do.
    return None


_SENDERS: dict[str, ChannelSender] = {"web_chat": _web_chat_sender}
# Channels where storing a message is delivering it (the web chat widget reads
# the database): their messages are stored "sent" at once, no second write.
_SENT_WHEN_STORED: set[str] = {"web_chat"}


def register_sender(channel: str, sender: ChannelSender, *, sent_when_stored: bool = False) -> None:
    """Install the sender of a channel (idempotent: the last registration wins)."""
    _SENDERS[channel] = sender
    if sent_when_stored:
        _SENT_WHEN_STORED.add(channel)
    else:
        _SENT_WHEN_STORED.discard(channel)


def initial_status(channel: str, kind: str) -> str | None:
    """delivery_status of a new outgoing message (notes are never delivered: None)."""
    if kind == "note":
        return None
    return "sent" if channel in _SENT_WHEN_STORED else "pending"


def sender_for(channel: str) -> ChannelSender | None:
    return _SENDERS.get(channel)


async def deliver(session: AsyncSession, settings: Settings, conversation: Conversation, message: Message) -> None:
    """Hand one outgoing message to its channel. Notes are never delivered."""
    if message.kind == "note" or message.sender == "citizen":
        return
    sender = _SENDERS.get(conversation.channel)
    if sender is None:
        log.warning("no sender for channel %s; message %s stays pending", conversation.channel, message.id)
        message.delivery_status = "pending"
        return
    await sender(session, settings, conversation, message)
