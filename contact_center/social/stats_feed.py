"""Statistics feed of the social channels: messages received and answered.

Definitions (also in docs/meta.md):
- received: citizen messages (any kind: text, attachment, postback, quick
  reply) whose time falls in the period - the time the citizen sent them
  (Meta's timestamp), in local days (CC142_TIMEZONE);
- answered: those of them followed, in the same conversation, by a bot or
  agent message (text or attachment; not a system notice, not an internal
  note) that was delivered: `sent` through the Send API, or typed by the page
  in Meta's own apps (an echo). A reply still pending or refused by Meta
  does not answer anything. "Followed" is by storage order (message id).
- conversations / conversations_answered: the distinct conversations those
  messages belong to, and those with at least one answered message.

The same query serves web chat (its replies are `sent` when stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from contact_center.timeutil import local_range

SOCIAL_CHANNELS = ("facebook", "instagram")

FEED_SQL = """
SELECT m.channel,
       count(*) AS messages_received,
       count(*) FILTER (WHERE a.answered) AS messages_answered,
       count(DISTINCT m.conversation_id) AS conversations,
       count(DISTINCT m.conversation_id) FILTER (WHERE a.answered) AS conversations_answered
FROM messages AS m
CROSS JOIN LATERAL (
    SELECT EXISTS (
        SELECT 1 FROM messages AS r
        WHERE r.conversation_id = m.conversation_id AND r.id > m.id
          AND r.sender IN ('bot', 'agent') AND r.kind IN ('text', 'attachment')
          AND (r.delivery_status IS NULL OR r.delivery_status = 'sent')
    ) AS answered
) AS a
WHERE m.sender = 'citizen' AND m.channel = ANY(:channels)
  AND m.created_at >= :start AND m.created_at < :end
GROUP BY m.channel
"""


@dataclass(frozen=True)
class ChannelFeed:
    channel: str
    messages_received: int = 0
    messages_answered: int = 0
    conversations: int = 0
    conversations_answered: int = 0

    @property
    def answer_rate(self) -> float | None:
        """answered / received (0..1); None when nothing was received."""
        return self.messages_answered / self.messages_received if self.messages_received else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages_received": self.messages_received,
            "messages_answered": self.messages_answered,
            "answer_rate": self.answer_rate,
            "conversations": self.conversations,
            "conversations_answered": self.conversations_answered,
        }


async def social_feed(
    session: AsyncSession | AsyncConnection,
    date_from: date,
    date_to: date,
    tz: ZoneInfo,
    channels: Sequence[str] = SOCIAL_CHANNELS,
) -> dict[str, ChannelFeed]:
    """Per channel, for the local days [date_from, date_to]; every asked channel is present."""
    start, end = local_range(date_from, date_to, tz)
    rows = await session.execute(text(FEED_SQL), {"channels": list(channels), "start": start, "end": end})
    found = {row.channel: ChannelFeed(**row._mapping) for row in rows}
    return {ch: found.get(ch, ChannelFeed(ch)) for ch in channels}
