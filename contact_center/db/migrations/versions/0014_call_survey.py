"""Post-call satisfaction survey: PBX `survey` events carry a score 1..5, the
call record keeps the latest one; the statistics docs gain call (and chat)
satisfaction sums, so the rollup rows are rebuilt from the records.

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pbx_events", sa.Column("score", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(op.f("ck_pbx_events_score_range"), "pbx_events", "score BETWEEN 1 AND 5")
    op.add_column("calls", sa.Column("survey_score", sa.SmallInteger(), nullable=True))
    op.add_column("calls", sa.Column("survey_at", sa.DateTime(timezone=True), nullable=True))
    # The rollup docs changed shape (satisfaction sums): drop the rows and the
    # watermark, so the next refresh rebuilds everything (queries read the
    # records meanwhile).
    op.execute("DELETE FROM stats_rollups")
    op.execute("DELETE FROM stats_buckets")
    op.execute("UPDATE stats_state SET watermark = NULL")


def downgrade() -> None:
    op.execute("DELETE FROM stats_rollups")
    op.execute("DELETE FROM stats_buckets")
    op.execute("UPDATE stats_state SET watermark = NULL")
    op.drop_column("calls", "survey_at")
    op.drop_column("calls", "survey_score")
    op.drop_constraint(op.f("ck_pbx_events_score_range"), "pbx_events", type_="check")
    op.drop_column("pbx_events", "score")
