"""Chat abandonment: the citizen left after the hand-off before any human replied.

Definition (docs/chat.md): a conversation that is `pending` or `open`, has no
human reply yet (`first_agent_reply_at` is null), and whose citizen has shown
no sign of life - no message, no hand-off, no connected web chat widget
(`citizen_seen_at`) - for `settings.chat_abandon_minutes`. A release or a
transfer to a direction (`routed_at`) counts as a new hand-off: the citizen
was just told to wait for another agent. It is resolved with
`abandoned = true` and no outcome; the citizen's next message starts a new bot
conversation. Each backend process sweeps every SWEEP_SECONDS (`sweep_forever`,
started by contact_center/runtime.py); the sweep skips rows another process
holds, so two processes never close one twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.chat.conversations import add_outgoing
from contact_center.chat.receive import ChatContext
from contact_center.chat.texts import TEXTS, say
from contact_center.config import Settings
from contact_center.db.models import Conversation
from contact_center.events import chat_conversation, publish

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30
BATCH = 200
# What the citizen sees (Azerbaijani).
TEXT_ABANDONED = TEXTS["abandoned"]["az"]


async def sweep_abandoned(session: AsyncSession, settings: Settings, *, now: datetime | None = None) -> list[int]:
    """Mark the abandoned conversations; returns their ids."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(minutes=settings.chat_abandon_minutes)
    last_sign = func.greatest(
        Conversation.handoff_at, Conversation.routed_at, Conversation.last_citizen_message_at,
        Conversation.citizen_seen_at,
    )
    convs = (
        await session.scalars(
            select(Conversation)
            .where(
                Conversation.status.in_(("pending", "open")),
                Conversation.first_agent_reply_at.is_(None),
                last_sign < cutoff,
            )
            .order_by(Conversation.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for conv in convs:
        conv.status = "resolved"
        conv.abandoned = True
        conv.resolved_at = now
        notice = say("abandoned", conv.language)
        await add_outgoing(session, settings, conv, sender="system", kind="event", text=notice,
                           payload={"event": "abandoned"})
        await publish(session, chat_conversation(conv, "abandoned"))
    return [c.id for c in convs]


async def sweep_forever(ctx: ChatContext, every: float = SWEEP_SECONDS) -> None:
    """The process's sweeper: a sweep every `every` seconds, in its own transaction."""
    while True:
        await asyncio.sleep(every)
        try:
            async with ctx.sessionmaker.begin() as session:
                closed = await sweep_abandoned(session, ctx.settings)
            if closed:
                log.info("chat conversations abandoned: %s", closed)
        except Exception:  # noqa: BLE001 - a failed sweep is retried on the next tick
            log.exception("abandonment sweep failed")
