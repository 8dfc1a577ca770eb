"""Agent states: events, merged intervals, pause reasons, user<->extension history

- `pause_reasons`: reference data (code, label, order, active) admins edit.
- `agent_events`: what the exchange (JSON agent events, queue_log, AMI), the
  call events and the console say about an agent; `event_id` makes a replay
  add nothing.
- `agent_state_intervals`: the states merged from them, one row per span;
  `machine` is the full state after the span's start (the merge replays late
  events from there).
- `extension_assignments`: which user held which extension when, seeded from
  the users that have one (since ever: the first holder owns the history).
- `users.status`: busy -> paused ("other_work"), break -> paused ("break");
  new `users.pause_reason`.

Revision ID: 0010
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

PAUSE_REASONS = [
    ("lunch", "Nahar", 10),
    ("break", "Fasilə", 20),
    ("training", "Təlim", 30),
    ("technical", "Texniki problem", 40),
    ("other_work", "Başqa iş", 50),
    ("meeting", "İclas", 60),
]


def upgrade() -> None:
    reasons = op.create_table(
        "pause_reasons",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.bulk_insert(reasons, [{"code": c, "label": label, "sort_order": o, "active": True}
                             for c, label, o in PAUSE_REASONS])
    op.create_table(
        "agent_events",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(64)),
        sa.Column("reason", sa.String(200)),
        sa.Column("call_id", sa.String(200)),
        sa.Column("seconds", sa.Integer()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_agent_events_event_id"),
    )
    op.create_index("ix_agent_events_agent_at", "agent_events", ["agent", "at"])
    op.create_table(
        "agent_state_intervals",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("machine", postgresql.JSONB(), nullable=False),
        sa.UniqueConstraint("agent", "start_at", name="uq_agent_state_intervals_agent"),
    )
    op.create_index("ix_agent_state_intervals_start_at", "agent_state_intervals", ["start_at"])
    op.create_table(
        "extension_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("extension", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE",
                                                          name="fk_extension_assignments_user_id_users"),
                  nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_extension_assignments_extension", "extension_assignments", ["extension", "valid_from"])
    # One holder at a time: at most one open assignment per extension.
    op.create_index("uq_extension_assignments_open", "extension_assignments", ["extension"], unique=True,
                    postgresql_where=sa.text("valid_to IS NULL"))
    op.execute("""
        INSERT INTO extension_assignments (extension, user_id, valid_from)
        SELECT extension, id, '1970-01-01T00:00:00Z'::timestamptz FROM users WHERE extension IS NOT NULL
    """)
    op.add_column("users", sa.Column("pause_reason", sa.String(40)))
    op.execute("UPDATE users SET status = 'paused', pause_reason = 'other_work' WHERE status = 'busy'")
    op.execute("UPDATE users SET status = 'paused', pause_reason = 'break' WHERE status = 'break'")


def downgrade() -> None:
    op.execute("UPDATE users SET status = CASE WHEN pause_reason = 'break' THEN 'break' ELSE 'busy' END "
               "WHERE status = 'paused'")
    op.drop_column("users", "pause_reason")
    op.drop_table("extension_assignments")
    op.drop_table("agent_state_intervals")
    op.drop_table("agent_events")
    op.drop_table("pause_reasons")
