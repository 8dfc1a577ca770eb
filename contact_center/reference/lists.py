"""Reference lists for forms and labels (directions, call types, outcomes, districts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center import audit
from contact_center.audit import SYSTEM, Actor
from contact_center.db.models import CallType, Channel, Direction, District, Outcome, PauseReason

KINDS = {
    "directions": Direction,
    "call_types": CallType,
    "outcomes": Outcome,
    "districts": District,
    "channels": Channel,
    "pause_reasons": PauseReason,
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


async def active_districts(session: AsyncSession) -> list[dict[str, str]]:
    """The districts a citizen may name (the admins' list, active only), for the bot's
    callback form: code, label (the official name), short name, kind, area."""
    rows = await session.execute(
        select(District.code, District.label, District.short_name, District.kind, District.area)
        .where(District.active.is_(True))
        .order_by(District.area, District.sort_order, District.label)
    )
    return [{"code": c, "label": label, "short_name": short, "kind": kind, "area": area}
            for c, label, short, kind, area in rows]


# --- admin editing -----------------------------------------------------------------------
EDITABLE_KINDS = {
    "directions": "İstiqamətlər",
    "call_types": "Müraciət növləri",
    "outcomes": "Nəticələr",
    "districts": "Rayonlar",
    "pause_reasons": "Fasilə səbəbləri",
}


@dataclass(frozen=True, slots=True)
class ReferenceItem:
    code: str
    label: str
    sort_order: int
    active: bool


async def items(session: AsyncSession, kind: str) -> list[ReferenceItem]:
    model = KINDS[kind]
    rows = await session.execute(
        select(model.code, model.label, model.sort_order, model.active).order_by(model.sort_order, model.code)  # type: ignore[attr-defined]
    )
    return [ReferenceItem(*r) for r in rows]


async def update_item(
    session: AsyncSession, kind: str, code: str, *, label: str, sort_order: str, active: bool,
    actor: Actor = SYSTEM, address: str | None = None,
) -> dict[str, str]:
    """Change a label, order or active flag (codes never change: statistics key on them);
    audited as `reference_changed` with before/after when anything changed.

    Returns errors (field -> Azerbaijani message); empty when saved.
    """
    model = KINDS.get(kind)
    if model is None or kind not in EDITABLE_KINDS:
        return {"kind": "Belə siyahı yoxdur."}
    errors: dict[str, str] = {}
    label = " ".join(label.split())
    if not label:
        errors["label"] = "Adı boş qoymaq olmaz."
    elif len(label) > 200:
        errors["label"] = "Ad 200 simvoldan uzun ola bilməz."
    try:
        order = int(sort_order)
        if not -10000 <= order <= 10000:
            raise ValueError
    except ValueError:
        errors["sort_order"] = "Sıra nömrəsi tam ədəd olmalıdır (-10000 ilə 10000 arası)."
    if errors:
        return errors
    item = await session.get(model, code, with_for_update=True)
    if item is None:
        return {"code": "Belə kod yoxdur."}
    before = {"label": item.label, "sort_order": item.sort_order, "active": item.active}  # type: ignore[attr-defined]
    item.label, item.sort_order, item.active = label, order, active  # type: ignore[attr-defined]
    await session.flush()
    details = audit.changes(before, {"label": label, "sort_order": order, "active": active})
    if details["changed"]:
        await audit.record(session, actor, "reference_changed", object_type=kind, object_id=code,
                           details=details, address=address)
    return {}
