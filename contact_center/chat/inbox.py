"""The agents' chat inbox: the queue, claim, reply, notes, classification, resolve.

Every function takes a session and never commits; the console view owns the
transaction. Rules:
- the queue lists pending conversations, urgent first, then the longest waiting;
  an agent's queue holds only the ones routed to them (contact_center/chat/routing.py);
- claim: one agent only (a conditional UPDATE, the loser gets InboxError "taken"),
  and only a chat the agent's queue shows ("not_routed" otherwise);
- reply / resolve: the agent who holds the conversation (supervisors and admins
  may act on any live conversation);
- notes (kind "note") are for the agents only and never delivered;
- the whole transcript, the bot's part included, is visible to agents for
  pending conversations and their own, to supervisors for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.attachments import attachment_label
from contact_center.chat.conversation_rows import ConversationRow, conversation_rows
from contact_center.chat.conversations import HUMAN_STATUSES, add_outgoing
from contact_center.chat.csat import CSAT_BUTTONS
from contact_center.chat.routing import Route, router, routed_queue
from contact_center.chat.texts import TEXTS, say
from contact_center.config import Settings
from contact_center.db.models import Conversation, Direction, District, Message, Outcome, User
from contact_center.events import chat_conversation, chat_typing, publish
from contact_center.privacy import access

MAX_REPLY = 4000
QUEUE_LIMIT = 200
SUPERVISING = ("supervisor", "admin")

TEXT_AGENT_JOINED = TEXTS["agent_joined"]["az"]  # what the citizen sees (Azerbaijani)


@dataclass(frozen=True)
class Actor:
    """The signed-in console user acting on the inbox."""

    id: int
    name: str
    role: str  # agent | supervisor | admin

    @property
    def supervises(self) -> bool:
        return self.role in SUPERVISING


class InboxError(Exception):
    """A refused inbox action: `code` for programs, `message` in Azerbaijani for people."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


NOT_FOUND = ("not_found", "Söhbət tapılmadı.")
TAKEN = ("taken", "Bu söhbəti artıq başqa operator götürüb.")
NOT_YOURS = ("not_yours", "Bu söhbət sizə təyin edilməyib.")
NOT_LIVE = ("not_live", "Bu söhbət artıq bağlanıb.")
NOT_ROUTED = ("not_routed", "Bu söhbət hələ başqa istiqamətin operatorlarına yönləndirilib; "
                            "sizin növbənizdə görünəndə götürə bilərsiniz.")


def _err(pair: tuple[str, str], field: str | None = None) -> InboxError:
    return InboxError(pair[0], pair[1], field=field)


def _now() -> datetime:
    return datetime.now(UTC)


def first_name(full_name: str, fallback: str = "Operator") -> str:
    return (full_name or "").split(" ")[0] or fallback


# --- reads -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TranscriptMessage:
    id: int
    sender: str  # citizen | bot | agent | system
    kind: str  # text | note | attachment | event
    text: str
    buttons: list[dict[str, str]]
    attachments: list[dict[str, Any]]  # type, url, title, coordinates, and `label` (Azerbaijani)
    direction: str | None
    intent: str | None
    confidence: float | None
    agent_name: str | None
    delivery_status: str | None
    delivery_error: str | None
    at: datetime

    @property
    def sender_label(self) -> str:
        if self.sender == "agent":
            return self.agent_name or "Operator (Meta)"
        return {"citizen": "Vətəndaş", "bot": "Bot", "system": "Sistem"}.get(self.sender, self.sender)


@dataclass(frozen=True)
class Transcript:
    conversation: ConversationRow
    messages: list[TranscriptMessage]
    mine: bool  # the actor holds it (or supervises)
    may_act: bool


async def _waiting(session: AsyncSession, limit: int) -> list[Conversation]:
    """Waiting for an agent, in the queue's order: urgent first, then the longest waiting."""
    return list((
        await session.scalars(
            select(Conversation)
            .where(Conversation.status == "pending")
            .order_by(Conversation.urgent.desc(), Conversation.handoff_at.asc(), Conversation.id.asc())
            .limit(limit)
        )
    ).all())


async def pending_queue(session: AsyncSession, *, limit: int = QUEUE_LIMIT) -> list[ConversationRow]:
    """Every waiting conversation, in the queue's order (the wallboard)."""
    return await conversation_rows(session, await _waiting(session, limit), _now())


@dataclass(frozen=True)
class ActorQueue:
    """What one console user's queue shows: the rows, each one's route, and in how many
    seconds a routed chat opens up to everyone (the page re-reads itself then)."""

    rows: list[ConversationRow]
    routes: dict[int, Route]
    refresh_in: float | None


async def queue_for(
    session: AsyncSession, settings: Settings, actor: Actor, *, limit: int = QUEUE_LIMIT
) -> ActorQueue:
    """The pending conversations `actor` sees (routing by skill), in the queue's order."""
    now = _now()
    convs = await _waiting(session, limit * 3)  # room for the ones routed to others
    r = await router(session, settings, user_id=actor.id, supervises=actor.supervises, now=now)
    routed = routed_queue(r, convs, limit=limit)
    rows = await conversation_rows(session, routed.conversations, now)
    return ActorQueue(rows, routed.routes, routed.refresh_in)


async def route_for(session: AsyncSession, settings: Settings, conv: Conversation, actor: Actor) -> Route:
    """The conversation's route for `actor` (visible to them now or not)."""
    r = await router(session, settings, user_id=actor.id, supervises=actor.supervises, now=_now())
    return r.route(conv)


async def waiting_route(
    session: AsyncSession, settings: Settings, conversation_id: int, actor: Actor
) -> Route | None:
    """A pending conversation's route for `actor`; None when it is not waiting."""
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.status != "pending":
        return None
    return await route_for(session, settings, conv, actor)


async def urgent_waiting(session: AsyncSession, *, limit: int = 10) -> list[ConversationRow]:
    """Urgent conversations nobody has claimed yet, the longest waiting first
    (the supervisors' banner on every console page; ix_conversations_waiting)."""
    convs = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.status == "pending", Conversation.urgent.is_(True))
            .order_by(Conversation.handoff_at.asc(), Conversation.id.asc())
            .limit(limit)
        )
    ).all()
    return await conversation_rows(session, list(convs), _now())


async def open_conversations(session: AsyncSession, actor: Actor) -> list[ConversationRow]:
    """The actor's own open conversations (supervisors: everyone's)."""
    stmt = select(Conversation).where(Conversation.status == "open")
    if not actor.supervises:
        stmt = stmt.where(Conversation.assigned_to == actor.id)
    convs = (await session.scalars(stmt.order_by(Conversation.urgent.desc(), Conversation.assigned_at))).all()
    return await conversation_rows(session, list(convs), _now())


async def recently_resolved(session: AsyncSession, actor: Actor, *, limit: int = 20) -> list[ConversationRow]:
    stmt = select(Conversation).where(Conversation.status == "resolved", Conversation.handoff_at.is_not(None))
    if not actor.supervises:
        stmt = stmt.where(Conversation.resolved_by == actor.id)
    convs = (await session.scalars(stmt.order_by(Conversation.resolved_at.desc()).limit(limit))).all()
    return await conversation_rows(session, list(convs), _now())


def _may_view(conv: Conversation, actor: Actor) -> bool:
    """The access policy's rule (contact_center.privacy.access) for this conversation."""
    if actor.supervises:
        return True
    return access.may_view_conversation(_AgentViewer(actor.id), conv.status, conv.assigned_to, conv.resolved_by)


@dataclass(frozen=True)
class _AgentViewer:
    id: int
    role: str = "agent"
    extension: str | None = None


async def transcript(session: AsyncSession, conversation_id: int, actor: Actor) -> Transcript:
    """The conversation and all its messages (the bot's part and the notes included)."""
    conv = await session.get(Conversation, conversation_id)
    if conv is None or not _may_view(conv, actor):
        raise _err(NOT_FOUND)
    rows = await session.execute(
        select(Message, User.display_name)
        .outerjoin(User, User.id == Message.agent_id)
        .where(Message.conversation_id == conv.id)
        .order_by(Message.id)
    )
    messages = [
        TranscriptMessage(
            id=m.id, sender=m.sender, kind=m.kind, text=m.text,
            buttons=list((m.payload or {}).get("buttons") or []),
            attachments=[
                {**a, "label": attachment_label(a.get("type"))}
                for a in (m.payload or {}).get("attachments") or [] if isinstance(a, dict)
            ],
            direction=m.direction, intent=m.intent, confidence=m.confidence,
            agent_name=agent_name if m.agent_id else None,
            delivery_status=m.delivery_status, delivery_error=m.delivery_error, at=m.created_at,
        )
        for m, agent_name in rows
    ]
    (row,) = await conversation_rows(session, [conv], _now())
    mine = conv.assigned_to == actor.id
    may_act = conv.status != "resolved" and (mine or actor.supervises or conv.status == "pending")
    return Transcript(row, messages, mine, may_act)


# --- actions -----------------------------------------------------------------------------------


async def _live(session: AsyncSession, conversation_id: int) -> Conversation:
    conv = await session.get(Conversation, conversation_id, with_for_update=True)
    if conv is None:
        raise _err(NOT_FOUND)
    return conv


def _check_holder(conv: Conversation, actor: Actor) -> None:
    if conv.status == "resolved":
        raise _err(NOT_LIVE)
    if conv.status == "open" and (conv.assigned_to == actor.id or actor.supervises):
        return
    if conv.status == "pending" and actor.supervises:
        return
    raise _err(NOT_YOURS)


async def claim(session: AsyncSession, settings: Settings, conversation_id: int, actor: Actor) -> Conversation:
    """Take a pending conversation. Only one agent wins (a conditional UPDATE); only a
    conversation routed to the actor (or open to everyone) can be taken."""
    waiting = await session.get(Conversation, conversation_id)
    if waiting is not None and waiting.status == "pending" \
            and not (await route_for(session, settings, waiting, actor)).visible:
        raise _err(NOT_ROUTED)
    now = _now()
    claimed = (
        await session.scalars(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.status == "pending")
            .values(status="open", assigned_to=actor.id, assigned_at=now)
            .returning(Conversation),
            execution_options={"synchronize_session": False},
        )
    ).one_or_none()
    if claimed is None:
        # Re-read: the routing check above may hold the row as it was before the winner's claim.
        conv = await session.get(Conversation, conversation_id, populate_existing=True)
        if conv is None:
            raise _err(NOT_FOUND)
        if conv.status == "open" and conv.assigned_to == actor.id:
            return conv  # a double click
        raise _err(TAKEN if conv.status == "open" else NOT_LIVE)
    await session.refresh(claimed)
    await add_outgoing(
        session, settings, claimed, sender="system", kind="event",
        text=say("agent_joined", claimed.language, name=actor.name),
        payload={"event": "agent_joined", "agent": actor.name},
    )
    await publish(session, chat_conversation(claimed, "claimed"))
    return claimed


def _text(value: str, field: str = "text") -> str:
    value = (value or "").replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
    if not value:
        raise InboxError("empty", "Mətn boş ola bilməz.", field=field)
    if len(value) > MAX_REPLY:
        raise InboxError("too_long", f"Mətn {MAX_REPLY} simvoldan uzun ola bilməz.", field=field)
    return value


async def reply(
    session: AsyncSession, settings: Settings, conversation_id: int, actor: Actor, text: str
) -> Message:
    """An agent's answer, delivered through the conversation's channel."""
    body = _text(text)
    conv = await _live(session, conversation_id)
    _check_holder(conv, actor)
    if conv.status == "pending":  # a supervisor answering takes the conversation
        conv.status, conv.assigned_to, conv.assigned_at = "open", actor.id, _now()
        await publish(session, chat_conversation(conv, "claimed"))
    message = await add_outgoing(session, settings, conv, sender="agent", text=body, agent_id=actor.id)
    if conv.first_agent_reply_at is None:
        conv.first_agent_reply_at = message.created_at or _now()
    return message


async def add_note(session: AsyncSession, settings: Settings, conversation_id: int, actor: Actor, text: str) -> Message:
    """An internal note: stored and shown to agents, never sent to the citizen."""
    body = _text(text)
    conv = await session.get(Conversation, conversation_id)
    if conv is None or not _may_view(conv, actor):
        raise _err(NOT_FOUND)
    return await add_outgoing(session, settings, conv, sender="agent", kind="note", text=body, agent_id=actor.id)


async def _check_code(session: AsyncSession, model: type[Direction] | type[District] | type[Outcome],
                      code: str | None, field: str, label: str) -> str | None:
    if not code:
        return None
    found = await session.scalar(select(model.code).where(model.code == code, model.active.is_(True)))
    if found is None:
        raise InboxError("invalid", f"Naməlum {label}.", field=field)
    return code


async def classify(
    session: AsyncSession, conversation_id: int, actor: Actor, *, direction: str | None, district: str | None
) -> Conversation:
    """Set the direction and district (empty keeps the current value)."""
    conv = await _live(session, conversation_id)
    _check_holder(conv, actor)
    d = await _check_code(session, Direction, direction, "direction", "istiqamət")
    r = await _check_code(session, District, district, "district", "rayon")
    if d:
        conv.direction = d
    if r:
        conv.district = r
    await publish(session, chat_conversation(conv, "classified"))
    return conv


async def resolve(
    session: AsyncSession,
    settings: Settings,
    conversation_id: int,
    actor: Actor,
    *,
    outcome: str,
    direction: str | None = None,
    district: str | None = None,
) -> Conversation:
    """Close with an outcome; the citizen is thanked and asked for a 1-5 rating."""
    conv = await _live(session, conversation_id)
    _check_holder(conv, actor)
    if not outcome:
        raise InboxError("required", "Nəticəni seçin.", field="outcome")
    conv.outcome = await _check_code(session, Outcome, outcome, "outcome", "nəticə")
    d = await _check_code(session, Direction, direction, "direction", "istiqamət")
    r = await _check_code(session, District, district, "district", "rayon")
    conv.direction = d or conv.direction
    conv.district = r or conv.district
    now = _now()
    conv.status = "resolved"
    conv.resolved_at = now
    conv.resolved_by = actor.id
    if conv.assigned_to is None:
        conv.assigned_to, conv.assigned_at = actor.id, now
    await add_outgoing(
        session, settings, conv, sender="system", kind="event", text=say("resolved", conv.language),
        payload={"event": "resolved", "csat": True, "buttons": CSAT_BUTTONS},
    )
    await publish(session, chat_conversation(conv, "resolved"))
    return conv


async def agent_typing(session: AsyncSession, conversation_id: int, actor: Actor) -> None:
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.status not in HUMAN_STATUSES or conv.assigned_to != actor.id:
        return
    await publish(session, chat_typing(conv.id, conv.channel, conv.contact_id, "agent", actor.id))
