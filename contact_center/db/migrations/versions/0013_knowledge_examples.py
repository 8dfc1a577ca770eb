"""Example questions supervisors add to the knowledge base's answers, waiting
for the next training (`cc142 kb export-examples`, contact_center/knowledge/examples.py).

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_examples",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("answer_key", sa.String(120), sa.ForeignKey("knowledge_entries.key", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("added_by", sa.Integer()),
        sa.Column("added_by_name", sa.String(64)),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("answer_key", "language", "text", name="uq_knowledge_examples_text"),
        sa.CheckConstraint("language IN ('az', 'ru')", name="ck_knowledge_examples_language"),
    )
    op.create_index("ix_knowledge_examples_waiting", "knowledge_examples", ["answer_key"],
                    postgresql_where=sa.text("exported_at IS NULL"))


def downgrade() -> None:
    op.drop_table("knowledge_examples")
