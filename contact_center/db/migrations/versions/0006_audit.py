"""The audit trail: append-only audit_log

A trigger refuses every UPDATE and DELETE (the embedded database connects as
a superuser, so privileges alone would not bind). The one exception is the
retention purge, which goes through `audit_purge(keep_days)`: it marks the
transaction with the cut-off it may delete below, and the trigger lets a
DELETE through only for rows older than that mark. TRUNCATE (the test
suite's cleanup) fires no row trigger.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_GUARD = ("""
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff text := current_setting('cc142.audit_purge_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND cutoff <> ''
       AND OLD.at < cutoff::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$
""", """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
""", """
CREATE FUNCTION audit_purge(keep_days integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    removed bigint;
BEGIN
    IF keep_days IS NULL OR keep_days < 1 THEN
        RAISE EXCEPTION 'audit_purge: keep_days must be at least 1';
    END IF;
    PERFORM set_config('cc142.audit_purge_before',
                       (now() - make_interval(days => keep_days))::text, true);
    DELETE FROM audit_log WHERE at < now() - make_interval(days => keep_days);
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('cc142.audit_purge_before', '', true);
    RETURN removed;
END $$
""")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=80), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  server_default=sa.text("'{}'::jsonb")),
        sa.CheckConstraint("actor_kind IN ('user', 'system', 'api-token')", name=op.f("ck_audit_log_actor_kind")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_id", "at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action", "at"])
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id", "at"])
    for statement in _GUARD:  # asyncpg runs one statement at a time
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS audit_purge(integer)")
    op.drop_table("audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
