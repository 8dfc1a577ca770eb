"""Meta's messaging window: who may be written to, and how.

Messenger and Instagram accept a page's message only within 24 hours of the
person's last message (`messaging_type: RESPONSE`). A human agent may answer
for up to 7 days with the `HUMAN_AGENT` tag, when the page is approved for it
(setting META_HUMAN_AGENT_TAG). Outside that Meta refuses the message (error
10 / 2018278), so the console refuses the reply up front.

`reply_window` is the rule; `window_for` and `agent_window` apply it to a
stored conversation (when did the citizen last write?).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models.conversations import Conversation, Message

META_CHANNELS = frozenset({"facebook", "instagram"})
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
# Send API text limits (characters).
TEXT_LIMITS = {"facebook": 2000, "instagram": 1000}
CHANNEL_NAMES = {"facebook": "Facebook", "instagram": "Instagram"}  # for people: not the codes


@dataclass(frozen=True)
class ReplyWindow:
    allowed: bool
    messaging_type: str | None  # "RESPONSE" | "MESSAGE_TAG" (None when refused)
    tag: str | None  # "HUMAN_AGENT" with MESSAGE_TAG
    closes_at: datetime | None  # when the current window ends
    reason: str | None  # Azerbaijani, for the agent, when refused

    def send_fields(self) -> dict[str, str]:
        """The `messaging_type` (and `tag`) fields of a Send API body."""
        fields = {"messaging_type": self.messaging_type or "RESPONSE"}
        if self.tag:
            fields["tag"] = self.tag
        return fields


def reply_window(
    channel: str,
    last_citizen_at: datetime | None,
    settings: Settings,
    now: datetime,
    *,
    human: bool,
) -> ReplyWindow:
    """May a message go to this conversation now? `human`: an agent writes it."""
    if channel not in META_CHANNELS:
        return ReplyWindow(True, None, None, None, None)
    if last_citizen_at is None:
        return ReplyWindow(
            False, None, None, None, "Vətəndaş bu kanalda hələ yazmayıb: Meta ilk mesajı səhifəyə icazə vermir"
        )
    standard_end = last_citizen_at + STANDARD_WINDOW
    if now <= standard_end:
        return ReplyWindow(True, "RESPONSE", None, standard_end, None)
    if human and settings.meta_human_agent_tag:
        tagged_end = last_citizen_at + HUMAN_AGENT_WINDOW
        if now <= tagged_end:
            return ReplyWindow(True, "MESSAGE_TAG", "HUMAN_AGENT", tagged_end, None)
        return ReplyWindow(
            False, None, None, tagged_end,
            "Vətəndaşın son mesajından 7 gündən çox keçib: Meta cavabı qəbul etmir, vətəndaş yenidən yazmalıdır",
        )
    return ReplyWindow(
        False, None, None, standard_end,
        "Vətəndaşın son mesajından 24 saatdan çox keçib: Meta cavabı qəbul etmir, vətəndaş yenidən yazmalıdır",
    )


def text_too_long(channel: str, text: str) -> str | None:
    """The Azerbaijani refusal for a text Meta would reject for its length."""
    limit = TEXT_LIMITS.get(channel)
    if limit is not None and len(text) > limit:
        return f"Mətn çox uzundur: {CHANNEL_NAMES[channel]} üçün ən çox {limit} simvol ({len(text)} simvol yazılıb)"
    return None


# --- a stored conversation's window ---------------------------------------------------------
async def last_citizen_at(session: AsyncSession, channel: str, contact_id: str) -> datetime | None:
    """When the citizen last wrote to the page on this channel (any conversation)."""
    stmt = (
        select(func.max(Message.created_at))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.channel == channel,
            Conversation.contact_id == contact_id,
            Message.sender == "citizen",
        )
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def _last_citizen(session: AsyncSession, conversation: Conversation) -> datetime | None:
    last = await last_citizen_at(session, conversation.channel, conversation.contact_id)
    if conversation.last_citizen_message_at and (last is None or conversation.last_citizen_message_at > last):
        last = conversation.last_citizen_message_at
    return last


async def window_for(
    session: AsyncSession, settings: Settings, conversation: Conversation, *, human: bool, now: datetime | None = None
) -> ReplyWindow:
    """The messaging window of a conversation now (see reply_window)."""
    last = await _last_citizen(session, conversation)
    return reply_window(conversation.channel, last, settings, now or datetime.now(UTC), human=human)


async def check_agent_reply(
    session: AsyncSession, settings: Settings, conversation: Conversation, text_: str
) -> str | None:
    """None when an agent may send `text_` now, else the Azerbaijani reason to refuse it."""
    if conversation.channel not in META_CHANNELS:
        return None
    too_long = text_too_long(conversation.channel, text_)
    if too_long:
        return too_long
    window = await window_for(session, settings, conversation, human=True)
    return window.reason if not window.allowed else None


@dataclass(frozen=True)
class AgentWindow:
    """What the console tells an agent about the reply window before they type."""

    channel: str
    open: bool  # an agent's reply would be accepted now
    closes_at: datetime | None  # when agents can no longer reply (the last window that applies)
    remaining_seconds: float  # 0 when closed
    tagged: bool  # the 24 hours are over: a reply goes out with the HUMAN_AGENT tag
    human_agent_tag: bool  # META_HUMAN_AGENT_TAG: the 7-day window applies to agents
    reason: str | None  # Azerbaijani: why it is closed (or why it will be, once it closes)
    text_limit: int

    WARN_SECONDS = 3600.0

    @property
    def warning(self) -> bool:
        """Less than an hour left."""
        return self.open and self.remaining_seconds < self.WARN_SECONDS


async def agent_window(
    session: AsyncSession, settings: Settings, conversation_id: int, *, now: datetime | None = None
) -> AgentWindow | None:
    """The agent's reply window of a Facebook / Instagram conversation (None for other channels).

    The rule is reply_window's: while a window is open, the next one
    (24 hours -> 7 days with the HUMAN_AGENT tag) is looked up at its end, so
    `closes_at` is when an agent's reply stops being accepted."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.channel not in META_CHANNELS:
        return None
    now = now or datetime.now(UTC)
    last = await _last_citizen(session, conversation)
    window = reply_window(conversation.channel, last, settings, now, human=True)
    current, end = window, window.closes_at
    for _ in range(3):  # at most two windows chain (24 h, then 7 days)
        if not current.allowed or current.closes_at is None:
            break
        end = current.closes_at
        current = reply_window(conversation.channel, last, settings, end + timedelta(microseconds=1), human=True)
    remaining = max((end - now).total_seconds(), 0.0) if window.allowed and end else 0.0
    return AgentWindow(
        channel=conversation.channel,
        open=window.allowed,
        closes_at=end,
        remaining_seconds=remaining,
        tagged=window.tag is not None,
        human_agent_tag=settings.meta_human_agent_tag,
        reason=window.reason if not window.allowed else current.reason,
        text_limit=TEXT_LIMITS[conversation.channel],
    )
