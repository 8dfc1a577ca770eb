"""Reading call records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Numeric, Select, and_, case, extract, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contact_center.db.models import Call, CallRegistration, User
from contact_center.exports import PHONE, Column
from contact_center.paging import Page, page_number, page_of
from contact_center.ratings import rating_condition
from contact_center.text import normalize_phone
from contact_center.timeutil import local_range, local_text


# --- the records behind the call figures (supervisors' drill-down) ----------------------------
UNANSWERED = ("abandoned", "timeout", "exit_key", "exit_empty")
STATUS_LABELS = {
    "answered": "Cavablandırılıb",
    "abandoned": "Vətəndaş dəstəyi qoydu",
    "timeout": "Gözləmə vaxtı bitdi",
    "exit_key": "Düymə ilə növbədən çıxdı",
    "exit_empty": "Növbədə operator yox idi",
    "in_progress": "Növbədə / davam edir",
}
# The status filter: one status, or "unanswered" = every way of leaving the queue unanswered.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "answered": ("answered",), "unanswered": UNANSWERED, "in_progress": ("in_progress",),
    **{reason: (reason,) for reason in UNANSWERED},
}
STATUS_FILTER_LABELS = {"answered": "Cavablandırılan", "unanswered": "Cavablandırılmayan (hamısı)",
                        **{k: v for k, v in STATUS_LABELS.items() if k != "answered"}}


@dataclass(frozen=True)
class CallFilters:
    """Offered calls as the statistics count them: inbound, entered the queue on
    local days [date_from, date_to]. Waits are whole seconds, truncated as in the
    figures (a wait of 20.9 s is 20 s), both ends included."""

    date_from: date
    date_to: date
    status: str | None = None  # a key of STATUS_FILTERS
    wait_from: int | None = None
    wait_to: int | None = None
    hour: int | None = None  # local hour the call entered the queue
    queue: str | None = None
    agent: str | None = None  # extension: the one that answered, else the registering agent's
    direction: str | None = None  # of the registration (so: registered calls only)
    district: str | None = None
    registered: bool | None = None
    survey: str | None = None  # post-call survey: a key of RATING_LABELS
    page: int = 1

    def query_args(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "status": self.status,
            "wait_from": self.wait_from, "wait_to": self.wait_to, "hour": self.hour, "queue": self.queue,
            "agent": self.agent, "direction": self.direction, "district": self.district,
            "registered": None if self.registered is None else ("yes" if self.registered else "no"),
            "survey": self.survey,
        }


@dataclass(frozen=True, slots=True)
class CallRow:
    id: int
    caller: str | None
    queue: str | None
    agent: str | None
    agent_name: str | None
    status: str
    enqueued_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    talk_seconds: float | None
    registration_id: int | None
    direction: str | None
    district: str | None
    survey_score: int | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def phone(self) -> str | None:
        return normalize_phone(self.caller or "") or self.caller


def call_conditions(tz: ZoneInfo, f: CallFilters, reg_user: Any) -> list[Any]:
    start, end = local_range(f.date_from, f.date_to, tz)
    where: list[Any] = [Call.direction == "inbound", Call.enqueued_at >= start, Call.enqueued_at < end]
    if f.status is not None:
        where.append(Call.status.in_(STATUS_FILTERS[f.status]))
    if f.wait_from is not None or f.wait_to is not None:
        where.append(Call.wait_seconds.is_not(None))
        if f.wait_from:  # truncated wait >= n  <=>  wait >= n (0: every wait)
            where.append(Call.wait_seconds >= f.wait_from)
        if f.wait_to is not None:  # truncated wait <= n  <=>  wait < n + 1
            where.append(Call.wait_seconds < f.wait_to + 1)
    if f.hour is not None:
        where.append(extract("hour", func.timezone(tz.key, Call.enqueued_at)) == f.hour)
    if f.queue is not None:
        where.append(Call.queue == f.queue)
    if f.agent is not None:
        where.append(func.coalesce(Call.agent, reg_user.extension) == f.agent)
    if f.direction is not None:
        where.append(CallRegistration.direction == f.direction)
    if f.district is not None:
        where.append(CallRegistration.district == f.district)
    if f.registered is not None:
        where.append(CallRegistration.id.is_not(None) if f.registered else CallRegistration.id.is_(None))
    if (rated := rating_condition(Call.survey_score, f.survey)) is not None:
        where.append(rated)
    return where


async def search_calls(session: AsyncSession, tz: ZoneInfo, f: CallFilters, *, per_page: int = 50) -> Page[CallRow]:
    """The offered calls matching `f`, newest first (the dashboard's drill-down)."""
    reg_user = aliased(User)
    answering = aliased(User)
    where = call_conditions(tz, f, reg_user)
    start, end = local_range(f.date_from, f.date_to, tz)
    # The registrations of the period's calls lie between the smallest and the
    # largest of those calls' ids: an index range scan, not a scan of every
    # registration (as contact_center/stats/facts.py does). `id + 0`: aggregate
    # over the enqueued_at range rather than walk the primary key.
    in_period = (Call.enqueued_at >= start, Call.enqueued_at < end)
    span = (select(func.min(Call.id + 0)).where(*in_period).scalar_subquery(),
            select(func.max(Call.id + 0)).where(*in_period).scalar_subquery())

    def joined(stmt: Select[Any], spanned: bool) -> Select[Any]:
        on = CallRegistration.call_id == Call.id
        return (stmt.outerjoin(CallRegistration, and_(on, CallRegistration.call_id.between(*span)) if spanned else on)
                .outerjoin(reg_user, reg_user.id == CallRegistration.agent_id))

    needs_registration = any(v is not None for v in (f.agent, f.direction, f.district, f.registered))
    count = select(func.count()).select_from(Call)
    total = (await session.execute((joined(count, True) if needs_registration else count).where(*where))).scalar_one()
    page = page_number(f.page)
    rows = await session.execute(page_of(
        joined(select(
            Call.id, Call.caller, Call.queue, Call.agent,
            answering.display_name,
            Call.status, Call.enqueued_at, Call.answered_at, Call.ended_at, Call.wait_seconds, Call.talk_seconds,
            CallRegistration.id, CallRegistration.direction, CallRegistration.district, Call.survey_score,
        ).select_from(Call), needs_registration)
        .outerjoin(answering, answering.extension == Call.agent)
        .where(*where)
        .order_by(Call.enqueued_at.desc(), Call.id.desc()),
        page, per_page))
    return Page([CallRow(*r) for r in rows], total, page, per_page)


EXPORT_COLUMNS = (
    Column("id"), Column("pbx_id"), Column("növbəyə_daxil_olub"), Column("telefon", PHONE), Column("növbə"),
    Column("daxili_nömrə"), Column("operator"), Column("status"), Column("cavablandırılıb"), Column("bitib"),
    Column("gözləmə_san"), Column("danışıq_san"), Column("qeydiyyat_id"), Column("istiqamət"), Column("rayon"),
    Column("məmnunluq"),
)


def export_statement(tz: ZoneInfo, f: CallFilters) -> Select[Any]:
    """The drill-down list's calls (no page), newest first, as EXPORT_COLUMNS."""
    reg_user, answering = aliased(User), aliased(User)
    status = case(*((Call.status == k, v) for k, v in STATUS_LABELS.items()), else_=Call.status)
    return (
        select(
            Call.id, Call.pbx_call_id, local_text(Call.enqueued_at, tz), Call.caller, Call.queue, Call.agent,
            answering.display_name, status, local_text(Call.answered_at, tz), local_text(Call.ended_at, tz),
            func.round(Call.wait_seconds.cast(Numeric), 1).cast(Float),
            func.round(Call.talk_seconds.cast(Numeric), 1).cast(Float),
            CallRegistration.id, CallRegistration.direction, CallRegistration.district, Call.survey_score,
        )
        .select_from(Call)
        .outerjoin(CallRegistration, CallRegistration.call_id == Call.id)
        .outerjoin(reg_user, reg_user.id == CallRegistration.agent_id)
        .outerjoin(answering, answering.extension == Call.agent)
        .where(*call_conditions(tz, f, reg_user))
        .order_by(Call.enqueued_at.desc(), Call.id.desc())
    )


# --- calls in the queue right now (the wallboard) -----------------------------------------------
LIVE_WINDOW_HOURS = 4  # older unfinished records are lost events, not callers still waiting


@dataclass(frozen=True, slots=True)
class WaitingCall:
    id: int
    caller: str | None
    queue: str | None
    enqueued_at: datetime
    waiting_seconds: float

    @property
    def phone(self) -> str | None:
        return normalize_phone(self.caller or "") or self.caller


@dataclass(frozen=True)
class LiveCalls:
    waiting: int
    longest_seconds: float | None
    talking: int
    calls: list[WaitingCall]


async def live_calls(session: AsyncSession, *, limit: int = 8) -> LiveCalls:
    """Inbound calls in the queue now (entered it in the last few hours, not
    answered, not ended) and calls being talked. One range scan of
    ix_calls_enqueued_at over those hours; times from the database clock."""
    since = text(f"now() - interval '{LIVE_WINDOW_HOURS} hours'")
    in_queue = and_(Call.status == "in_progress", Call.ended_at.is_(None))
    base = (Call.enqueued_at >= since, Call.direction == "inbound")
    waiting, longest, talking = (
        await session.execute(
            select(
                func.count().filter(in_queue),
                extract("epoch", func.now() - func.min(Call.enqueued_at).filter(in_queue)),
                func.count().filter(Call.answered_at.is_not(None), Call.ended_at.is_(None)),
            ).where(*base)
        )
    ).one()
    rows = await session.execute(
        select(Call.id, Call.caller, Call.queue, Call.enqueued_at,
               extract("epoch", func.now() - Call.enqueued_at))
        .where(*base, in_queue)
        .order_by(Call.enqueued_at, Call.id)
        .limit(limit)
    )
    calls = [WaitingCall(i, c, q, e, max(0.0, float(w))) for i, c, q, e, w in rows]
    return LiveCalls(waiting, None if longest is None else max(0.0, float(longest)), talking, calls)
