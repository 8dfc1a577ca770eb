"""Chat conversations of a period, filtered as the statistics count them (the
supervisors' drill-down from a chat or satisfaction figure to its conversations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.chat.conversation_rows import ConversationRow, conversation_rows
from contact_center.db.models import Conversation, User
from contact_center.exports import Column
from contact_center.paging import Page, page_number, page_of
from contact_center.ratings import RATING_LABELS, rating_condition
from contact_center.timeutil import local_range, local_text

CHAT_CHANNELS = ("web_chat", "facebook", "instagram")
HANDOFF_LABELS = {"yes": "Operatora yönləndirilib", "no": "Çatbotun özü cavablandırıb"}
CSAT_LABELS = RATING_LABELS
LANGUAGE_LABELS = {"az": "Azərbaycan dili", "ru": "Rus dili"}  # as the statistics' `language` filter


@dataclass(frozen=True)
class ConversationFilters:
    """Chat conversations started on local days [date_from, date_to]."""

    date_from: date
    date_to: date
    channel: str | None = None  # web_chat | facebook | instagram
    handoff: str | None = None  # yes | no (the bot handled it alone)
    abandoned: bool = False  # left after the hand-off before any agent reply
    csat: str | None = None  # rated | positive (4-5) | negative (1-3)
    agent: str | None = None  # the assigned agent's extension
    queue: str | None = None  # conversations have no queue: a queue filter matches none
    direction: str | None = None
    district: str | None = None
    language: str | None = None  # az | ru: the conversation's language
    page: int = 1

    def query_args(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "channel": self.channel,
            "handoff": self.handoff, "abandoned": "1" if self.abandoned else None, "csat": self.csat,
            "agent": self.agent, "queue": self.queue, "direction": self.direction, "district": self.district,
            "language": self.language,
        }


def conversation_conditions(tz: ZoneInfo, f: ConversationFilters) -> list[Any]:
    start, end = local_range(f.date_from, f.date_to, tz)
    where: list[Any] = [Conversation.created_at >= start, Conversation.created_at < end,
                        Conversation.channel.in_((f.channel,) if f.channel else CHAT_CHANNELS)]
    if f.handoff == "yes":
        where.append(Conversation.handoff_at.is_not(None))
    elif f.handoff == "no":
        where.append(Conversation.handoff_at.is_(None))
    if f.abandoned:
        where.append(Conversation.abandoned.is_(True))
    if (rated := rating_condition(Conversation.csat_score, f.csat)) is not None:
        where.append(rated)
    if f.agent is not None:
        where.append(Conversation.assigned_to.in_(select(User.id).where(User.extension == f.agent)))
    if f.queue is not None:
        where.append(false())
    if f.direction is not None:
        where.append(Conversation.direction == f.direction)
    if f.district is not None:
        where.append(Conversation.district == f.district)
    if f.language is not None:
        where.append(Conversation.language == f.language)
    return where


async def search_conversations(
    session: AsyncSession, tz: ZoneInfo, f: ConversationFilters, *, per_page: int = 50
) -> Page[ConversationRow]:
    where = conversation_conditions(tz, f)
    total = (await session.execute(select(func.count()).select_from(Conversation).where(*where))).scalar_one()
    page = page_number(f.page)
    convs = (
        await session.scalars(page_of(
            select(Conversation).where(*where).order_by(Conversation.created_at.desc(), Conversation.id.desc()),
            page, per_page))
    ).all()
    return Page(await conversation_rows(session, list(convs), datetime.now(UTC)), total, page, per_page)


EXPORT_COLUMNS = (
    Column("id"), Column("başlayıb"), Column("kanal"), Column("status"), Column("istiqamət"), Column("rayon"),
    Column("təcili"), Column("yönləndirmə_səbəbi"), Column("operatora_yönləndirilib"), Column("operator"),
    Column("ilk_operator_cavabı"), Column("bağlanıb"), Column("nəticə"), Column("tərk_edilib"), Column("məmnunluq"),
)


def export_statement(tz: ZoneInfo, f: ConversationFilters) -> Select[Any]:
    """The drill-down list's conversations (no page), newest first, as EXPORT_COLUMNS.
    No contact ids and no texts: the transcript is read in the console (audited)."""
    return (
        select(
            Conversation.id, local_text(Conversation.created_at, tz), Conversation.channel, Conversation.status,
            Conversation.direction, Conversation.district, Conversation.urgent, Conversation.handoff_reason,
            local_text(Conversation.handoff_at, tz), User.display_name, local_text(Conversation.first_agent_reply_at, tz),
            local_text(Conversation.resolved_at, tz), Conversation.outcome, Conversation.abandoned,
            Conversation.csat_score,
        )
        .outerjoin(User, User.id == Conversation.assigned_to)
        .where(*conversation_conditions(tz, f))
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
    )
