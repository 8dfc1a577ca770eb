"""Call registration (wrap-up): check, create, edit with an audit trail, the
change history.

A registration says what a conversation was about (service direction, type,
district) and how it ended (outcome). It is linked to the PBX call record,
to a callback that reached the citizen, or stands alone for calls the PBX
did not report (outbound, PBX down). Every create and edit writes a
registration_changes row with the values before and after. Lists and
searches: contact_center.calls.registration_search.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.accounts import CurrentUser
from contact_center.accounts.agent_states import AgentEventIn, event_id_for, record_agent_events
from contact_center.audit import Actor, changes, record
from contact_center.db.models import Call, Callback, CallbackAttempt, CallRegistration, RegistrationChange, User
from contact_center.events import callback_changed, publish, registration_created
from contact_center.privacy import access
from contact_center.reference.lists import Choices
from contact_center.text import normalize_phone
from contact_center.timeutil import local_date

MAX_NAME = 200
MAX_NOTE = 4000
# Fields an agent fills in; the audit trail records exactly these.
AUDITED = ("phone", "citizen_name", "direction", "call_type", "district", "outcome", "note")
# Of those, the citizen's own data: the audit trail names them, never holds their values.
PERSONAL = ("phone", "citizen_name", "note")
FIELD_LABELS = {
    "phone": "Telefon",
    "citizen_name": "Vətəndaşın adı",
    "direction": "İstiqamət",
    "call_type": "Müraciətin növü",
    "district": "Rayon",
    "outcome": "Nəticə",
    "note": "Qeyd",
}


class RegistrationError(Exception):
    """A registration that cannot be made or changed; `message` is Azerbaijani."""

    def __init__(self, message: str, *, code: str = "invalid", existing_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.existing_id = existing_id


@dataclass(frozen=True, slots=True)
class RegistrationInput:
    direction: str
    call_type: str
    district: str
    outcome: str
    phone: str | None = None
    citizen_name: str | None = None
    note: str = ""


def check_registration(
    form: Mapping[str, Any], choices: Choices, *, phone_required: bool
) -> tuple[RegistrationInput | None, dict[str, str]]:
    """Validate a submitted form; errors map field -> Azerbaijani message."""
    errors: dict[str, str] = {}

    def pick(name: str, kind: str, missing: str) -> str:
        value = str(form.get(name) or "").strip()
        if not value:
            errors[name] = missing
        elif value not in choices.active_codes(kind):
            errors[name] = "Seçilmiş dəyər siyahıda yoxdur. Siyahıdan seçin."
        return value

    direction = pick("direction", "directions", "İstiqaməti seçin.")
    call_type = pick("call_type", "call_types", "Müraciətin növünü seçin.")
    district = pick("district", "districts", "Rayonu seçin.")
    outcome = pick("outcome", "outcomes", "Nəticəni seçin.")

    raw_phone = str(form.get("phone") or "").strip()
    phone = None
    if raw_phone:
        phone = normalize_phone(raw_phone)
        if phone is None:
            errors["phone"] = "Telefon nömrəsi düzgün deyil. Məsələn: +994 50 123 45 67 və ya 050 123 45 67."
    elif phone_required:
        errors["phone"] = "Vətəndaşın telefon nömrəsini yazın."

    name = " ".join(str(form.get("citizen_name") or "").split())
    if len(name) > MAX_NAME:
        errors["citizen_name"] = f"Ad {MAX_NAME} simvoldan uzun ola bilməz."
    note = str(form.get("note") or "").strip().replace("\r\n", "\n")
    if len(note) > MAX_NOTE:
        errors["note"] = f"Qeyd {MAX_NOTE} simvoldan uzun ola bilməz (indi {len(note)})."
    if errors:
        return None, errors
    return RegistrationInput(direction, call_type, district, outcome, phone, name or None, note), {}


def _snapshot(reg: CallRegistration) -> dict[str, Any]:
    return {name: getattr(reg, name) for name in AUDITED}


def _is_supervisor(user: CurrentUser) -> bool:
    return user.role in ("supervisor", "admin")


def edit_deadline(created_at: datetime, tz: ZoneInfo) -> datetime:
    """Agents may change a registration until the end of the local day it was made."""
    day = local_date(created_at, tz)
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)


def may_edit(user: CurrentUser, agent_id: int, created_at: datetime, tz: ZoneInfo, now: datetime | None = None) -> bool:
    if _is_supervisor(user):
        return True
    now = now or datetime.now(UTC)
    return user.id == agent_id and now < edit_deadline(created_at, tz)


async def _audit(
    session: AsyncSession, registration_id: int, user: CurrentUser, before: dict[str, Any] | None,
    after: dict[str, Any], address: str | None,
) -> None:
    """The registration's own visible history, and the same change in the audit trail
    (there only the names of the personal fields that changed)."""
    session.add(RegistrationChange(registration_id=registration_id, user_id=user.id, before=before, after=after))
    await record(
        session, Actor.user(user.id, user.username),
        "registration_created" if before is None else "registration_changed",
        object_type="registration", object_id=registration_id,
        details=changes(before or {}, after, PERSONAL), address=address,
    )


async def register_call(
    session: AsyncSession,
    user: CurrentUser,
    data: RegistrationInput,
    *,
    call_id: int | None = None,
    callback_id: int | None = None,
    now: datetime | None = None,
    address: str | None = None,
) -> int:
    """Create a registration; returns its id. Raises RegistrationError."""
    now = now or datetime.now(UTC)
    occurred_at = now
    phone = data.phone
    channel = "phone"
    callback: Callback | None = None
    if call_id is not None:
        call = await session.get(Call, call_id)
        if call is None:
            raise RegistrationError("Zəng tapılmadı.", code="not_found")
        if not access.may_open_call(user, call.agent, call.taken_by):
            raise RegistrationError("Bu zəng sizin daxili nömrənizdə cavablandırılmayıb.", code="forbidden")
        occurred_at = call.answered_at or call.enqueued_at or now
        phone = phone or normalize_phone(call.caller or "") or call.caller
    if callback_id is not None:
        callback = await session.get(Callback, callback_id, with_for_update=True)
        if callback is None:
            raise RegistrationError("Geri zəng sorğusu tapılmadı.", code="not_found")
        if callback.status != "claimed" or (callback.claimed_by != user.id and not _is_supervisor(user)):
            raise RegistrationError(
                "Bu geri zəngi əvvəlcə özünüzə götürün (başqası götürüb və ya artıq bağlanıb).",
                code="conflict",
            )
        channel = "callback"
        phone = phone or callback.phone

    values = asdict(data) | {
        "phone": phone,
        "call_id": call_id,
        "channel": channel,
        "agent_id": user.id,
        "occurred_at": occurred_at,
        "created_at": now,
        "updated_at": now,
    }
    statement = pg_insert(CallRegistration).values(**values)
    if call_id is not None:
        # Two agents (or two tabs) registering one call: the first wins, cleanly.
        statement = statement.on_conflict_do_nothing(index_elements=["call_id"])
    new_id = (await session.execute(statement.returning(CallRegistration.id))).scalar_one_or_none()
    if new_id is None:
        existing = (
            await session.execute(select(CallRegistration.id).where(CallRegistration.call_id == call_id))
        ).scalar_one()
        raise RegistrationError("Bu zəng artıq qeydiyyatdan keçib.", code="duplicate", existing_id=existing)

    await _audit(session, new_id, user, None, {name: values[name] for name in AUDITED}, address)
    if callback is not None:
        session.add(CallbackAttempt(callback_id=callback.id, agent_id=user.id, result="reached", note="", at=now))
        callback.attempts += 1
        callback.status = "reached"
        callback.closed_at = now
        callback.registration_id = new_id
        await publish(session, callback_changed(callback.id, "reached"))
    await publish(session, registration_created(new_id, call_id, user.id))
    if call_id is not None and call.agent:
        # Saving the registration ends the wrap-up of that call (docs/stats.md, agent states).
        await record_agent_events(session, [AgentEventIn(
            event_id_for("registered", new_id), call.agent, "wrap_up_end", now, "console", call_id=call.pbx_call_id,
        )])
    await session.flush()
    return new_id


async def take_call(session: AsyncSession, user: CurrentUser, call_id: int, *, address: str | None = None) -> bool:
    """An agent takes a call no extension answered (issue 13: explicitly, audited
    `call_taken`); False when someone answered or took it already."""
    taken = (await session.execute(
        update(Call).where(Call.id == call_id, Call.agent.is_(None), Call.taken_by.is_(None))
        .values(taken_by=user.id).returning(Call.id)
    )).scalar_one_or_none()
    if taken is not None:
        await record(session, Actor.user(user.id, user.username), "call_taken", object_type="call",
                     object_id=call_id, address=address)
    return taken is not None


async def update_registration(
    session: AsyncSession,
    user: CurrentUser,
    registration_id: int,
    data: RegistrationInput,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
    address: str | None = None,
) -> bool:
    """Apply an edit; returns False when nothing changed. Raises RegistrationError."""
    now = now or datetime.now(UTC)
    reg = await session.get(CallRegistration, registration_id, with_for_update=True)
    if reg is None:
        raise RegistrationError("Qeydiyyat tapılmadı.", code="not_found")
    if not may_edit(user, reg.agent_id, reg.created_at, tz, now):
        raise RegistrationError(
            "Bu qeydiyyatı artıq dəyişmək olmaz: operator öz qeydiyyatını yalnız həmin gün "
            "bitənədək dəyişə bilər. Dəyişiklik lazımdırsa, supervayzerə müraciət edin.",
            code="edit_closed",
        )
    before = _snapshot(reg)
    for name in AUDITED:
        value = getattr(data, name)
        if name == "phone" and value is None:
            value = reg.phone  # an empty phone field keeps the number the call came from
        setattr(reg, name, value)
    after = _snapshot(reg)
    if after == before:
        return False
    reg.updated_at = now
    await _audit(session, reg.id, user, before, after, address)
    await session.flush()
    return True


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    user_name: str
    created: bool
    fields: list[tuple[str, Any, Any]]  # (field, before, after) of what changed


async def history(session: AsyncSession, registration_id: int) -> list[Change]:
    rows = await session.execute(
        select(RegistrationChange.at, User.display_name,
               RegistrationChange.before, RegistrationChange.after)
        .join(User, User.id == RegistrationChange.user_id)
        .where(RegistrationChange.registration_id == registration_id)
        .order_by(RegistrationChange.at, RegistrationChange.id)
    )
    out = []
    for at, name, before, after in rows:
        if before is None:
            fields = [(k, None, after.get(k)) for k in AUDITED if after.get(k) not in (None, "")]
        else:
            fields = [(k, before.get(k), after.get(k)) for k in AUDITED if before.get(k) != after.get(k)]
        out.append(Change(at, name, before is None, fields))
    return out
