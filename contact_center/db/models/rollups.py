"""Statistics rollups: pre-aggregated figures per local day, month and year.

One row per (filter key, grain, period): `doc` holds every additive figure of
that period for that filter (counts, sums and one-second wait histograms),
so any period is answered by merging a handful of rows. The refresher
(contact_center/stats/refresher.py) keeps them current; the query layer
computes the days not yet refreshed from the records themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CHAR, BigInteger, Boolean, Date, DateTime, Index, SmallInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base
from contact_center.db.models.callbacks import Callback, CallbackAttempt
from contact_center.db.models.calls import Call, CallRegistration
from contact_center.db.models.conversations import Conversation, Message

GRAINS = ("d", "m", "y")


class StatsRollup(Base):
    __tablename__ = "stats_rollups"

    # '' = no filter; 'q:<queue>', 'a:<extension>', 'dir:<direction>', 'dis:<district>'.
    fkey: Mapped[str] = mapped_column(String(120), primary_key=True)
    grain: Mapped[str] = mapped_column(CHAR(1), primary_key=True)  # d | m | y
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    doc: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)

    __table_args__ = (Index("ix_stats_rollups_period", "grain", "period_start"),)


class StatsBucket(Base):
    """A month or year whose rows (all filter keys) sum its days from
    period_start through covers_to; stale once a day it covers changed (or
    before it was ever built, covers_to NULL). The open month and year cover
    through yesterday."""

    __tablename__ = "stats_buckets"

    grain: Mapped[str] = mapped_column(CHAR(1), primary_key=True)  # m | y
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    covers_to: Mapped[date | None] = mapped_column(Date)
    stale: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # The id of the transaction that last built its rows: readers cache merged
    # rows by it (ids only grow, so a rebuilt bucket never matches an old entry).
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class StatsState(Base):
    """The refresher's watermark: every change up to it is in the day rows."""

    __tablename__ = "stats_state"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Indexes on the source tables that let the refresher find what changed since
# its watermark (created by migration 0005). BRIN on calls: it is summarizing,
# so it does not stop HOT updates on the PBX ingest path.
Index("ix_calls_updated_at_brin", Call.updated_at, postgresql_using="brin",
      postgresql_with={"autosummarize": "on"})
Index("ix_call_registrations_updated_at", CallRegistration.updated_at)
Index("ix_conversations_updated_at", Conversation.updated_at)
Index("ix_messages_created_at", Message.created_at)
Index("ix_callbacks_updated_at", Callback.updated_at)
Index("ix_callbacks_created_at", Callback.created_at)
Index("ix_callback_attempts_at", CallbackAttempt.at)
