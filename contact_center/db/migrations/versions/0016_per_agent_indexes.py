"""Indexes for the per-agent figures of a period (contact_center/stats/agents.py):
calls by answer time, agent states still going at a time, chats by the time an
agent took them, callbacks by closing time. Without them every summary scanned
all calls and all agent-state intervals (over a second with five years of data).

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_calls_answered_at ON calls (answered_at) WHERE answered_at IS NOT NULL")
    op.execute("CREATE INDEX ix_agent_state_intervals_end ON agent_state_intervals "
               "((coalesce(end_at, 'infinity'::timestamptz)))")
    op.execute("CREATE INDEX ix_conversations_assigned_from ON conversations "
               "((coalesce(assigned_at, handoff_at, created_at))) WHERE assigned_to IS NOT NULL")
    op.execute("CREATE INDEX ix_callbacks_closed_by ON callbacks (closed_at) WHERE claimed_by IS NOT NULL")


def downgrade() -> None:
    for name in ("ix_callbacks_closed_by", "ix_conversations_assigned_from", "ix_agent_state_intervals_end",
                 "ix_calls_answered_at"):
        op.execute(f"DROP INDEX {name}")
