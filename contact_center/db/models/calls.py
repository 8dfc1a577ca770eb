"""Calls as the PBX reports them, and the agent's registration of each call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base, created_at_column

CALL_EVENT_TYPES = ("enqueued", "ringing", "answered", "transferred", "completed", "abandoned")
# queue_log also says why an unanswered call left the queue.
UNANSWERED_TYPES = ("abandoned", "timeout", "exit_key", "exit_empty")
ALL_EVENT_TYPES = CALL_EVENT_TYPES + ("timeout", "exit_key", "exit_empty")
# The post-call IVR survey: the citizen's rating 1..5 of a call (JSON API only).
SURVEY_TYPE = "survey"


class PbxEvent(Base):
    """Every event the exchange sent, once (event_id is unique per PBX)."""

    __tablename__ = "pbx_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    call_id: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    caller: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(10), nullable=False, default="inbound")
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="api")
    score: Mapped[int | None] = mapped_column(SmallInteger)  # survey events only, 1..5
    received_at: Mapped[datetime] = created_at_column()

    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)


# Derived columns are computed by PostgreSQL from the merged timestamps, so the
# record is right whatever order the events arrived in.
_STATUS = (
    "CASE WHEN answered_at IS NOT NULL THEN 'answered' "
    "WHEN unanswered_reason IS NOT NULL THEN unanswered_reason ELSE 'in_progress' END"
)
_WAIT = (
    "EXTRACT(EPOCH FROM (COALESCE(answered_at, CASE WHEN unanswered_reason IS NOT NULL "
    "THEN ended_at END) - enqueued_at))"
)
_TALK = "EXTRACT(EPOCH FROM (ended_at - answered_at))"


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # NULL for calls an agent entered by hand (outbound, or the PBX was down).
    pbx_call_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    direction: Mapped[str] = mapped_column(String(10), nullable=False, default="inbound")
    caller: Mapped[str | None] = mapped_column(String(64), index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))  # extension that answered
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unanswered_reason: Mapped[str | None] = mapped_column(String(20))
    transferred: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # An agent who took a call no extension answered (explicitly, audited): it is theirs.
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The post-call survey (1..5) and when it was given; with several surveys
    # for one call the latest wins (equal times: the higher score).
    survey_score: Mapped[int | None] = mapped_column(SmallInteger)
    survey_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), Computed(_STATUS, persisted=True))
    wait_seconds: Mapped[float | None] = mapped_column(Float, Computed(_WAIT, persisted=True))
    talk_seconds: Mapped[float | None] = mapped_column(Float, Computed(_TALK, persisted=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    # Migration 0009 adds `change_xid` (bigint: the xid8 of the writer) here and on call_registrations, callbacks and
    # conversations (the transaction that last wrote the row; the incremental read APIs
    # read it with SQL, contact_center/api/changes.py): server-managed, not mapped.
    __table_args__ = (
        Index("ix_calls_enqueued_at", "enqueued_at"),
        # Migration 0016: the calls answered in a period (per-agent figures)
        Index("ix_calls_answered_at", "answered_at", postgresql_where=text("answered_at IS NOT NULL")),
    )


class CallRegistration(Base):
    """The agent's wrap-up of one call: what it was about and how it ended."""

    __tablename__ = "call_registrations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="RESTRICT"), unique=True
    )
    channel: Mapped[str] = mapped_column(ForeignKey("channels.code"), nullable=False)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    phone: Mapped[str | None] = mapped_column(String(64), index=True)  # +994..., or ph:... (retention)
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(ForeignKey("directions.code"), nullable=False)
    call_type: Mapped[str] = mapped_column(ForeignKey("call_types.code"), nullable=False)
    district: Mapped[str] = mapped_column(ForeignKey("districts.code"), nullable=False)
    outcome: Mapped[str] = mapped_column(ForeignKey("outcomes.code"), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # When the conversation with the citizen happened (the call's answer time,
    # or the moment the agent registered a call that has no PBX record).
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class RegistrationChange(Base):
    """Audit trail: who changed a registration, when, and what it was before."""

    __tablename__ = "registration_changes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("call_registrations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    at: Mapped[datetime] = created_at_column()
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
