"""TEMPORARY SHIM (chat branch) - drop when branch `console` is merged.

Stands in for `contact_center.services.callbacks.create_callback` (owned by
the console work) with the agreed signature, so the bot's callback requests
can be stored before that module exists. `conversations` imports the real
module first and falls back to this one only when it is missing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.config import Settings
from contact_center.db.models import Callback
from contact_center.text import normalize_phone


async def create_callback(
    session: AsyncSession,
    settings: Settings,
    *,
    phone: str,
    source: str,
    citizen_name: str | None = None,
    district: str | None = None,
    direction: str | None = None,
    preferred_time: str | None = None,
    conversation_id: int | None = None,
) -> Callback:
    normalized = normalize_phone(phone)
    if normalized is None:
        raise ValueError(f"invalid phone number {phone!r}")
    due = datetime.now(UTC) + timedelta(minutes=settings.callback_sla_minutes)
    stmt = (
        pg_insert(Callback)
        .values(phone=normalized, citizen_name=citizen_name, district=district, direction=direction,
                preferred_time=preferred_time, source=source, due_at=due, conversation_id=conversation_id,
                status="open", note="", attempts=0)
        .on_conflict_do_nothing(index_elements=["phone"], index_where=Callback.status.in_(("open", "claimed")))
        .returning(Callback)
    )
    created = (await session.scalars(stmt)).one_or_none()
    if created is not None:
        return created
    # One open callback per number: the citizen is already in the queue.
    return (await session.scalars(
        select(Callback).where(Callback.phone == normalized, Callback.status.in_(("open", "claimed")))
    )).one()
