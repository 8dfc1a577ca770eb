"""Public holidays: the calendar of days off that callback due times (and the
staffing page) count around.

Seeds the Labour Code's fixed holidays for 2026 and 2027 and Novruz (20-24
March, "movable": admins confirm it against the Cabinet's announcement and
enter Ramazan and Qurban). Days moved off a weekend are derived, not stored
(contact_center/reference/calendar.py).

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Copied, not imported: a migration must not change when the code does.
FIXED = (
    (1, 1, "Yeni il bayramı"), (1, 2, "Yeni il bayramı"),
    (3, 8, "Qadınlar günü"),
    (5, 9, "Faşizm üzərində qələbə günü"),
    (5, 28, "Müstəqillik günü"),
    (6, 15, "Azərbaycan xalqının milli qurtuluş günü"),
    (6, 26, "Azərbaycan Respublikasının Silahlı Qüvvələri günü"),
    (11, 8, "Zəfər günü"),
    (11, 9, "Azərbaycan Respublikasının Dövlət bayrağı günü"),
    (12, 31, "Dünya azərbaycanlılarının həmrəyliyi günü"),
)
NOVRUZ = tuple((3, d, "Novruz bayramı") for d in range(20, 25))


def upgrade() -> None:
    table = op.create_table(
        "holidays",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.CheckConstraint("kind IN ('fixed', 'movable', 'extra')", name="ck_holidays_kind"),
    )
    rows = [{"day": date(y, m, d), "name": name, "kind": "fixed"} for y in (2026, 2027) for m, d, name in FIXED]
    rows += [{"day": date(y, m, d), "name": name, "kind": "movable"} for y in (2026, 2027) for m, d, name in NOVRUZ]
    op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("holidays")
