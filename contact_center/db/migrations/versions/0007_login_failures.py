"""Sign-in throttling that cannot be turned against a user; anonymous actors in the trail

- `login_failures`: one row per failed sign-in, keyed by a keyed hash of the
  name as typed (never the name itself: the table would otherwise collect
  typos and passwords typed into the name field) and the client's address.
  Counting by (name, address) slows down one guesser without touching the
  real user at another address; counting by address limits a spray; counting
  distinct addresses per name decides the (rare) account lock.
- `login_locks`: a name locked because its failures came from many addresses.
  Kept by name hash for known and unknown names alike, so a lock says nothing
  about whether the name exists.
- `audit_log.actor_kind` also allows `anonymous` (a failed sign-in has no
  user behind it).

Revision ID: 0007
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_login_failures_name", "login_failures", ["name_key", "at"])
    op.create_index("ix_login_failures_address", "login_failures", ["address", "at"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])
    op.create_table(
        "login_locks",
        sa.Column("name_key", sa.String(length=64), primary_key=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute("ALTER TABLE audit_log DROP CONSTRAINT ck_audit_log_actor_kind")
    op.execute("ALTER TABLE audit_log ADD CONSTRAINT ck_audit_log_actor_kind "
               "CHECK (actor_kind IN ('user', 'system', 'api-token', 'anonymous'))")


def downgrade() -> None:
    op.execute("ALTER TABLE audit_log DROP CONSTRAINT ck_audit_log_actor_kind")
    op.execute("ALTER TABLE audit_log ADD CONSTRAINT ck_audit_log_actor_kind "
               "CHECK (actor_kind IN ('user', 'system', 'api-token'))")
    op.drop_table("login_locks")
    op.drop_table("login_failures")
