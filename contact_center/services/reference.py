"""Reference lists for forms and labels (directions, call types, outcomes, districts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import CallType, Channel, Direction, District, Outcome

KINDS = {
    "directions": Direction,
    "call_types": CallType,
    "outcomes": Outcome,
    "districts": District,
    "channels": Channel,
}


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: str
    active: bool
    group: str = ""  # districts: "baku" | "region"


@dataclass(frozen=True)
class Choices:
    """Everything a registration form or filter needs, read in one go."""

    directions: list[Option]
    call_types: list[Option]
    outcomes: list[Option]
    districts: list[Option]

    def label(self, kind: str, code: str | None) -> str:
        if code is None:
            return "—"
        for option in getattr(self, kind):
            if option.code == code:
                return option.label
        return code

    def active_codes(self, kind: str) -> set[str]:
        return {o.code for o in getattr(self, kind) if o.active}

    @property
    def baku_districts(self) -> list[Option]:
        return [d for d in self.districts if d.group == "baku"]

    @property
    def region_districts(self) -> list[Option]:
        return [d for d in self.districts if d.group != "baku"]


async def _options(session: AsyncSession, model: type) -> list[Option]:
    rows = await session.execute(
        select(model.code, model.label, model.active).order_by(model.sort_order, model.label)  # type: ignore[attr-defined]
    )
    return [Option(code, label, active) for code, label, active in rows]


async def choices(session: AsyncSession) -> Choices:
    districts = await session.execute(
        select(District.code, District.label, District.active, District.area).order_by(
            District.area, District.sort_order, District.label
        )
    )
    return Choices(
        directions=await _options(session, Direction),
        call_types=await _options(session, CallType),
        outcomes=await _options(session, Outcome),
        districts=[Option(c, label, a, area) for c, label, a, area in districts],
    )
