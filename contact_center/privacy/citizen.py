"""The citizen's request: "what do you hold about me?" and "erase it".

`collect(session, phone, key)` gathers everything held about one number:
its calls (and the PBX events of those calls), registrations (with their
change history), callback requests (with the attempts) and the
conversations linked to it (a conversation is linked when the citizen gave
the number in a callback request inside it) with their messages and CSAT.
Records already anonymised by retention are found by the number's keyed
hash. The result is plain JSON; contact_center.exports.citizen_pdf renders
it as a readable Azerbaijani PDF.

`erase(session, phone, key)` anonymises all of it at once (one transaction)
with the retention rules (contact_center.privacy.retention): numbers to keyed
hashes, names removed, texts to the marker; rows, times, classifications and
CSAT stay, so every statistic is unchanged. Both are audited by the caller's
`audit.record` (`citizen_export`, `citizen_erase`) with the number's hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import (
    Call,
    Callback,
    CallbackAttempt,
    CallRegistration,
    ChatTransfer,
    Conversation,
    Message,
    MetaInboxItem,
    OutboxItem,
    PbxEvent,
    RegistrationChange,
)
from contact_center.privacy.bot_trackers import forget_bot_trackers
from contact_center.privacy.pseudonym import pseudonym
from contact_center.privacy.retention import MARKER, STEPS, run_step
from contact_center.text import normalize_phone


class CitizenError(ValueError):
    pass


def number_forms(phone: str) -> list[str]:
    """The ways one Azerbaijani number may be stored (PBX callers come as dialled)."""
    full = normalize_phone(phone)
    if full is None:
        raise CitizenError(f"not an Azerbaijani phone number: {phone[:40]!r}")
    national = full[4:]
    return [full, full[1:], "00" + full[1:], "0" + national, national]


@dataclass
class Holdings:
    phone: str
    pseudonym: str
    call_ids: list[int] = field(default_factory=list)
    registration_ids: list[int] = field(default_factory=list)
    callback_ids: list[int] = field(default_factory=list)
    conversation_ids: list[int] = field(default_factory=list)
    pbx_call_ids: list[str] = field(default_factory=list)


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def _row(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: _iso(getattr(obj, n)) for n in names}


async def find(session: AsyncSession, phone: str, key: str) -> Holdings:
    """The ids of every record about this number (or its keyed hash)."""
    forms = number_forms(phone)
    hashed = pseudonym(forms[0], key)
    values = [*forms, hashed]
    h = Holdings(forms[0], hashed)
    rows = (await session.execute(select(Call.id, Call.pbx_call_id).where(Call.caller.in_(values))
                                  .order_by(Call.id))).all()
    h.call_ids = [r[0] for r in rows]
    h.pbx_call_ids = [r[1] for r in rows if r[1]]
    h.registration_ids = list((await session.scalars(
        select(CallRegistration.id).where(CallRegistration.phone.in_(values)).order_by(CallRegistration.id))).all())
    cbs = (await session.execute(select(Callback.id, Callback.conversation_id)
                                 .where(Callback.phone.in_(values)).order_by(Callback.id))).all()
    h.callback_ids = [r[0] for r in cbs]
    h.conversation_ids = sorted({r[1] for r in cbs if r[1] is not None})
    return h


CALL_FIELDS = ("id", "pbx_call_id", "direction", "caller", "queue", "agent", "enqueued_at", "answered_at",
               "ended_at", "status", "wait_seconds", "talk_seconds")
REG_FIELDS = ("id", "call_id", "channel", "phone", "citizen_name", "direction", "call_type", "district", "outcome",
              "note", "occurred_at", "created_at")
CALLBACK_FIELDS = ("id", "phone", "citizen_name", "district", "direction", "preferred_time", "note", "source",
                   "status", "created_at", "due_at", "closed_at", "attempts", "conversation_id")
CONV_FIELDS = ("id", "channel", "status", "direction", "district", "created_at", "handoff_at", "resolved_at",
               "outcome", "csat_score", "csat_at")
MESSAGE_FIELDS = ("id", "sender", "kind", "text", "created_at")


async def collect(session: AsyncSession, phone: str, key: str) -> dict[str, Any]:
    """Everything held about the number, as JSON-ready data."""
    h = await find(session, phone, key)
    calls = (await session.scalars(select(Call).where(Call.id.in_(h.call_ids)).order_by(Call.id))).all()
    events = (await session.scalars(select(PbxEvent).where(PbxEvent.call_id.in_(h.pbx_call_ids))
                                    .order_by(PbxEvent.at, PbxEvent.id))).all()
    regs = (await session.scalars(select(CallRegistration).where(CallRegistration.id.in_(h.registration_ids))
                                  .order_by(CallRegistration.id))).all()
    changes = (await session.scalars(select(RegistrationChange)
                                     .where(RegistrationChange.registration_id.in_(h.registration_ids))
                                     .order_by(RegistrationChange.id))).all()
    cbs = (await session.scalars(select(Callback).where(Callback.id.in_(h.callback_ids)).order_by(Callback.id))).all()
    attempts = (await session.scalars(select(CallbackAttempt).where(CallbackAttempt.callback_id.in_(h.callback_ids))
                                      .order_by(CallbackAttempt.id))).all()
    convs = (await session.scalars(select(Conversation).where(Conversation.id.in_(h.conversation_ids))
                                   .order_by(Conversation.id))).all()
    msgs = (await session.scalars(select(Message).where(Message.conversation_id.in_(h.conversation_ids),
                                                        Message.kind != "note").order_by(Message.id))).all()
    return {
        "phone": h.phone,
        "generated_at": datetime.now(UTC).isoformat(),
        "calls": [
            {**_row(c, CALL_FIELDS), "events": [
                {"type": e.type, "at": _iso(e.at), "queue": e.queue, "agent": e.agent}
                for e in events if e.call_id == c.pbx_call_id]}
            for c in calls
        ],
        "registrations": [
            {**_row(r, REG_FIELDS), "changes": [
                {"at": _iso(ch.at), "before": ch.before, "after": ch.after}
                for ch in changes if ch.registration_id == r.id]}
            for r in regs
        ],
        "callbacks": [
            {**_row(cb, CALLBACK_FIELDS), "attempts": [
                {"at": _iso(a.at), "result": a.result, "note": a.note} for a in attempts if a.callback_id == cb.id]}
            for cb in cbs
        ],
        "conversations": [
            {**_row(v, CONV_FIELDS), "messages": [_row(m, MESSAGE_FIELDS) for m in msgs if m.conversation_id == v.id]}
            for v in convs
        ],
    }


async def _anonymise(session: AsyncSession, table: str, ids: list[int], key: str) -> int:
    """Every retention step of `table` on these rows, whatever their age."""
    if not ids:
        return 0
    changed = 0
    for step in [s for s in STEPS if s.table == table]:
        after = 0
        while True:
            n, after = await run_step(session, step, "id = ANY(CAST(:ids AS bigint[]))",
                                      {"ids": ids, "marker": MARKER}, key, after=after)
            if not n:
                break
            changed += n
    return changed


@dataclass(frozen=True)
class Erased:
    pseudonym: str
    counts: dict[str, int]
    conversation_ids: list[int]


async def erase(session: AsyncSession, phone: str, key: str) -> Erased:
    """Anonymise everything held about the number, in the caller's transaction."""
    h = await find(session, phone, key)
    event_ids = list((await session.scalars(
        select(PbxEvent.id).where(PbxEvent.call_id.in_(h.pbx_call_ids)))).all()) if h.pbx_call_ids else []
    change_ids = list((await session.scalars(select(RegistrationChange.id).where(
        RegistrationChange.registration_id.in_(h.registration_ids))))) if h.registration_ids else []
    attempt_ids = list((await session.scalars(select(CallbackAttempt.id).where(
        CallbackAttempt.callback_id.in_(h.callback_ids))))) if h.callback_ids else []
    convs = (await session.execute(select(Conversation.id, Conversation.created_at, Conversation.channel,
                                          Conversation.contact_id)
                                   .where(Conversation.id.in_(h.conversation_ids)))).all()
    message_ids = list((await session.scalars(select(Message.id).where(
        Message.conversation_id.in_(h.conversation_ids))))) if h.conversation_ids else []
    contacts = [(c.channel, c.contact_id) for c in convs]
    inbox_ids = []
    for channel, contact in contacts:
        inbox_ids += list((await session.scalars(select(MetaInboxItem.id).where(
            MetaInboxItem.channel == channel, MetaInboxItem.contact_id == contact))).all())
    outbox_ids = list((await session.scalars(select(OutboxItem.id).where(
        OutboxItem.message_id.in_(message_ids))))) if message_ids else []
    transfer_ids = list((await session.scalars(select(ChatTransfer.id).where(
        ChatTransfer.conversation_id.in_(h.conversation_ids))))) if h.conversation_ids else []
    counts = {
        "calls": await _anonymise(session, "calls", h.call_ids, key),
        "pbx_events": await _anonymise(session, "pbx_events", event_ids, key),
        "call_registrations": await _anonymise(session, "call_registrations", h.registration_ids, key),
        "registration_changes": await _anonymise(session, "registration_changes", change_ids, key),
        "callbacks": await _anonymise(session, "callbacks", h.callback_ids, key),
        "callback_attempts": await _anonymise(session, "callback_attempts", attempt_ids, key),
        "conversations": await _anonymise(session, "conversations", [c.id for c in convs], key),
        "messages": await _anonymise(session, "messages", message_ids, key),
        "meta_inbox": await _anonymise(session, "meta_inbox", inbox_ids, key),
        "outbox": await _anonymise(session, "outbox", outbox_ids, key),
        "chat_transfers": await _anonymise(session, "chat_transfers", transfer_ids, key),
    }
    await forget_bot_trackers(session.get_bind().url, [(c.id, c.created_at) for c in convs])
    return Erased(h.pseudonym, counts, [c.id for c in convs])
