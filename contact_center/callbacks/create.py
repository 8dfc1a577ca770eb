"""Creating callbacks (geri zəng) from any channel: the public form and API
(checked field by field, rate-limited), the chat bot, an agent.

At most one callback per phone number is open at a time (a partial unique
index); a new request for a number that already waits adds what it knows
to the open one instead of queueing the citizen twice:

    result = await create_callback(session, settings, phone="050 123 45 67", source="bot",
                                   district="baku_nesimi", direction="employment")
    result.id, result.due_at, result.created   # created=False: one was already open

Abandoned calls get theirs on the PBX ingest path (contact_center.callbacks.abandoned).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.callbacks.working_hours import due_time
from contact_center.config import Settings
from contact_center.db.models import Callback, Direction, District
from contact_center.db.models.callbacks import CALLBACK_SOURCES
from contact_center.events import callback_created, publish
from contact_center.ratelimit import Limit, hit
from contact_center.reference.calendar import days_off_from
from contact_center.text import normalize_phone

MAX_NAME = 200
MAX_PREFERRED = 100
MAX_NOTE = 2000


# --- input ------------------------------------------------------------------------------
class CallbackInputError(ValueError):
    """Bad request data; `field` names it, `message` in English, `message_az` for citizens."""

    def __init__(self, field: str, message: str, message_az: str):
        super().__init__(message)
        self.field = field
        self.message = message
        self.message_az = message_az


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    phone: str
    citizen_name: str | None = None
    district: str | None = None
    direction: str | None = None
    preferred_time: str | None = None
    note: str = ""


def _optional_text(payload: Mapping[str, Any], name: str, limit: int, label_az: str) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CallbackInputError(name, f"'{name}' must be a string", f"{label_az} düzgün deyil.")
    if "\x00" in value:  # PostgreSQL text cannot hold it
        raise CallbackInputError(name, f"'{name}' contains a NUL character", f"{label_az} düzgün deyil.")
    value = " ".join(value.split()) if name != "note" else value.strip()
    if len(value) > limit:
        raise CallbackInputError(
            name, f"'{name}' is longer than {limit} characters", f"{label_az} {limit} simvoldan uzun ola bilməz."
        )
    return value or None


async def check_callback_request(session: AsyncSession, payload: Any) -> CallbackRequest:
    """Validate a request (JSON object or form); raises CallbackInputError naming the field."""
    if not isinstance(payload, Mapping):
        raise CallbackInputError("body", "the body must be a JSON object", "Sorğu düzgün deyil.")
    raw_phone = payload.get("phone")
    if isinstance(raw_phone, int) and not isinstance(raw_phone, bool):
        raw_phone = str(raw_phone)
    if not isinstance(raw_phone, str) or not raw_phone.strip():
        raise CallbackInputError("phone", "'phone' is required", "Telefon nömrənizi yazın.")
    phone = normalize_phone(raw_phone)
    if phone is None:
        raise CallbackInputError(
            "phone",
            "'phone' must be an Azerbaijani number: +994XXXXXXXXX, 0XXXXXXXXX or XXXXXXXXX",
            "Telefon nömrəsi düzgün deyil. Məsələn: 050 123 45 67 və ya +994 50 123 45 67.",
        )
    name = _optional_text(payload, "name", MAX_NAME, "Ad")
    preferred = _optional_text(payload, "preferred_time", MAX_PREFERRED, "Üstünlük verdiyiniz vaxt")
    note = _optional_text(payload, "note", MAX_NOTE, "Qeyd") or ""
    district = _optional_text(payload, "district", 40, "Rayon")
    direction = _optional_text(payload, "direction", 40, "İstiqamət")
    await _check_codes(session, district, direction)
    return CallbackRequest(phone, name, district, direction, preferred, note)


async def _check_codes(session: AsyncSession, district: str | None, direction: str | None) -> None:
    if district is not None:
        ok = await session.scalar(select(District.code).where(District.code == district, District.active.is_(True)))
        if ok is None:
            raise CallbackInputError("district", f"unknown district {district!r}", "Rayonu siyahıdan seçin.")
    if direction is not None:
        ok = await session.scalar(
            select(Direction.code).where(Direction.code == direction, Direction.active.is_(True))
        )
        if ok is None:
            raise CallbackInputError("direction", f"unknown direction {direction!r}", "İstiqaməti siyahıdan seçin.")


def rate_limits(settings: Settings) -> tuple[Limit, Limit]:
    """Public callback requests: per client per hour, per phone per day (shared by all processes)."""
    return (
        Limit("callback-ip", settings.callback_rate_per_ip, timedelta(hours=1)),
        Limit("callback-phone", settings.callback_rate_per_phone, timedelta(days=1)),
    )


@dataclass(frozen=True, slots=True)
class CallbackLimited:
    what: str  # "client" (the address, or the chat contact) or "phone"
    retry_after_seconds: int


async def count_callback_request(
    session: AsyncSession, settings: Settings, *, client: str | None = None, phone: str | None = None
) -> CallbackLimited | None:
    """The one limiter of every way a citizen creates a callback (the API, the form,
    the bot): counts the request by `client` (the address; for the bot, the chat
    contact) and/or by `phone` (normalised here, so every spelling counts as one);
    a CallbackLimited when one is over its limit. Count before the work, in its
    own short transaction (refused requests count too)."""
    client_limit, phone_limit = rate_limits(settings)
    if client is not None:
        verdict = await hit(session, client_limit, client)
        if not verdict.allowed:
            return CallbackLimited("client", verdict.retry_after_seconds)
    if phone is not None:
        verdict = await hit(session, phone_limit, normalize_phone(phone) or phone)
        if not verdict.allowed:
            return CallbackLimited("phone", verdict.retry_after_seconds)
    return None


# --- creating -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CallbackCreated:
    id: int
    due_at: datetime
    created: bool  # False: the number already had an open callback (now enriched)


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
    note: str = "",
    conversation_id: int | None = None,
    abandoned_call_id: int | None = None,
    now: datetime | None = None,
) -> CallbackCreated:
    """Queue a callback (or add to the one already open for this number).

    `phone` may be in any form normalize_phone accepts; a bad number or an
    unknown (or inactive) district or direction code raises CallbackInputError.
    """
    if source not in CALLBACK_SOURCES:
        raise ValueError(f"unknown callback source {source!r}")
    normalized = normalize_phone(phone)
    if normalized is None:
        raise CallbackInputError("phone", "'phone' must be an Azerbaijani number", "Telefon nömrəsi düzgün deyil.")
    await _check_codes(session, district, direction)
    now = now or datetime.now(UTC)
    table = Callback.__table__
    statement = pg_insert(Callback).values(
        phone=normalized, citizen_name=citizen_name, district=district, direction=direction,
        preferred_time=preferred_time, note=note or "", source=source, status="open",
        due_at=due_time(now, settings, days_off=await days_off_from(session, now.astimezone(settings.tz).date())),
        attempts=0, conversation_id=conversation_id,
        abandoned_call_id=abandoned_call_id, created_at=now,
    )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.phone],
        # A literal predicate: with bound parameters PostgreSQL's generic plan
        # (used after five executions) cannot match the partial unique index.
        index_where=text("status IN ('open','claimed')"),
        set_={
            "citizen_name": func.coalesce(table.c.citizen_name, excluded.citizen_name),
            "district": func.coalesce(table.c.district, excluded.district),
            "direction": func.coalesce(table.c.direction, excluded.direction),
            "preferred_time": func.coalesce(excluded.preferred_time, table.c.preferred_time),
            "note": func.concat_ws("\n", func.nullif(table.c.note, ""), func.nullif(excluded.note, "")),
            "conversation_id": func.coalesce(table.c.conversation_id, excluded.conversation_id),
        },
    ).returning(table.c.id, table.c.due_at, literal_column("xmax = 0"))  # xmax 0: a fresh row
    new_id, due_at, created = (await session.execute(statement)).one()
    if created:
        await publish(session, callback_created(new_id, source, due_at))
    return CallbackCreated(new_id, due_at, bool(created))
