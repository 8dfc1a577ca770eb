"""Agent states (issue 15): what the exchange, queue_log and the console say
about agents (`agent_events`), the states merged from them as intervals
(`agent_state_intervals`), and which user held which extension when
(`extension_assignments`). The pause reasons list is reference data
(`pause_reasons`, models/reference.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base

# The states an agent can be in (docs/stats.md).
AGENT_STATES = ("available", "on_call", "wrap_up", "paused", "offline")
# What an agent event says: queue membership, pause, the console, calls.
AGENT_EVENT_KINDS = (
    "login", "logoff", "pause", "unpause", "console_on", "console_off", "on_call", "wrap_up", "wrap_up_end",
)


class AgentEvent(Base):
    __tablename__ = "agent_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # api, queue_log, ami, calls, console
    # The agent's key: the extension (what the exchange knows), or "user:<id>" for a
    # console user without one.
    agent: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    queue: Mapped[str | None] = mapped_column(String(64))  # None: every queue (logoff, PAUSEALL)
    reason: Mapped[str | None] = mapped_column(String(200))
    call_id: Mapped[str | None] = mapped_column(String(200))
    seconds: Mapped[int | None] = mapped_column(Integer)  # wrap_up: its length (WRAP_UP_SECONDS then)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)

    __table_args__ = (Index("ix_agent_events_agent_at", "agent", "at"),)


class AgentStateInterval(Base):
    __tablename__ = "agent_state_intervals"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    agent: Mapped[str] = mapped_column(String(64), nullable=False)
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: still in it
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))  # paused: why
    # The whole state machine after `start_at` (queues, console, pause, call): a
    # late event is merged by replaying from here (contact_center/accounts/agent_states.py).
    machine: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)

    __table_args__ = (
        UniqueConstraint("agent", "start_at"),
        Index("ix_agent_state_intervals_start_at", "start_at"),
        # Migration 0016: "intervals still going at or after t" (per-agent figures of recent periods)
        Index("ix_agent_state_intervals_end", text("coalesce(end_at, 'infinity'::timestamptz)")),
    )


class ExtensionAssignment(Base):
    __tablename__ = "extension_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extension: Mapped[str] = mapped_column(String(32), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_extension_assignments_extension", "extension", "valid_from"),)
