"""Console: accounts, callbacks, audit

The tables came with the foundation; the console adds the index that keeps
the abandoned-call rule ("one callback per abandoned call, ever") cheap on
the PBX ingest path.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_callbacks_abandoned_call_id",
        "callbacks",
        ["abandoned_call_id"],
        unique=False,
        postgresql_where=sa.text("abandoned_call_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_callbacks_abandoned_call_id", table_name="callbacks")
