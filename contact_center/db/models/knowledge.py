"""The bot's knowledge base as supervisors edit it (seeded from
contact_center/knowledge/answers.json; see contact_center.knowledge)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base


class KnowledgeEntry(Base):
    """One answer key: its text per language, buttons and sources."""

    __tablename__ = "knowledge_entries"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # the bot's answer key
    direction: Mapped[str | None] = mapped_column(ForeignKey("directions.code"))
    text: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False)  # {"az": ..., "ru": ...}
    # [{"payload": "/request_human", "title": {"az": ..., "ru": ...}}]
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, default=list)
    # [{"claim": ..., "document": <id>, "sentence": ...}]; empty when generic.
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSONB, nullable=False, default=list)
    generic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # NULL: the shipped text, which a later release may refresh; a person's edit is never
    # overwritten. The user's id and username at the time (no foreign key: like the audit
    # trail, the record outlives the account).
    updated_by: Mapped[int | None] = mapped_column(Integer)
    updated_by_name: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class KnowledgeEntryVersion(Base):
    """An entry as it was at one version: the history the console shows (with a
    diff) and can revert to. Written by every edit, with the version it replaced."""

    __tablename__ = "knowledge_entry_versions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(ForeignKey("knowledge_entries.key", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False)
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSONB, nullable=False, default=list)
    generic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    changed_by: Mapped[int | None] = mapped_column(Integer)  # NULL: the shipped text
    changed_by_name: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)

    __table_args__ = (UniqueConstraint("key", "version", name="uq_knowledge_entry_versions_key_version"),)


class KnowledgeExample(Base):
    """A question a supervisor added to an answer key: the bot learns it at the next
    training, after `cc142 kb export-examples` wrote it into chatbot/data/."""

    __tablename__ = "knowledge_examples"
    __table_args__ = (UniqueConstraint("answer_key", "language", "text", name="uq_knowledge_examples_text"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    answer_key: Mapped[str] = mapped_column(ForeignKey("knowledge_entries.key", ondelete="CASCADE"), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    text: Mapped[str] = mapped_column(String(300), nullable=False)
    added_by: Mapped[int | None] = mapped_column(Integer)
    added_by_name: Mapped[str | None] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    # NULL: not yet in the files `cc142 kb export-examples` writes (waiting for training)
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
