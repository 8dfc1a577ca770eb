"""Chat conversations (web chat, Facebook, Instagram) and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base, created_at_column

CONVERSATION_STATUSES = ("bot", "pending", "open", "resolved")
SENDERS = ("citizen", "bot", "agent", "system")
MESSAGE_KINDS = ("text", "note", "attachment", "event")
DELIVERY_STATES = ("pending", "sent", "failed")


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.code"), nullable=False)
    # web chat: the visitor token; Meta: the PSID / IGSID of the citizen.
    contact_id: Mapped[str] = mapped_column(String(200), nullable=False)
    # Meta: the page or Instagram account the conversation came through.
    account_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="bot")
    direction: Mapped[str | None] = mapped_column(ForeignKey("directions.code"))
    district: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    handoff_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Migration 0015 (routing): when the chat last entered the queue by a release or a
    # transfer to a direction; the routing clock runs from here (else from handoff_at).
    # The first-response SLA keeps measuring from handoff_at.
    routed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    low_confidence_streak: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_agent_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_citizen_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The web chat widget was last connected (the citizen is still waiting).
    citizen_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(ForeignKey("outcomes.code"))
    # The citizen left after the hand-off before any human replied.
    abandoned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    csat_score: Mapped[int | None] = mapped_column(SmallInteger)
    # "az" | "ru": the language the bot last answered in, or the citizen chose in
    # the widget (migration 0011); the backend's own texts follow it.
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="az", server_default="az")
    csat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    # Added by migration 0005 (statistics); a trigger sets it on every UPDATE.
    updated_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_conversations_created_at", "created_at"),
        Index("ix_conversations_contact", "channel", "contact_id"),
        # One live conversation per contact and channel; resolved ones are history.
        Index(
            "uq_conversations_live_contact",
            "channel",
            "contact_id",
            unique=True,
            postgresql_where=text("status <> 'resolved'"),
        ),
        Index("ix_conversations_waiting", "urgent", "handoff_at", postgresql_where=text("status = 'pending'")),
        Index("ix_conversations_assigned_open", "assigned_to", postgresql_where=text("status = 'open'")),
        # Migration 0016: the chats agents took in a period (per-agent figures)
        Index("ix_conversations_assigned_from", text("coalesce(assigned_at, handoff_at, created_at)"),
              postgresql_where=text("assigned_to IS NOT NULL")),
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sender: Mapped[str] = mapped_column(String(10), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default="text")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Buttons, attachment links, the bot's classification payload...
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    direction: Mapped[str | None] = mapped_column(ForeignKey("directions.code"))
    intent: Mapped[str | None] = mapped_column(String(80))
    confidence: Mapped[float | None] = mapped_column(Float)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Channel message id (Meta `mid`); unique per channel for deduplication.
    external_id: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(ForeignKey("channels.code"), nullable=False)
    delivery_status: Mapped[str | None] = mapped_column(String(10))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_messages_channel_external_id"),)


class CannedResponse(Base):
    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at_column()


class OutboxItem(Base):
    """A message waiting to go out through an outside API (Meta's Send API).

    Durable: written in the same transaction as the message, so a crash or an
    outage never loses a reply; a worker sends, retries and records the result.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    channel: Mapped[str] = mapped_column(ForeignKey("channels.code"), nullable=False)
    account_id: Mapped[str | None] = mapped_column(String(100))
    recipient_id: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = created_at_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    # Added by migration 0004 (Meta): when a worker took the item for sending
    # (NULL when idle), and when the Send API accepted it.
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )
