"""Chat conversations: the one entry point for every channel, and their life.

Life cycle: `bot` -> `pending` (handed off, waiting for an agent) -> `open`
(claimed by an agent) -> `resolved`. At most one live (not resolved)
conversation per (channel, contact) - the partial unique index
uq_conversations_live_contact. While a conversation is pending or open the
citizen's messages go to the agents, not to the bot; a message after the
resolution starts a new bot conversation (a fresh Rasa tracker: the Rasa
sender id is the conversation's id and creation time, `bot_sender_id`).

Interface for the channel adapters (web chat API, widget, Meta):

    receive_message(ctx: ChatContext, msg: InboundMessage) -> ChatResult
    record_outgoing_echo(session, channel, contact_id, account_id, text, external_id, at) -> bool

and `contact_center.chat.delivery` (register_sender / deliver) for the
way out. `receive_message` is the one function here that opens
transactions itself (two short ones), because the bot must be called with no
transaction open; everything else takes a session and never commits.

Hand-off rules: the bot asks for it (explicit request, two low-confidence
turns in a row, urgent); the backend also counts low-confidence turns
(`low_confidence_streak`) so two in a row hand off even if the bot did not
say so; Rasa unreachable or failing -> immediate hand-off with an apology.
Urgent -> `urgent` flag (first in the inbox) and a `chat.urgent` live event
for supervisors.

CSAT: the resolution message carries buttons whose payload is
`cc142:csat:N`; a message whose bot_text is such a payload rates the
contact's last resolved conversation (within CSAT_WINDOW) instead of
starting a new one.

Live events (delivered at commit; payloads and audiences in contact_center.events):
chat.message for every stored message, chat.conversation for every change of
a conversation, chat.urgent, chat.typing.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contact_center.events import chat_conversation, chat_message, chat_typing, chat_urgent, publish
from contact_center.config import Settings
from contact_center.db.models import Conversation, Message
from contact_center.chat import delivery
from contact_center.chat.bot_client import BotClient, BotReply, BotUnavailable
from contact_center.callbacks.queue import create_callback

log = logging.getLogger(__name__)

LIVE_STATUSES = ("bot", "pending", "open")
HUMAN_STATUSES = ("pending", "open")
LOW_CONFIDENCE_HANDOFF_AFTER = 2
CSAT_WINDOW = timedelta(hours=24)
CSAT_PAYLOAD = re.compile(r"^cc142:csat:([1-5])$")

# What the citizen sees (Azerbaijani).
TEXT_BOT_UNAVAILABLE = (
    "Üzr istəyirik, avtomatik köməkçimiz hazırda cavab verə bilmir. "
    "Mesajınız operatora ötürüldü, tezliklə sizə cavab veriləcək."
)
TEXT_HANDOFF = "Sizi operatora yönləndirirəm. Zəhmət olmasa, bir az gözləyin."
TEXT_RESOLVED = (
    "Söhbət başa çatdı. Müraciətiniz üçün təşəkkür edirik! "
    "Xidmətimizi 1-dən 5-ə qədər qiymətləndirin:"
)
TEXT_CSAT_THANKS = "Qiymətləndirməniz üçün təşəkkür edirik!"
TEXT_AGENT_JOINED = "{name} söhbətə qoşuldu."
TEXT_ABANDONED = "Operatorlarımız hazırda məşğul olduğu üçün söhbət bağlandı. Yenidən yaza bilərsiniz."
TEXT_CALLBACK_FAILED = "Bot geri zəng sorğusunu yarada bilmədi: {error}. Zəhmət olmasa, əl ilə yaradın."

CSAT_BUTTONS = [{"title": str(n), "payload": f"cc142:csat:{n}"} for n in range(1, 6)]


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


def _now() -> datetime:
    return datetime.now(UTC)


def _result(conv: Conversation, replies: list[Reply] | tuple[Reply, ...] = (), **extra: Any) -> ChatResult:
    return ChatResult(
        conversation_id=conv.id,
        status=conv.status,
        direction=conv.direction,
        handoff=conv.status in HUMAN_STATUSES,
        urgent=conv.urgent,
        replies=tuple(replies),
        **extra,
    )


# --- building blocks (take a session, never commit) ---------------------------------------


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


def _reply(message: Message) -> Reply:
    payload = message.payload or {}
    return Reply(message.id, message.sender, message.kind, message.text, list(payload.get("buttons") or []),
                 payload.get("event"))


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


async def _create_callback(
    session: AsyncSession, settings: Settings, conv: Conversation, reply: BotReply
) -> str | None:
    """Create the callback the bot collected; an error message when it cannot."""
    cb = reply.callback
    assert cb is not None
    try:
        async with session.begin_nested():  # a refused callback must not undo the conversation
            await create_callback(
                session,
                settings,
                phone=cb.phone,
                source="bot",
                citizen_name=cb.name,
                district=cb.district,
                direction=cb.direction or reply.direction or conv.direction,
                conversation_id=conv.id,
            )
    except ValueError as exc:  # CallbackInputError: the number is not valid
        log.warning("bot callback for conversation %s refused: %s", conv.id, exc)
        return str(exc) or type(exc).__name__
    except SQLAlchemyError as exc:
        # The savepoint is rolled back; an agent takes over rather than losing the request.
        log.exception("bot callback for conversation %s failed", conv.id)
        return type(exc).__name__
    return None


# --- the entry point -------------------------------------------------------------------------


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
    now = _now()
    t0 = time.perf_counter()

    # 1) Store first: whatever happens next, the citizen's words are kept.
    try:
        async with ctx.sessionmaker.begin() as session:
            if msg.external_id is not None and await _known(session, msg.channel, msg.external_id):
                raise _Duplicate
            rating = CSAT_PAYLOAD.match(msg.bot_text or "")
            if rating:
                rated = await _rate_last_conversation(session, settings, msg, int(rating.group(1)), now)
                if rated is not None:
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
            session.add(citizen)
            await session.flush()
            await publish(session, chat_message(conv, citizen))
            if conv.status != "bot":
                # With the humans: the agent sees it live; the bot is not asked.
                return _result(conv, message_id=citizen.id)
            conv_id, citizen_id, sender_id = conv.id, citizen.id, bot_sender_id(conv)
    except (_Duplicate, IntegrityError) as exc:
        if isinstance(exc, IntegrityError) and not (
            msg.external_id and await _known_now(ctx, msg.channel, msg.external_id)
        ):
            raise
        return await _duplicate_result(ctx, msg)

    # 2) The bot, with no transaction open (it may take up to rasa_timeout_seconds).
    t1 = time.perf_counter()
    bot_text = msg.bot_text if (msg.bot_text and not rating) else msg.text
    reply: BotReply | None
    try:
        reply = await ctx.bot.send(sender_id, bot_text, {"channel": msg.channel})
    except BotUnavailable as exc:
        log.warning("bot unavailable for conversation %s: %s", conv_id, exc)
        reply = None
    t2 = time.perf_counter()

    # 3) Store the outcome and deliver it.
    async with ctx.sessionmaker.begin() as session:
        conv = await session.get_one(Conversation, conv_id, with_for_update=True)
        replies = await _apply_bot_reply(session, settings, conv, citizen_id, msg.payload, reply)
        result = _result(conv, replies, message_id=citizen_id)
    timings = {"store": (t1 - t0) * 1000, "bot": (t2 - t1) * 1000, "reply": (time.perf_counter() - t2) * 1000}
    return replace(result, timings=timings)


async def _apply_bot_reply(
    session: AsyncSession,
    settings: Settings,
    conv: Conversation,
    citizen_id: int,
    citizen_payload: dict[str, Any] | None,
    reply: BotReply | None,
) -> list[Reply]:
    if reply is None:
        out = await add_outgoing_many(session, settings, conv, [Outgoing("system", TEXT_BOT_UNAVAILABLE)])
        await hand_off(session, conv, reason="bot_unavailable", urgent=False)
        return [_reply(m) for m in out]

    # The classification goes on the citizen's message (no need to load it).
    await session.execute(
        update(Message)
        .where(Message.id == citizen_id)
        .values(
            intent=reply.intent[:80] if reply.intent else None,
            confidence=reply.confidence,
            direction=reply.direction,
            payload={**(citizen_payload or {}), "bot": reply.raw},
        ),
        execution_options={"synchronize_session": False},
    )
    items = [
        Outgoing("bot", m.text, payload={"buttons": [b.as_dict() for b in m.buttons]} if m.buttons else None)
        for m in reply.messages
    ]
    handoff, reason = reply.handoff, reply.handoff_reason
    streak = conv.low_confidence_streak + 1 if reply.low_confidence else 0
    if not handoff and streak >= LOW_CONFIDENCE_HANDOFF_AFTER:
        handoff, reason = True, "low_confidence"
    if (handoff or reply.urgent) and conv.status == "bot" and not reply.messages:
        items.append(Outgoing("system", TEXT_HANDOFF))
    out = await add_outgoing_many(session, settings, conv, items)

    # Conversation changes last: one UPDATE at commit.
    if reply.direction is not None:
        conv.direction = reply.direction
    conv.low_confidence_streak = streak
    if reply.callback is not None:
        error = await _create_callback(session, settings, conv, reply)
        if error is not None:
            await add_outgoing(
                session, settings, conv, sender="system", kind="note", text=TEXT_CALLBACK_FAILED.format(error=error)
            )
            handoff, reason = True, reason or "callback_failed"
    if handoff or reply.urgent:
        await hand_off(session, conv, reason=reason or "requested", urgent=reply.urgent)
    return [_reply(m) for m in out]


async def _known(session: AsyncSession, channel: str, external_id: str) -> bool:
    return bool(
        await session.scalar(
            select(exists().where(Message.channel == channel, Message.external_id == external_id))
        )
    )


async def _known_now(ctx: ChatContext, channel: str, external_id: str) -> bool:
    async with ctx.sessionmaker() as session:
        return await _known(session, channel, external_id)


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


# --- CSAT ---------------------------------------------------------------------------------


async def last_rateable_conversation(
    session: AsyncSession, channel: str, contact_id: str, *, now: datetime | None = None, lock: bool = True
) -> Conversation | None:
    """The contact's last conversation an agent resolved within CSAT_WINDOW."""
    now = now or _now()
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
    conv.csat_at = now or _now()
    await publish(session, chat_conversation(conv, "csat"))
    return await add_outgoing(session, settings, conv, sender="system", kind="event", text=TEXT_CSAT_THANKS,
                              payload={"event": "csat_thanks", "score": score})


async def _rate_last_conversation(
    session: AsyncSession, settings: Settings, msg: InboundMessage, score: int, now: datetime
) -> ChatResult | None:
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


# --- echoes of messages sent from Meta's own apps ----------------------------------------------


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
    if external_id is not None and await _known(session, channel, external_id):
        return False
    conv = await live_conversation(session, channel, contact_id, lock=True)
    if conv is None:
        conv = await latest_conversation(session, channel, contact_id)
    if conv is None:
        # The page wrote first: keep it as history (it takes no place in the inbox).
        now = _now()
        conv = Conversation(channel=channel, contact_id=contact_id, account_id=account_id,
                            status="resolved", resolved_at=now)
        session.add(conv)
        await session.flush()
    message = Message(
        conversation_id=conv.id, sender="agent", kind="text", text=text, agent_id=None,
        external_id=external_id, channel=channel, delivery_status="sent", created_at=at or _now(),
        payload={"echo": True, "account_id": account_id},
    )
    session.add(message)
    await session.flush()
    if conv.status in HUMAN_STATUSES and conv.first_agent_reply_at is None:
        conv.first_agent_reply_at = message.created_at
    await publish(session, chat_message(conv, message))
    return True


# --- presence and typing ------------------------------------------------------------------


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
        .values(citizen_seen_at=now or _now())
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
