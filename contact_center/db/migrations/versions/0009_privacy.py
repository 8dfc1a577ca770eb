"""Citizens' personal data: change ids for the incremental APIs, calls taken by hand

- `change_xid` on calls, call_registrations, callbacks and conversations:
  the 64-bit id (xid8, stored as bigint so BRIN can index it) of the
  transaction that last wrote the row (a column default on
  INSERT, a trigger on UPDATE, so every writer marks its changes without
  knowing about the APIs). The read APIs serve changes only below
  `pg_snapshot_xmin(pg_current_snapshot())`, which no transaction still in
  progress can fall under: a warehouse polling with the cursor never skips a
  row, whatever order transactions commit in. On calls the index is BRIN (it
  keeps the PBX ingest's HOT updates possible); elsewhere a btree.
- `calls.taken_by`: the agent who took a call no extension answered (issue 13's
  ownership rule: explicit, audited).
- `callbacks.phone` and `call_registrations.phone` widened to 64 characters:
  retention writes the number's keyed hash there (`ph:` + 32 hex digits).
  Widening a varchar rewrites nothing.

Revision ID: 0009
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

TRACKED = ("calls", "call_registrations", "callbacks", "conversations")


def upgrade() -> None:
    for table in ("callbacks", "call_registrations"):
        op.alter_column(table, "phone", type_=sa.String(64), existing_type=sa.String(32))
    op.add_column("calls", sa.Column("taken_by", sa.Integer(), sa.ForeignKey("users.id", name="fk_calls_taken_by_users"),
                                     nullable=True))
    op.execute("""
        CREATE FUNCTION cc142_touch_change_xid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.change_xid := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END $$
    """)
    for table in TRACKED:
        # Existing rows: one id below every future transaction's.
        op.execute(f"ALTER TABLE {table} ADD COLUMN change_xid bigint NOT NULL DEFAULT 1")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN change_xid SET DEFAULT pg_current_xact_id()::text::bigint")
        op.execute(
            f"CREATE TRIGGER trg_{table}_change_xid BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION cc142_touch_change_xid()"
        )
    op.execute("CREATE INDEX ix_calls_change_xid_brin ON calls USING brin (change_xid) WITH (autosummarize = on)")
    for table in TRACKED[1:]:
        op.execute(f"CREATE INDEX ix_{table}_change_xid ON {table} (change_xid, id)")


def downgrade() -> None:
    for table in TRACKED:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_change_xid ON {table}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN change_xid")
    op.execute("DROP FUNCTION IF EXISTS cc142_touch_change_xid()")
    op.drop_column("calls", "taken_by")
    for table in ("callbacks", "call_registrations"):
        op.alter_column(table, "phone", type_=sa.String(32), existing_type=sa.String(64))
