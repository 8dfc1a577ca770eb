"""Reference data: seeded by the first migration, edited by admins later."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contact_center.db.base import Base


class _Coded:
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Direction(_Coded, Base):
    """Service direction (xidmət istiqaməti): the area a request belongs to."""

    __tablename__ = "directions"
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class CallType(_Coded, Base):
    __tablename__ = "call_types"


class Outcome(_Coded, Base):
    """How a request was closed (cavablandırma növü)."""

    __tablename__ = "outcomes"


class Channel(_Coded, Base):
    __tablename__ = "channels"


class District(_Coded, Base):
    __tablename__ = "districts"
    short_name: Mapped[str] = mapped_column(String(100), nullable=False)
    # "baku" or "region": the seeds report the Baku / regions split.
    area: Mapped[str] = mapped_column(String(10), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # baku_district | city | rayon
    economic_region: Mapped[str] = mapped_column(String(60), nullable=False)


class Holiday(Base):
    """A public holiday that is a day off (Labour Code art. 105). Days off moved
    from a weekend are not stored: contact_center/reference/calendar.py derives them."""

    __tablename__ = "holidays"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # fixed: the Code's dates (seeded); movable: Ramazan, Qurban, Novruz as announced; extra: any other day off
    kind: Mapped[str] = mapped_column(String(10), nullable=False)


# The coded lists (code, label, sort order, active); holidays are seeded too but dated.
class PauseReason(_Coded, Base):
    """Why an agent pauses (lunch, training, ...): admins edit the list."""

    __tablename__ = "pause_reasons"


REFERENCE_MODELS = (Direction, CallType, Outcome, Channel, District, PauseReason)
