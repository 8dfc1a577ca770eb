"""Reference data: seeded by the first migration, edited by admins later."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
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


class PauseReason(_Coded, Base):
    """Why an agent pauses (lunch, training, ...): admins edit the list."""

    __tablename__ = "pause_reasons"


REFERENCE_MODELS = (Direction, CallType, Outcome, Channel, District, PauseReason)
