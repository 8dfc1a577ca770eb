"""Call registration (wrap-up): check, create, edit with an audit trail, list.

A registration says what a conversation was about (service direction, type,
district) and how it ended (outcome). It is linked to the PBX call record,
to a callback that reached the citizen, or stands alone for calls the PBX
did not report (outbound, PBX down). Every create and edit writes a
registration_changes row with the values before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, false, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contact_center.db.models import (
    Call,
    Callback,
    CallbackAttempt,
    CallRegistration,
    District,
    RegistrationChange,
    User,
)
from contact_center.events import callback_changed, publish, registration_created
from contact_center.accounts.auth import CurrentUser
from contact_center.reference.lists import Choices
from contact_center.paging import Page, page_number, page_of
from contact_center.text import normalize_phone
from contact_center.timeutil import local_date, local_range

MAX_NAME = 200
MAX_NOTE = 4000
# Fields an agent fills in; the audit trail records exactly these.
AUDITED = ("phone", "citizen_name", "direction", "call_type", "district", "outcome", "note")
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
    session: AsyncSession, registration_id: int, user_id: int, before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    session.add(RegistrationChange(registration_id=registration_id, user_id=user_id, before=before, after=after))


async def register_call(
    session: AsyncSession,
    user: CurrentUser,
    data: RegistrationInput,
    *,
    call_id: int | None = None,
    callback_id: int | None = None,
    now: datetime | None = None,
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
        if not _is_supervisor(user) and call.agent and call.agent != user.extension:
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

    await _audit(session, new_id, user.id, None, {name: values[name] for name in AUDITED})
    if callback is not None:
        session.add(CallbackAttempt(callback_id=callback.id, agent_id=user.id, result="reached", note="", at=now))
        callback.attempts += 1
        callback.status = "reached"
        callback.closed_at = now
        callback.registration_id = new_id
        await publish(session, callback_changed(callback.id, "reached"))
    await publish(session, registration_created(new_id, call_id, user.id))
    await session.flush()
    return new_id


async def update_registration(
    session: AsyncSession,
    user: CurrentUser,
    registration_id: int,
    data: RegistrationInput,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
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
    await _audit(session, reg.id, user.id, before, after)
    await session.flush()
    return True


# --- reading -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RegistrationRow:
    id: int
    occurred_at: datetime
    created_at: datetime
    agent_id: int
    agent_name: str
    channel: str
    phone: str | None
    citizen_name: str | None
    direction: str
    call_type: str
    district: str
    outcome: str
    note: str
    call_id: int | None
    wait_seconds: float | None
    talk_seconds: float | None


_ROW_COLUMNS = (
    CallRegistration.id, CallRegistration.occurred_at, CallRegistration.created_at, CallRegistration.agent_id,
    func.coalesce(func.nullif(User.full_name, ""), User.username), CallRegistration.channel,
    CallRegistration.phone, CallRegistration.citizen_name, CallRegistration.direction,
    CallRegistration.call_type, CallRegistration.district, CallRegistration.outcome, CallRegistration.note,
    CallRegistration.call_id, Call.wait_seconds, Call.talk_seconds,
)


def _rows_query() -> Select[Any]:
    return (
        select(*_ROW_COLUMNS)
        .join(User, User.id == CallRegistration.agent_id)
        .outerjoin(Call, Call.id == CallRegistration.call_id)
    )


@dataclass
class Filters:
    date_from: date
    date_to: date
    agent_id: int | None = None
    direction: str | None = None
    district: str | None = None
    outcome: str | None = None
    phone: str | None = None  # full number or its last digits
    page: int = 1
    # The statistics' view (the dashboard's drill-down): `stats` counts a
    # registration on its call's queue day as the figures do (phone only), and
    # these match the figures' filters.
    stats: bool = False
    call_type: str | None = None
    area: str | None = None  # baku | region (the district's area)
    queue: str | None = None  # stats only: the call's queue
    extension: str | None = None  # stats only: the answering extension, else the registering agent's

    def query_args(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "agent": self.agent_id,
            "direction": self.direction, "district": self.district, "outcome": self.outcome,
            "phone": self.phone, "stats": "1" if self.stats else None, "call_type": self.call_type,
            "area": self.area, "queue": self.queue, "extension": self.extension,
        }


# A PBX call's registration happened when the call was answered (or entered the
# queue): never a day after it entered the queue. This bounds the stats-period
# rows on the indexed occurred_at before the exact test on the call.
QUEUE_TO_REGISTRATION = timedelta(days=1)


def _stats_period(start: datetime, end: datetime, filters: Filters) -> Any:
    """Registrations the call figures count in [start, end) (contact_center/stats/facts.py
    call_facts): of inbound calls that entered the queue then, and, on the day they
    happened, phone registrations without a queue record. The call is looked up per
    registration (EXISTS on its primary key): a steady plan, where a join lets the
    planner scan every call."""
    window = and_(CallRegistration.occurred_at >= start - QUEUE_TO_REGISTRATION,
                  CallRegistration.occurred_at < end + QUEUE_TO_REGISTRATION)
    in_period = and_(CallRegistration.occurred_at >= start, CallRegistration.occurred_at < end)
    call = aliased(Call)
    queued = and_(call.enqueued_at >= start, call.enqueued_at < end)
    if filters.queue is not None:
        queued = and_(queued, call.queue == filters.queue)
    if filters.extension is not None:
        queued = and_(queued, func.coalesce(call.agent, User.extension) == filters.extension)
    own = User.extension == filters.extension if filters.extension is not None else true()
    if filters.queue is not None:  # registrations without a queue record have no queue
        of_call = queued
        manual = false()
    else:
        of_call = or_(queued, and_(call.enqueued_at.is_(None), in_period, own))
        manual = and_(CallRegistration.call_id.is_(None), CallRegistration.channel == "phone", in_period, own)
    has_call = exists().where(call.id == CallRegistration.call_id, call.direction == "inbound", of_call)
    return and_(window, or_(manual, has_call))


async def list_registrations(
    session: AsyncSession, tz: ZoneInfo, filters: Filters, *, per_page: int = 50
) -> Page[RegistrationRow]:
    start, end = local_range(filters.date_from, filters.date_to, tz)
    if filters.stats:
        where = [_stats_period(start, end, filters)]
    else:
        where = [CallRegistration.occurred_at >= start, CallRegistration.occurred_at < end]
    if filters.agent_id is not None:
        where.append(CallRegistration.agent_id == filters.agent_id)
    for name in ("direction", "district", "outcome", "call_type"):
        value = getattr(filters, name)
        if value:
            where.append(getattr(CallRegistration, name) == value)
    if filters.area:
        where.append(CallRegistration.district.in_(select(District.code).where(District.area == filters.area)))
    if filters.phone:
        digits = "".join(ch for ch in filters.phone if ch.isdigit())
        full = normalize_phone(filters.phone)
        if full:
            where.append(CallRegistration.phone == full)
        elif digits:
            where.append(CallRegistration.phone.like(f"%{digits}"))
    total = (
        await session.execute(
            select(func.count()).select_from(CallRegistration).join(User, User.id == CallRegistration.agent_id)
            .where(*where)
        )
    ).scalar_one()
    page = page_number(filters.page)
    rows = await session.execute(page_of(
        _rows_query().where(*where).order_by(CallRegistration.occurred_at.desc(), CallRegistration.id.desc()),
        page, per_page))
    return Page([RegistrationRow(*r) for r in rows], total, page, per_page)


async def get_registration(session: AsyncSession, registration_id: int) -> RegistrationRow | None:
    row = (await session.execute(_rows_query().where(CallRegistration.id == registration_id))).one_or_none()
    return RegistrationRow(*row) if row else None


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    user_name: str
    created: bool
    fields: list[tuple[str, Any, Any]]  # (field, before, after) of what changed


async def history(session: AsyncSession, registration_id: int) -> list[Change]:
    rows = await session.execute(
        select(RegistrationChange.at, func.coalesce(func.nullif(User.full_name, ""), User.username),
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


# --- what the agent sees when a call comes in ----------------------------------------
@dataclass(frozen=True, slots=True)
class CallInfo:
    id: int
    caller: str | None
    phone: str | None  # normalised when possible
    agent: str | None
    status: str
    direction: str
    enqueued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    talk_seconds: float | None
    registration_id: int | None


@dataclass(frozen=True, slots=True)
class CallbackBrief:
    id: int
    status: str
    source: str
    created_at: datetime
    due_at: datetime
    attempts: int


@dataclass(frozen=True)
class CallerHistory:
    registrations: list[RegistrationRow]
    callbacks: list[CallbackBrief]


async def call_info(session: AsyncSession, call_id: int) -> CallInfo | None:
    row = (
        await session.execute(
            select(Call.id, Call.caller, Call.agent, Call.status, Call.direction, Call.enqueued_at,
                   Call.answered_at, Call.ended_at, Call.wait_seconds, Call.talk_seconds, CallRegistration.id)
            .outerjoin(CallRegistration, CallRegistration.call_id == Call.id)
            .where(Call.id == call_id)
        )
    ).one_or_none()
    if row is None:
        return None
    (cid, caller, agent, status, direction, enq, ans, end, wait, talk, reg_id) = row
    phone = normalize_phone(caller or "") or caller
    return CallInfo(cid, caller, phone, agent, status, direction, enq, ans, end, wait, talk, reg_id)


async def caller_history(
    session: AsyncSession, phone: str | None, *, exclude_call: int | None = None, limit: int = 5
) -> CallerHistory:
    """The caller's earlier registered calls and callbacks, newest first."""
    if not phone:
        return CallerHistory([], [])
    query = _rows_query().where(CallRegistration.phone == phone)
    if exclude_call is not None:
        query = query.where(or_(CallRegistration.call_id.is_(None), CallRegistration.call_id != exclude_call))
    regs = await session.execute(query.order_by(CallRegistration.occurred_at.desc()).limit(limit))
    cbs = await session.execute(
        select(Callback.id, Callback.status, Callback.source, Callback.created_at, Callback.due_at, Callback.attempts)
        .where(Callback.phone == phone)
        .order_by(Callback.created_at.desc())
        .limit(limit)
    )
    return CallerHistory([RegistrationRow(*r) for r in regs], [CallbackBrief(*r) for r in cbs])


async def recent_calls_for(
    session: AsyncSession, extension: str, *, hours: int = 12, limit: int = 20
) -> list[CallInfo]:
    """Calls answered on this extension lately, newest first, with their registration."""
    since = datetime.now(UTC) - timedelta(hours=hours)
    rows = await session.execute(
        select(Call.id, Call.caller, Call.agent, Call.status, Call.direction, Call.enqueued_at,
               Call.answered_at, Call.ended_at, Call.wait_seconds, Call.talk_seconds, CallRegistration.id)
        .outerjoin(CallRegistration, CallRegistration.call_id == Call.id)
        # enqueued_at is indexed; answered calls are always enqueued first.
        .where(Call.enqueued_at >= since, Call.agent == extension, Call.answered_at.is_not(None))
        .order_by(Call.answered_at.desc())
        .limit(limit)
    )
    out = []
    for (cid, caller, agent, status, direction, enq, ans, end, wait, talk, reg_id) in rows:
        phone = normalize_phone(caller or "") or caller
        out.append(CallInfo(cid, caller, phone, agent, status, direction, enq, ans, end, wait, talk, reg_id))
    return out


async def agents_for_filter(session: AsyncSession) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(User.id, func.coalesce(func.nullif(User.full_name, ""), User.username))
        .where(User.role.in_(("agent", "supervisor")))
        .order_by(User.username)
    )
    return [(i, n) for i, n in rows]

