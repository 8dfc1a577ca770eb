"""Handing a chat on (issue 16): release it to the queue, transfer it to a named
agent or to a direction, with a note for the colleagues.

- Only the agent holding the chat, or a supervisor, may do it (a supervisor may
  also send a waiting chat to another direction).
- Release: the chat is pending again, unassigned, and enters the queue anew
  (`routed_at`: the routing clock restarts; the first-response SLA still counts
  from the hand-off).
- To an agent: only one who is available right now (signed in, not paused); the
  chat is assigned to them directly (no offer to accept: the inbox is a pull
  model, and a colleague asked by name is expected to take it), it appears live
  in their inbox with the note.
- To a direction: conversation.direction = D, pending again, routed by skill.
- The citizen gets one short line in their language ("transferred"), through
  the conversation's channel (web chat, Facebook, Instagram alike).
- The note is stored in `chat_transfers` and shown to agents only; the audit
  entry (`chat_transferred`, also for a release: `to` = "queue") says whether
  there was one, never what it said.

Every function takes a session and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contact_center import audit
from contact_center.accounts.skills import skills_by_user
from contact_center.chat.conversations import add_outgoing
from contact_center.chat.inbox import NOT_FOUND, NOT_LIVE, NOT_YOURS, Actor, InboxError
from contact_center.chat.routing import AVAILABLE
from contact_center.chat.texts import say
from contact_center.config import Settings
from contact_center.db.models import ChatTransfer, Conversation, Direction, User
from contact_center.events import chat_conversation, publish

MAX_NOTE = 500
# Who takes chats (admins administer).
TAKES_CHATS = ("agent", "supervisor")


def _err(pair: tuple[str, str], field: str | None = None) -> InboxError:
    return InboxError(pair[0], pair[1], field=field)


def _now() -> datetime:
    return datetime.now(UTC)


def clean_note(value: str | None) -> str | None:
    note = (value or "").replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
    if len(note) > MAX_NOTE:
        raise InboxError("too_long", f"Qeyd {MAX_NOTE} simvoldan uzun ola bilməz.", field="note")
    return note or None


async def _held(session: AsyncSession, conversation_id: int, actor: Actor, *, pending_ok: bool = False
                ) -> Conversation:
    conv = await session.get(Conversation, conversation_id, with_for_update=True)
    if conv is None:
        raise _err(NOT_FOUND)
    if conv.status == "resolved":
        raise _err(NOT_LIVE)
    if conv.status == "open" and (conv.assigned_to == actor.id or actor.supervises):
        return conv
    if conv.status == "pending" and pending_ok and actor.supervises:
        return conv
    if conv.status == "pending":
        raise InboxError("not_open", "Bu söhbət artıq növbədədir: heç kimə təyin edilməyib.")
    raise _err(NOT_YOURS)


async def _hand_on(
    session: AsyncSession, settings: Settings, conv: Conversation, actor: Actor, *, kind: str,
    note: str | None, audit_actor: audit.Actor, address: str | None, to_user: int | None = None,
    to_direction: str | None = None, requeue: bool = False,
) -> ChatTransfer:
    """What every hand-over does: back to the queue (`requeue`), the record, the
    citizen's line, the audit entry, the live event."""
    previous = conv.assigned_to
    if to_user is not None:
        conv.assigned_to, conv.assigned_at = to_user, _now()
    if requeue:
        conv.status, conv.assigned_to, conv.assigned_at = "pending", None, None
        conv.routed_at = _now()  # the routing clock restarts (handoff_at, the SLA's start, stays)
    transfer = ChatTransfer(conversation_id=conv.id, kind=kind, from_user=actor.id, to_user=to_user,
                            to_direction=to_direction, note=note)
    session.add(transfer)
    await session.flush()
    await add_outgoing(session, settings, conv, sender="system", kind="event",
                       text=say("transferred", conv.language), payload={"event": "transferred"})
    details: dict[str, object] = {"to": kind, "from_user": actor.id, "holder": previous, "note": note is not None,
                                  "transfer_id": transfer.id}
    if to_user is not None:
        details["to_user"] = to_user
    if to_direction is not None:
        details["direction"] = to_direction
    await audit.record(session, audit_actor, "chat_transferred", object_type="conversation", object_id=conv.id,
                       details=details, address=address)
    await publish(session, chat_conversation(conv, "released" if kind == "queue" else "transferred"))
    return transfer


async def release(
    session: AsyncSession, settings: Settings, conversation_id: int, actor: Actor, *, note: str | None = None,
    audit_actor: audit.Actor, address: str | None = None,
) -> Conversation:
    """Back to the queue, unassigned."""
    body = clean_note(note)
    conv = await _held(session, conversation_id, actor)
    await _hand_on(session, settings, conv, actor, kind="queue", note=body, audit_actor=audit_actor,
                   address=address, requeue=True)
    return conv


async def transfer_to_agent(
    session: AsyncSession, settings: Settings, conversation_id: int, actor: Actor, to_user: int, *,
    note: str | None = None, audit_actor: audit.Actor, address: str | None = None,
) -> str:
    """Assigned to `to_user` at once; they must be available right now. Returns their name."""
    body = clean_note(note)
    conv = await _held(session, conversation_id, actor)
    target = await session.get(User, to_user)
    if target is None or not target.active or target.role not in TAKES_CHATS:
        raise InboxError("invalid", "Belə operator yoxdur.", field="to_user")
    if target.id == conv.assigned_to:
        raise InboxError("invalid", "Söhbət artıq bu operatordadır.", field="to_user")
    if target.status != AVAILABLE:
        raise InboxError("unavailable", f"{target.display_name} hazırda hazır deyil (oflayn və ya fasilədə): "
                                        "başqa operator seçin və ya söhbəti növbəyə qaytarın.", field="to_user")
    await _hand_on(session, settings, conv, actor, kind="agent", note=body, audit_actor=audit_actor,
                   address=address, to_user=target.id)
    return target.display_name


async def transfer_to_direction(
    session: AsyncSession, settings: Settings, conversation_id: int, actor: Actor, direction: str, *,
    note: str | None = None, audit_actor: audit.Actor, address: str | None = None,
) -> Conversation:
    """Pending again with direction `direction`: routed to its skilled agents."""
    body = clean_note(note)
    conv = await _held(session, conversation_id, actor, pending_ok=True)
    code = (direction or "").strip()
    if not code or "\x00" in code or len(code) > 40 or await session.scalar(
            select(Direction.code).where(Direction.code == code, Direction.active.is_(True))) is None:
        raise InboxError("invalid", "İstiqaməti seçin.", field="direction")
    conv.direction = code
    await _hand_on(session, settings, conv, actor, kind="direction", note=body, audit_actor=audit_actor,
                   address=address, to_direction=code, requeue=True)
    return conv


# --- reads -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TransferTarget:
    id: int
    name: str
    skills: list[str]


async def transfer_targets(session: AsyncSession, actor: Actor) -> list[TransferTarget]:
    """The colleagues a chat can go to now: active, taking chats, available; not the actor."""
    rows = (await session.execute(
        select(User.id, User.display_name).where(
            User.active.is_(True), User.role.in_(TAKES_CHATS), User.status == AVAILABLE, User.id != actor.id)
        .order_by(User.display_name)
    )).all()
    skills = await skills_by_user(session, [uid for uid, _ in rows])
    return [TransferTarget(uid, name, skills[uid]) for uid, name in rows]


@dataclass(frozen=True)
class TransferView:
    id: int
    conversation_id: int
    kind: str
    from_name: str | None
    to_name: str | None
    to_direction: str | None
    note: str | None
    at: datetime


async def transfers(session: AsyncSession, conversation_ids: list[int], *, latest_only: bool = False
                    ) -> dict[int, list[TransferView]]:
    """The hand-overs of these conversations, oldest first (`latest_only`: the last one each)."""
    if not conversation_ids:
        return {}
    src, dst = aliased(User), aliased(User)
    stmt = (
        select(ChatTransfer, src.display_name, dst.display_name)
        .outerjoin(src, src.id == ChatTransfer.from_user)
        .outerjoin(dst, dst.id == ChatTransfer.to_user)
        .where(ChatTransfer.conversation_id.in_(conversation_ids))
        .order_by(ChatTransfer.conversation_id, ChatTransfer.id)
    )
    out: dict[int, list[TransferView]] = {}
    for t, from_name, to_name in await session.execute(stmt):
        view = TransferView(t.id, t.conversation_id, t.kind, from_name, to_name, t.to_direction, t.note,
                            t.created_at)
        if latest_only:
            out[t.conversation_id] = [view]
        else:
            out.setdefault(t.conversation_id, []).append(view)
    return out
