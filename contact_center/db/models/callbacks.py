"""Callback requests (əks-əlaqə) and each attempt to reach the citizen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base, created_at_column

CALLBACK_SOURCES = ("web", "bot", "abandoned_call", "agent", "facebook", "instagram")
CALLBACK_STATUSES = ("open", "claimed", "reached", "unreachable", "cancelled")
ATTEMPT_RESULTS = ("no_answer", "busy", "reached")


class Callback(Base):
    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The number (+994...), or its keyed hash once retention or an erasure ran (ph:...).
    phone: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    direction: Mapped[str | None] = mapped_column(ForeignKey("directions.code"))
    preferred_time: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    abandoned_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("call_registrations.id"))
    created_at: Mapped[datetime] = created_at_column()
    # Added by migration 0005 (statistics); a trigger sets it on every UPDATE.
    updated_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_callbacks_open_due", "due_at", postgresql_where=text("status IN ('open','claimed')")),
        # Migration 0016: the callbacks an agent completed in a period (per-agent figures)
        Index("ix_callbacks_closed_by", "closed_at", postgresql_where=text("claimed_by IS NOT NULL")),
        # At most one open callback per number: the abandoned-call rule relies on it.
        Index(
            "uq_callbacks_open_phone",
            "phone",
            unique=True,
            postgresql_where=text("status IN ('open','claimed')"),
        ),
        # Added by migration 0002: "has this abandoned call had a callback?"
        Index(
            "ix_callbacks_abandoned_call_id",
            "abandoned_call_id",
            postgresql_where=text("abandoned_call_id IS NOT NULL"),
        ),
    )


class CallbackAttempt(Base):
    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    callback_id: Mapped[int] = mapped_column(
        ForeignKey("callbacks.id", ondelete="CASCADE"), nullable=False, index=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    result: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    at: Mapped[datetime] = created_at_column()
