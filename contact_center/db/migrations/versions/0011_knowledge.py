"""The bot's knowledge base in PostgreSQL, and the conversation's language

- `knowledge_entries`: one row per answer key (text per language, buttons,
  sources per claim or generic, version, who and when). Seeded here from the
  shipped contact_center/knowledge/answers.json (plain JSON, read by path: no
  YAML, no import of the application); `cc142 migrate` later adds new keys and
  refreshes the entries nobody edited (contact_center.knowledge.sync_shipped).
- `knowledge_entry_versions`: every version an edit replaced or made (the
  console's history, diff and revert).
- `conversations.language` ("az" | "ru", default "az"): the backend renders
  the bot's answers and its own texts in it.

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, insert

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SHIPPED = Path(__file__).resolve().parents[3] / "knowledge" / "answers.json"


def upgrade() -> None:
    op.add_column("conversations", sa.Column("language", sa.String(2), nullable=False, server_default="az"))
    table = op.create_table(
        "knowledge_entries",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("direction", sa.String(40), sa.ForeignKey("directions.code",
                  name="fk_knowledge_entries_direction_directions"), nullable=True),
        sa.Column("text", JSONB, nullable=False),
        sa.Column("buttons", JSONB, nullable=False, server_default="[]"),
        sa.Column("sources", JSONB, nullable=False, server_default="[]"),
        sa.Column("generic", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_by", sa.Integer, nullable=True),  # no foreign key: the record outlives the account
        sa.Column("updated_by_name", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("text ? 'az' AND text ? 'ru'", name="ck_knowledge_entries_languages"),
    )
    kb = json.loads(SHIPPED.read_text(encoding="utf-8"))
    rows = [
        {
            "key": a["key"],
            "direction": a["direction"],
            "text": a["text"],
            "buttons": [{"payload": p, "title": kb["buttons"][p]} for p in a["buttons"]],
            "sources": a.get("sources") or [],
            "generic": bool(a.get("generic")),
        }
        for a in kb["answers"]
    ]
    op.execute(insert(table).values(rows).on_conflict_do_nothing(index_elements=["key"]))
    op.create_table(
        "knowledge_entry_versions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("key", sa.String(120), sa.ForeignKey("knowledge_entries.key", ondelete="CASCADE",
                  name="fk_knowledge_entry_versions_key_knowledge_entries"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", JSONB, nullable=False),
        sa.Column("sources", JSONB, nullable=False, server_default="[]"),
        sa.Column("generic", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("changed_by", sa.Integer, nullable=True),
        sa.Column("changed_by_name", sa.String(64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("key", "version", name="uq_knowledge_entry_versions_key_version"),
    )


def downgrade() -> None:
    op.drop_table("knowledge_entry_versions")
    op.drop_table("knowledge_entries")
    op.drop_column("conversations", "language")
