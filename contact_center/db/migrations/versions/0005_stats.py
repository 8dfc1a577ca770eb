"""Statistics: rollups

Day/month/year rollup rows, the refresher's watermark, the month and year
buckets (what each covers, whether stale),
`updated_at` on conversations and callbacks (kept by a trigger, so every
writer marks its changes without knowing about statistics), and the indexes
that find the rows changed since the watermark. Nothing is added to the
PBX ingest statement: calls already carry updated_at; their index is BRIN,
which keeps HOT updates possible.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TOUCHED = ("call_registrations", "conversations", "callbacks")


def upgrade() -> None:
    op.create_table(
        "stats_rollups",
        sa.Column("fkey", sa.String(length=120), nullable=False),
        sa.Column("grain", sa.CHAR(length=1), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("doc", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("fkey", "grain", "period_start", name=op.f("pk_stats_rollups")),
    )
    op.create_index("ix_stats_rollups_period", "stats_rollups", ["grain", "period_start"])
    op.create_table(
        "stats_buckets",
        sa.Column("grain", sa.CHAR(length=1), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("covers_to", sa.Date(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("grain", "period_start", name=op.f("pk_stats_buckets")),
    )
    op.create_table(
        "stats_state",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_state")),
    )
    for table in ("conversations", "callbacks"):
        op.add_column(
            table,
            sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        )
    op.execute(
        """
        CREATE FUNCTION cc142_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at := now();
            RETURN NEW;
        END $$
        """
    )
    for table in _TOUCHED:
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION cc142_touch_updated_at()"
        )
    # autosummarize: each filled block range is summarized soon, so "changed since
    # the watermark" never has to scan a long unsummarized tail.
    op.create_index("ix_calls_updated_at_brin", "calls", ["updated_at"], postgresql_using="brin",
                    postgresql_with={"autosummarize": "on"})
    op.create_index("ix_call_registrations_updated_at", "call_registrations", ["updated_at"])
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])
    op.create_index("ix_messages_created_at", "messages", ["created_at"])
    op.create_index("ix_callbacks_updated_at", "callbacks", ["updated_at"])
    op.create_index("ix_callbacks_created_at", "callbacks", ["created_at"])
    op.create_index("ix_callback_attempts_at", "callback_attempts", ["at"])


def downgrade() -> None:
    for name, table in (
        ("ix_callback_attempts_at", "callback_attempts"),
        ("ix_callbacks_created_at", "callbacks"),
        ("ix_callbacks_updated_at", "callbacks"),
        ("ix_messages_created_at", "messages"),
        ("ix_conversations_updated_at", "conversations"),
        ("ix_call_registrations_updated_at", "call_registrations"),
        ("ix_calls_updated_at_brin", "calls"),
    ):
        op.drop_index(name, table_name=table)
    for table in _TOUCHED:
        op.execute(f"DROP TRIGGER trg_{table}_updated_at ON {table}")
    op.execute("DROP FUNCTION cc142_touch_updated_at()")
    for table in ("conversations", "callbacks"):
        op.drop_column(table, "updated_at")
    op.drop_table("stats_state")
    op.drop_table("stats_buckets")
    op.drop_index("ix_stats_rollups_period", table_name="stats_rollups")
    op.drop_table("stats_rollups")
