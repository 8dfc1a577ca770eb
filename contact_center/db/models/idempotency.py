from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base


class IdempotencyKey(Base):
    """An id a console page generated for one submission of a form (contact_center/web/idempotency.py):
    the first request with it acts, a repeat (double click, Ctrl+Enter twice, a retry) does not."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    )
    # Where the first request sent the browser (a repeat goes there too).
    location: Mapped[str | None] = mapped_column(Text)
