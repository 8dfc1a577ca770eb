"""A conversation as the agents' lists show it (the inbox queue, the wallboard,
the records search): one row with its labels, its last citizen text and the
agent's name, read for a whole list in two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import Conversation, Message, User

REASON_LABELS = {
    "requested": "Vətəndaş operator istədi",
    "low_confidence": "Bot sualı başa düşmədi",
    "frustration": "Vətəndaş narazıdır (bot kömək etmədi)",
    "urgent": "TƏCİLİ",
    "bot_unavailable": "Bot əlçatan deyildi",
    "callback_failed": "Geri zəng sorğusu yaradılmadı",
}
STATUS_LABELS = {"bot": "Botda", "pending": "Operator gözləyir", "open": "Operatorda", "resolved": "Bağlanıb"}
CHANNEL_LABELS = {"web_chat": "Veb çat", "facebook": "Facebook", "instagram": "Instagram"}
LANGUAGE_LABELS = {"az": "Azərbaycanca", "ru": "Rusca"}


@dataclass(frozen=True)
class ConversationRow:
    id: int
    channel: str
    contact_id: str
    status: str
    urgent: bool
    handoff_reason: str | None
    direction: str | None
    district: str | None
    assigned_to: int | None
    assigned_name: str | None
    created_at: datetime
    handoff_at: datetime | None
    assigned_at: datetime | None
    resolved_at: datetime | None
    outcome: str | None
    abandoned: bool
    csat_score: int | None
    last_text: str
    waiting_seconds: float | None
    language: str = "az"  # the conversation's language (the agent answers in it)

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def language_label(self) -> str:
        return LANGUAGE_LABELS.get(self.language, self.language)

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.handoff_reason or "", self.handoff_reason or "—")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def _waiting(conv: Conversation, now: datetime) -> float | None:
    if conv.status != "pending":
        return None
    return (now - (conv.handoff_at or conv.created_at)).total_seconds()


async def conversation_rows(session: AsyncSession, convs: list[Conversation], now: datetime) -> list[ConversationRow]:
    """`convs` as rows, in their order (`now`: for the pending ones' waiting time)."""
    if not convs:
        return []
    ids = [c.id for c in convs]
    last = (
        select(Message.conversation_id, func.max(Message.id).label("mid"))
        .where(Message.conversation_id.in_(ids), Message.sender == "citizen")
        .group_by(Message.conversation_id)
        .subquery()
    )
    texts = {cid: text for cid, text in await session.execute(
        select(last.c.conversation_id, Message.text).join(Message, Message.id == last.c.mid))}
    agents = {c.assigned_to for c in convs if c.assigned_to}
    names = {uid: name for uid, name in await session.execute(
        select(User.id, User.display_name).where(User.id.in_(agents)))} if agents else {}
    return [
        ConversationRow(
            id=c.id, channel=c.channel, contact_id=c.contact_id, status=c.status, urgent=c.urgent,
            handoff_reason=c.handoff_reason, direction=c.direction, district=c.district,
            assigned_to=c.assigned_to, assigned_name=names.get(c.assigned_to) if c.assigned_to else None,
            created_at=c.created_at, handoff_at=c.handoff_at, assigned_at=c.assigned_at,
            resolved_at=c.resolved_at, outcome=c.outcome, abandoned=c.abandoned, csat_score=c.csat_score,
            last_text=(texts.get(c.id) or "")[:200], waiting_seconds=_waiting(c, now), language=c.language,
        )
        for c in convs
    ]
