"""Meta webhook items (Facebook Messenger, Instagram) received but not yet processed.

The webhook stores each message item here and answers 200 at once; a worker
in every backend process turns the rows into chat messages right after. A
crash between the two loses nothing: the row waits until a worker claims it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base, created_at_column
from contact_center.db.models.conversations import Message, OutboxItem

META_ITEM_KINDS = ("message", "echo")


class MetaInboxItem(Base):
    __tablename__ = "meta_inbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.code"), nullable=False)
    # Meta `mid` (or a stable key derived from the item when Meta sends none).
    mid: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    # The citizen (PSID / IGSID): items of one contact are processed in order.
    contact_id: Mapped[str] = mapped_column(String(200), nullable=False)
    account_id: Mapped[str | None] = mapped_column(String(100))
    # The normalised message (the fields of conversations.InboundMessage).
    message: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # The `messaging` item exactly as Meta sent it, for audit and reprocessing.
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # A worker holds the row until then; after a crash the lease runs out.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("channel", "mid", name="uq_meta_inbox_channel_mid"),
        Index(
            "ix_meta_inbox_unprocessed",
            "channel",
            "contact_id",
            "id",
            postgresql_where=text("processed_at IS NULL"),
        ),
    )


# Indexes the Meta work adds to tables of the chat models (migration 0004).
# Outbox ordering: the worker sends a recipient's items one at a time, in order.
Index(
    "ix_outbox_pending_recipient",
    OutboxItem.channel,
    OutboxItem.recipient_id,
    OutboxItem.id,
    postgresql_where=text("status = 'pending'"),
)
# Statistics feed: citizen messages by time.
Index(
    "ix_messages_citizen_created_at",
    Message.created_at,
    postgresql_where=text("sender = 'citizen'"),
)
