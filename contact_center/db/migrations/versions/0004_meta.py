"""Meta channels: Facebook and Instagram

The webhook inbox (items stored before they are processed), the outbox's
claim/sent times, and an index for the per-channel message statistics.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta_inbox",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("mid", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("contact_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=True),
        sa.Column("message", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["channel"], ["channels.code"], name=op.f("fk_meta_inbox_channel_channels")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meta_inbox")),
        sa.UniqueConstraint("channel", "mid", name="uq_meta_inbox_channel_mid"),
    )
    op.create_index(
        "ix_meta_inbox_unprocessed",
        "meta_inbox",
        ["channel", "contact_id", "id"],
        unique=False,
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.add_column("outbox", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    # Per-recipient ordering: the worker looks for an earlier pending item of the same recipient.
    op.create_index(
        "ix_outbox_pending_recipient",
        "outbox",
        ["channel", "recipient_id", "id"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    # Statistics feed: citizen messages by time.
    op.create_index(
        "ix_messages_citizen_created_at",
        "messages",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("sender = 'citizen'"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_citizen_created_at", table_name="messages")
    op.drop_index("ix_outbox_pending_recipient", table_name="outbox")
    op.drop_column("outbox", "sent_at")
    op.drop_column("outbox", "claimed_at")
    op.drop_index("ix_meta_inbox_unprocessed", table_name="meta_inbox")
    op.drop_table("meta_inbox")
