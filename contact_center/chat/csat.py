"""Customer satisfaction (CSAT): the resolution message asks for a 1-5 rating
with buttons whose payload is `cc142:csat:N`; a message carrying such a
payload rates the contact's last conversation an agent resolved (within
CSAT_WINDOW) instead of starting a new one (contact_center.chat.receive).
A later rating replaces an earlier one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.chat.conversations import add_outgoing
from contact_center.chat.texts import TEXTS, say
from contact_center.config import Settings
from contact_center.db.models import Conversation, Message
from contact_center.events import chat_conversation, publish

CSAT_WINDOW = timedelta(hours=24)
CSAT_PAYLOAD = re.compile(r"^cc142:csat:([1-5])$")
CSAT_BUTTONS = [{"title": str(n), "payload": f"cc142:csat:{n}"} for n in range(1, 6)]

# What the citizen sees, in Azerbaijani (contact_center.chat.texts has both languages).
TEXT_RESOLVED = TEXTS["resolved"]["az"]
TEXT_CSAT_THANKS = TEXTS["csat_thanks"]["az"]


async def last_rateable_conversation(
    session: AsyncSession, channel: str, contact_id: str, *, now: datetime | None = None, lock: bool = True
) -> Conversation | None:
    """The contact's last conversation an agent resolved within CSAT_WINDOW."""
    now = now or datetime.now(UTC)
    stmt = (
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.contact_id == contact_id,
            Conversation.status == "resolved",
            Conversation.abandoned.is_(False),
            Conversation.resolved_by.is_not(None),
            Conversation.resolved_at >= now - CSAT_WINDOW,
        )
        .order_by(Conversation.resolved_at.desc())
        .limit(1)
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def record_csat(
    session: AsyncSession, settings: Settings, conv: Conversation, score: int, *, now: datetime | None = None
) -> Message | None:
    """Store a 1-5 rating on a resolved conversation (a later rating replaces an
    earlier one) and thank the citizen. Returns the thank-you message."""
    if not 1 <= score <= 5:
        raise ValueError("CSAT score must be 1-5")
    if conv.status != "resolved":
        raise ValueError("only a resolved conversation can be rated")
    conv.csat_score = score
    conv.csat_at = now or datetime.now(UTC)
    await publish(session, chat_conversation(conv, "csat"))
    thanks = say("csat_thanks", conv.language)
    return await add_outgoing(session, settings, conv, sender="system", kind="event", text=thanks,
                              payload={"event": "csat_thanks", "score": score})
