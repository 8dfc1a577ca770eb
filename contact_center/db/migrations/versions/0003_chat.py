"""Chat: bot conversations and the inbox

The widget reports that the citizen is still there (citizen_seen_at), so a
handed-off web chat is marked abandoned only when the citizen has really gone
quiet; and the inbox orders pending conversations urgent first, then by
waiting time.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("citizen_seen_at", sa.DateTime(timezone=True), nullable=True))
    # The agents' own open conversations ("my chats").
    op.create_index(
        "ix_conversations_assigned_open",
        "conversations",
        ["assigned_to"],
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_assigned_open", table_name="conversations")
    op.drop_column("conversations", "citizen_seen_at")
