"""Chat routing (issue 16): the directions an agent serves (`user_skills`, edited by
admins on the user form) and the hand-overs of a chat between agents
(`chat_transfers`: a release to the queue, a transfer to a named agent or to a
direction, with the agent's note). contact_center/chat/routing.py uses them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base, created_at_column

TRANSFER_KINDS = ("queue", "agent", "direction")


class UserSkill(Base):
    """One direction a console user serves."""

    __tablename__ = "user_skills"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    direction: Mapped[str] = mapped_column(ForeignKey("directions.code"), primary_key=True)

    # "Who serves D" is the routing's question.
    __table_args__ = (Index("ix_user_skills_direction", "direction"),)


class ChatTransfer(Base):
    """A chat handed on: back to the queue, to an agent, or to a direction."""

    __tablename__ = "chat_transfers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # queue | agent | direction
    from_user: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # kind "agent": who got it; kind "direction": which direction it went to.
    to_user: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_direction: Mapped[str | None] = mapped_column(ForeignKey("directions.code"))
    # For the agents only (never sent to the citizen, never in the audit trail).
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("kind IN ('queue', 'agent', 'direction')", name="ck_chat_transfers_kind"),
    )


__all__ = ["TRANSFER_KINDS", "ChatTransfer", "UserSkill"]
