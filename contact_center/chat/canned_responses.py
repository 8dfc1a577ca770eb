"""Canned responses (hazır cavablar) agents insert into chat replies; admins edit them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center import audit
from contact_center.audit import SYSTEM, Actor
from contact_center.db.models import CannedResponse

MAX_TITLE = 200
MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class Canned:
    id: int
    title: str
    text: str
    active: bool


def check(title: str, text: str) -> tuple[str, str, dict[str, str]]:
    title = " ".join(title.split())
    text = text.strip().replace("\r\n", "\n")
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Başlığı yazın."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Başlıq {MAX_TITLE} simvoldan uzun ola bilməz."
    if not text:
        errors["text"] = "Cavabın mətnini yazın."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"Mətn {MAX_TEXT} simvoldan uzun ola bilməz."
    return title, text, errors


async def list_canned(session: AsyncSession, *, active_only: bool = False) -> list[Canned]:
    query = select(CannedResponse.id, CannedResponse.title, CannedResponse.text, CannedResponse.active)
    if active_only:
        query = query.where(CannedResponse.active.is_(True))
    rows = await session.execute(query.order_by(CannedResponse.active.desc(), CannedResponse.title))
    return [Canned(*r) for r in rows]


async def create(
    session: AsyncSession, title: str, text: str, *, actor: Actor = SYSTEM, address: str | None = None
) -> tuple[int | None, dict[str, str]]:
    title, text, errors = check(title, text)
    if errors:
        return None, errors
    item = CannedResponse(title=title, text=text, active=True)
    session.add(item)
    await session.flush()
    await audit.record(session, actor, "canned_reply_changed", object_type="canned_reply", object_id=item.id,
                       details=audit.changes({}, _audited(item)), address=address)
    return item.id, {}


def _audited(item: CannedResponse) -> dict[str, object]:
    # A canned reply is the agency's own text, never a citizen's: kept before/after.
    return {"title": item.title, "text": item.text, "active": item.active}


async def update(
    session: AsyncSession, item_id: int, title: str, text: str, active: bool,
    *, actor: Actor = SYSTEM, address: str | None = None,
) -> dict[str, str] | None:
    """None when there is no such item; otherwise the errors (empty: saved)."""
    title, text, errors = check(title, text)
    item = await session.get(CannedResponse, item_id, with_for_update=True)
    if item is None:
        return None
    if errors:
        return errors
    before = _audited(item)
    item.title, item.text, item.active = title, text, active
    await session.flush()
    details = audit.changes(before, _audited(item))
    if details["changed"]:
        await audit.record(session, actor, "canned_reply_changed", object_type="canned_reply", object_id=item_id,
                           details=details, address=address)
    return {}
