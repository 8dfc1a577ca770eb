"""Chat routing by skill, release and transfer (issue 16): user_skills,
chat_transfers, conversations.routed_at.

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_skills",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("direction", sa.String(40), sa.ForeignKey("directions.code"), primary_key=True),
    )
    op.create_index("ix_user_skills_direction", "user_skills", ["direction"])
    op.create_table(
        "chat_transfers",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("conversation_id", sa.BigInteger(), sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("from_user", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("to_user", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("to_direction", sa.String(40), sa.ForeignKey("directions.code")),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("kind IN ('queue', 'agent', 'direction')", name="ck_chat_transfers_kind"),
    )
    op.create_index("ix_chat_transfers_conversation_id", "chat_transfers", ["conversation_id"])
    op.add_column("conversations", sa.Column("routed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("conversations", "routed_at")
    op.drop_table("chat_transfers")
    op.drop_table("user_skills")
