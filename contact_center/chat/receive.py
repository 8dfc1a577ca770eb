"""The one entry point of every chat channel (web chat API, widget, Meta):

    receive_message(ctx: ChatContext, msg: InboundMessage) -> ChatResult

It is the one function of the chat that opens transactions itself (two short
ones), because the bot must be called with no transaction open:

1. store the citizen's message (a repeated `external_id` changes nothing; a
   CSAT button's payload rates the contact's last resolved conversation
   instead, contact_center.chat.csat); while the humans have the
   conversation, that is all: the agent sees it live;
2. ask the bot (contact_center.chat.bot_client), no transaction open;
3. store what the bot said and did, and deliver the replies
   (contact_center.chat.bot_reply).

The way out to a channel is contact_center.chat.delivery.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contact_center.chat.bot_client import BotClient, BotReply, BotUnavailable
from contact_center.chat.bot_reply import apply_bot_reply
from contact_center.chat.conversations import HUMAN_STATUSES, known_message, live_conversation, open_live_conversation
from contact_center.chat.csat import CSAT_PAYLOAD, last_rateable_conversation, record_csat
from contact_center.config import Settings
from contact_center.db.models import Conversation, Message
from contact_center.events import chat_message, publish
from contact_center.monitoring import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # "web_chat" | "facebook" | "instagram"
    contact_id: str  # web: the (hashed) visitor id; Meta: PSID / IGSID of the citizen
    account_id: str | None  # Meta: page id / Instagram account id the message came through
    text: str  # what agents see (attachments -> an Azerbaijani placeholder like "[Şəkil]")
    external_id: str | None  # Meta `mid` (dedup: unique (channel, external_id))
    payload: dict[str, Any] | None = None  # attachments (links), postback/quick-reply data
    bot_text: str | None = None  # what goes to the bot if different (postback payload or title)
    at: datetime | None = None  # when the citizen sent it
    # "az" | "ru" chosen by the citizen (the widget's AZ | RU switch): it wins over
    # what the bot reads from the text, and is kept on the conversation. None: the bot detects it.
    language: str | None = None

    def __post_init__(self) -> None:
        # PostgreSQL text cannot hold NUL; whatever channel it came from, drop it
        # rather than lose the message.
        for name in ("text", "bot_text"):
            value = getattr(self, name)
            if value is not None and "\x00" in value:
                object.__setattr__(self, name, value.replace("\x00", ""))


@dataclass(frozen=True)
class Reply:
    """An outgoing message produced while handling the inbound one."""

    id: int
    sender: str  # "bot" | "system"
    kind: str  # "text" | "event"
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    event: str | None = None  # system events: "agent_joined", "resolved", "csat_thanks", ...

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "buttons": self.buttons, "sender": self.sender,
                "kind": self.kind, "event": self.event}


@dataclass(frozen=True)
class ChatResult:
    conversation_id: int | None
    status: str  # the conversation's status after this message
    direction: str | None  # the conversation's direction (set by the bot or an agent)
    handoff: bool  # the conversation is with the humans (pending or open)
    urgent: bool
    language: str = "az"  # the conversation's language: "az" | "ru"
    replies: tuple[Reply, ...] = ()
    message_id: int | None = None  # the stored citizen message
    duplicate: bool = False  # the external_id was already stored: nothing happened
    csat_score: int | None = None  # set when this message was a CSAT rating
    # Milliseconds spent storing, waiting for the bot, storing the replies
    # (the web adapter sends them as a Server-Timing header; bench/chat.py reads it).
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "status": self.status,
            "direction": self.direction,
            "handoff": self.handoff,
            "urgent": self.urgent,
            "language": self.language,
            "replies": [r.as_dict() for r in self.replies],
            "message_id": self.message_id,
            "duplicate": self.duplicate,
        }


@dataclass(frozen=True)
class ChatContext:
    """What receive_message needs: built once per process (contact_center/runtime.py)."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: BotClient
    # Messages by status, the bot's latency and failures, hand-offs (GET /metrics).
    metrics: Metrics


def _result(conv: Conversation, replies: list[Reply] | tuple[Reply, ...] = (), **extra: Any) -> ChatResult:
    return ChatResult(
        conversation_id=conv.id,
        status=conv.status,
        direction=conv.direction,
        handoff=conv.status in HUMAN_STATUSES,
        urgent=conv.urgent,
        language=conv.language,
        replies=tuple(replies),
        **extra,
    )


def _reply(message: Message) -> Reply:
    payload = message.payload or {}
    return Reply(message.id, message.sender, message.kind, message.text, list(payload.get("buttons") or []),
                 payload.get("event"))


class _Duplicate(Exception):
    pass


def bot_sender_id(conv: Conversation) -> str:
    """Rasa's tracker key: one fresh tracker per conversation. The creation time
    makes it unique even if ids restart (a restored or reset database)."""
    return f"{conv.id}-{int(conv.created_at.timestamp() * 1_000_000)}"


async def receive_message(ctx: ChatContext, msg: InboundMessage) -> ChatResult:
    """Store the citizen's message, let the bot or the agents handle it, deliver replies.

    `ctx`: the process's ChatContext (the runtime's CHAT; contact_center/runtime.py)."""
    settings = ctx.settings
    now = datetime.now(UTC)
    t0 = time.perf_counter()

    # 1) Store first: whatever happens next, the citizen's words are kept.
    try:
        async with ctx.sessionmaker.begin() as session:
            if msg.external_id is not None and await known_message(session, msg.channel, msg.external_id):
                raise _Duplicate
            rating = CSAT_PAYLOAD.match(msg.bot_text or "")
            if rating:
                rated = await _rate_last_conversation(session, settings, msg, int(rating.group(1)), now)
                if rated is not None:
                    ctx.metrics.count_chat_message(msg.channel, "stored")
                    return rated
            conv, _created = await open_live_conversation(
                session, msg.channel, msg.contact_id, msg.account_id, now=now
            )
            citizen = Message(
                conversation_id=conv.id,
                sender="citizen",
                kind="attachment" if (msg.payload or {}).get("attachments") else "text",
                text=msg.text,
                payload=msg.payload,
                external_id=msg.external_id,
                channel=msg.channel,
                created_at=msg.at or now,
            )
            if msg.language is not None:
                conv.language = msg.language
            session.add(citizen)
            await session.flush()
            await publish(session, chat_message(conv, citizen))
            if conv.status != "bot":
                # With the humans: the agent sees it live; the bot is not asked.
                ctx.metrics.count_chat_message(msg.channel, "stored")
                return _result(conv, message_id=citizen.id)
            conv_id, citizen_id, sender_id = conv.id, citizen.id, bot_sender_id(conv)
    except (_Duplicate, IntegrityError) as exc:
        if isinstance(exc, IntegrityError) and not (
            msg.external_id and await _known_now(ctx, msg.channel, msg.external_id)
        ):
            raise
        ctx.metrics.count_chat_message(msg.channel, "duplicate")
        return await _duplicate_result(ctx, msg)
    ctx.metrics.count_chat_message(msg.channel, "stored")

    # 2) The bot, with no transaction open (it may take up to rasa_timeout_seconds).
    t1 = time.perf_counter()
    bot_text = msg.bot_text if (msg.bot_text and not rating) else msg.text
    reply: BotReply | None
    try:
        with ctx.metrics.bot_call():
            metadata = {"channel": msg.channel, **({"language": msg.language} if msg.language else {})}
            reply = await ctx.bot.send(sender_id, bot_text, metadata)
    except BotUnavailable as exc:
        log.warning("bot unavailable for conversation %s: %s", conv_id, exc)
        reply = None
    t2 = time.perf_counter()

    # 3) Store the outcome and deliver it.
    async with ctx.sessionmaker.begin() as session:
        conv = await session.get_one(Conversation, conv_id, with_for_update=True)
        was_bot = conv.status == "bot"
        out = await apply_bot_reply(session, settings, conv, citizen_id, msg.payload, reply)
        result = _result(conv, [_reply(m) for m in out], message_id=citizen_id)
    if was_bot and result.handoff:
        ctx.metrics.count_handoff(msg.channel, conv.handoff_reason or "requested")
    timings = {"store": (t1 - t0) * 1000, "bot": (t2 - t1) * 1000, "reply": (time.perf_counter() - t2) * 1000}
    return replace(result, timings=timings)


async def _known_now(ctx: ChatContext, channel: str, external_id: str) -> bool:
    async with ctx.sessionmaker() as session:
        return await known_message(session, channel, external_id)


async def _duplicate_result(ctx: ChatContext, msg: InboundMessage) -> ChatResult:
    async with ctx.sessionmaker() as session:
        row = (
            await session.execute(
                select(Message.id, Conversation)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.channel == msg.channel, Message.external_id == msg.external_id)
            )
        ).one_or_none()
    if row is None:
        return ChatResult(None, "bot", None, False, False, duplicate=True)
    return _result(row[1], message_id=row[0], duplicate=True)


async def _rate_last_conversation(
    session: AsyncSession, settings: Settings, msg: InboundMessage, score: int, now: datetime
) -> ChatResult | None:
    """A CSAT button's answer: it rates the contact's last resolved conversation
    (None when there is none to rate: then it is an ordinary message)."""
    conv = await last_rateable_conversation(session, msg.channel, msg.contact_id, now=now)
    if conv is None or await live_conversation(session, msg.channel, msg.contact_id) is not None:
        return None  # nothing to rate: handled as an ordinary message
    rating = Message(
        conversation_id=conv.id, sender="citizen", kind="text", text=msg.text or str(score),
        payload={**(msg.payload or {}), "csat": score}, external_id=msg.external_id, channel=msg.channel,
        created_at=msg.at or now,
    )
    session.add(rating)
    await session.flush()
    await publish(session, chat_message(conv, rating))
    thanks = await record_csat(session, settings, conv, score, now=now)
    assert thanks is not None
    return _result(conv, [_reply(thanks)], message_id=rating.id, csat_score=score)
