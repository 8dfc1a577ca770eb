"""Calls: the screen pop, registration (wrap-up), edits with history, the list."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.exporting import export_list, wants_export
from agent_console.layout import (
    NavItem,
    add_nav_item,
    redirect,
    render,
    render_error,
    render_fragment,
    set_flash,
    url_for,
)
from agent_console.pager import page_links
from agent_console.pages import RegistrationForm, RegistrationListPage, RegistrationPage
from agent_console.security import current_user
from agent_console.timing import server_timing
from contact_center.accounts import CurrentUser
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.callbacks import queue as callbacks_service
from contact_center.calls import RegistrationError, RegistrationRow, caller_lookup, registration_search, registrations
from contact_center.calls.registration_search import Filters
from contact_center.calls.registrations import FIELD_LABELS
from contact_center.reference import lists as reference
from contact_center.privacy import access
from contact_center.text import ascii_digits
from contact_center.timeutil import local_date
from contact_center.web.audit import PAGE_VIEW, audit_read, request_address
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

PER_PAGE = 50


def _is_supervisor(user: CurrentUser) -> bool:
    return user.role in ("supervisor", "admin")


def _int_query(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if not ascii_digits(raw) or len(raw) > 18:
        raise web.HTTPNotFound()
    return int(raw)


def _safe_next(raw: object) -> str | None:
    value = str(raw or "")
    if value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return None


async def _new_form(
    session: AsyncSession, request: web.Request, user: CurrentUser, call_id: int | None, callback_id: int | None
) -> RegistrationForm | web.Response:
    """The form for a new registration, with what we know about the call or callback."""
    choices = await reference.choices(session)
    query = {"call": call_id, "callback": callback_id}
    form = RegistrationForm(choices=choices, action=url_for(request, "console_register_post", query=query))
    if call_id is not None:
        call = await caller_lookup.call_info(session, call_id)
        if call is None:
            return render_error(request, 404, "Zəng tapılmadı.")
        if not access.may_open_call(user, call.agent, call.taken_by):
            if access.may_take_call(user, call.agent, call.taken_by):
                return render(request, "calls/take.html", call, title="Zəngi götür", status=403)
            return render_error(request, 403, "Bu zəng sizin daxili nömrənizdə cavablandırılmayıb.")
        form.call = call
        form.full_number = access.call_number_full(user, call.agent, call.taken_by)
        form.phone_editable = not call.phone
        form.history = await caller_lookup.caller_history(session, call.phone, exclude_call=call.id)
        form.values["phone"] = access.show_phone(call.phone, form.full_number) if call.phone else ""
    if callback_id is not None:
        cb = await callbacks_service.get_callback(session, callback_id)
        if cb is None or not access.may_view_callback(user, cb.status, cb.claimed_by):
            return render_error(request, 404, "Geri zəng sorğusu tapılmadı.")
        if not _is_supervisor(user) and cb.claimed_by != user.id:
            return render_error(request, 403, "Bu geri zəngi əvvəlcə özünüzə götürün.")
        form.callback = cb
        form.full_number = access.callback_number_full(user, cb.status, cb.claimed_by)
        form.personal_locked = not form.full_number
        form.phone_editable = False
        form.history = await caller_lookup.caller_history(session, cb.phone)
        form.values.update(
            phone=access.show_phone(cb.phone, form.full_number),
            citizen_name=cb.citizen_name or "" if form.full_number else access.show_name(cb.citizen_name, False),
            district=cb.district or "", direction=cb.direction or "",
        )
    return form


def _keep_locked(data: registrations.RegistrationInput, form: RegistrationForm,
                 name: str | None) -> registrations.RegistrationInput:
    """What the viewer may not see, they cannot change: the number and name stay
    (and, on an edit, the note, whose numbers they see masked)."""
    if not form.personal_locked:
        return data
    kept: dict[str, object] = {"phone": None, "citizen_name": name}
    if form.editing is not None:
        kept["note"] = form.editing.note
    return registrations.RegistrationInput(**(asdict(data) | kept))


@routes.get("/console/pbx-calls/{id:\\d{1,18}}/pop", name="console_call_pop")
@permission("agent")
async def call_pop(request: web.Request) -> web.Response:
    """The screen pop (a fragment the console's JS shows when a call is answered)."""
    user = current_user(request)
    call_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER]() as session:
        form = await _new_form(session, request, user, call_id, None)
    if isinstance(form, web.Response):
        return form
    form.values["next"] = _safe_next(request.headers.get("X-Console-Page")) or ""
    await audit_read(request, "call_record_viewed", object_type="call", object_id=call_id,
                     details={"view": "pop", "full_number": form.full_number}, once_within=PAGE_VIEW)
    return render_fragment(request, "calls/_pop.html", form=form)


@routes.get("/console/calls/new", name="console_register")
@permission("agent")
async def register_form(request: web.Request) -> web.Response:
    user = current_user(request)
    call_id, callback_id = _int_query(request, "call"), _int_query(request, "callback")
    async with request.app[SESSIONMAKER]() as session:
        form = await _new_form(session, request, user, call_id, callback_id)
    if isinstance(form, web.Response):
        return form
    if form.call is not None and form.call.registration_id is not None:
        return redirect(request, "console_registration", id=form.call.registration_id,
                        flash="Bu zəng artıq qeydiyyatdan keçib.", flash_kind="info")
    if form.call is not None:
        await audit_read(request, "call_record_viewed", object_type="call", object_id=form.call.id,
                         details={"view": "form", "full_number": form.full_number}, once_within=PAGE_VIEW)
    return render(request, "calls/form.html", form, title="Zəngin qeydiyyatı")


@routes.post("/console/calls/new", name="console_register_post")
@permission("agent")
async def register(request: web.Request) -> web.Response:
    user = current_user(request)
    call_id, callback_id = _int_query(request, "call"), _int_query(request, "callback")
    posted = await request.post()
    async with request.app[SESSIONMAKER].begin() as session:
        form = await _new_form(session, request, user, call_id, callback_id)
        if isinstance(form, web.Response):
            return form
        data, errors = registrations.check_registration(
            posted, form.choices, phone_required=call_id is None and callback_id is None
        )
        if data is not None and not form.phone_editable:
            data = registrations.RegistrationInput(**(asdict(data) | {"phone": None}))
        if data is not None:
            data = _keep_locked(data, form, form.callback.citizen_name if form.callback else None)
        if data is None:
            form.values = {k: str(v) for k, v in posted.items() if k != "csrf_token"} | _shown_personal(form)
            form.errors = errors
            return render(request, "calls/form.html", form, title="Zəngin qeydiyyatı", status=422)
        try:
            new_id = await registrations.register_call(
                session, user, data, call_id=call_id, callback_id=callback_id, address=request_address(request)
            )
        except RegistrationError as exc:
            if exc.existing_id is not None:
                return redirect(request, "console_registration", id=exc.existing_id,
                                flash=exc.message, flash_kind="info")
            form.values = {k: str(v) for k, v in posted.items() if k != "csrf_token"} | _shown_personal(form)
            form.error = exc.message
            return render(request, "calls/form.html", form, title="Zəngin qeydiyyatı", status=409)
    message = f"Zəng qeydə alındı (№ {new_id})."
    next_url = _safe_next(posted.get("next"))
    if next_url:
        response = web.Response(status=303, headers={"Location": next_url})
        set_flash(request, response, message)
        return response
    if callback_id is not None:
        return redirect(request, "console_callbacks", flash=message)
    return redirect(request, "console_registration", id=new_id, flash=message)


def _shown_personal(form: RegistrationForm) -> dict[str, str]:
    """A re-shown form keeps the read-only number (and a locked name) as first shown."""
    shown = {}
    if not form.phone_editable:
        source = form.call.phone if form.call else form.callback.phone if form.callback else None
        if form.editing is not None:
            source = form.editing.phone
        shown["phone"] = access.show_phone(source, form.full_number) if source else ""
    if form.personal_locked:
        name = form.editing.citizen_name if form.editing else form.callback.citizen_name if form.callback else None
        shown["citizen_name"] = access.show_name(name, False)
    return shown


async def _load_own(
    session: AsyncSession, request: web.Request, user: CurrentUser
) -> RegistrationRow | web.Response:
    reg = await registration_search.get_registration(session, int(request.match_info["id"]))
    if reg is None:
        return render_error(request, 404, "Qeydiyyat tapılmadı.")
    if not access.may_view_registration(user, reg.agent_id):
        return render_error(request, 403, "Operator yalnız öz qeydiyyatlarını görə bilər.")
    return reg


@routes.get("/console/calls/{id:\\d{1,18}}", name="console_registration")
@permission("agent")
async def registration(request: web.Request) -> web.Response:
    user = current_user(request)
    tz = request.app[SETTINGS].tz
    async with request.app[SESSIONMAKER]() as session:
        reg = await _load_own(session, request, user)
        if isinstance(reg, web.Response):
            return reg
        choices = await reference.choices(session)
        changes = await registrations.history(session, reg.id)
    can_edit = registrations.may_edit(user, reg.agent_id, reg.created_at, tz)
    until = None
    if can_edit and not _is_supervisor(user):
        until = registrations.edit_deadline(reg.created_at, tz).strftime("%d.%m.%Y %H:%M")
    page = RegistrationPage(choices, reg, changes, can_edit, until, FIELD_LABELS, can_reveal=_is_supervisor(user))
    await audit_read(request, "call_record_viewed", object_type="registration", object_id=reg.id,
                     details={"view": "registration", "call_id": reg.call_id}, once_within=PAGE_VIEW)
    return render(request, "calls/detail.html", page, title=f"Qeydiyyat № {reg.id}")


def _edit_form(
    request: web.Request, choices: reference.Choices, reg: RegistrationRow, user: CurrentUser
) -> RegistrationForm:
    full = access.registration_number_full(user, reg.agent_id, editing=True)
    return RegistrationForm(
        choices=choices,
        action=url_for(request, "console_registration_edit_post", id=reg.id),
        values={
            "phone": (reg.phone or "") if full else access.show_phone(reg.phone, False) if reg.phone else "",
            "citizen_name": (reg.citizen_name or "") if full else access.show_name(reg.citizen_name, False),
            "direction": reg.direction, "call_type": reg.call_type, "district": reg.district,
            "outcome": reg.outcome, "note": reg.note,
        },
        editing=reg,
        phone_editable=full and reg.call_id is None and reg.channel == "phone",
        full_number=full,
        personal_locked=not full,
    )


EDIT_CLOSED = (
    "Bu qeydiyyatı artıq dəyişmək olmaz: operator öz qeydiyyatını yalnız həmin gün bitənədək "
    "dəyişə bilər. Dəyişiklik lazımdırsa, supervayzerə müraciət edin."
)


@routes.get("/console/calls/{id:\\d{1,18}}/edit", name="console_registration_edit")
@permission("agent")
async def edit_form(request: web.Request) -> web.Response:
    user = current_user(request)
    tz = request.app[SETTINGS].tz
    async with request.app[SESSIONMAKER]() as session:
        reg = await _load_own(session, request, user)
        if isinstance(reg, web.Response):
            return reg
        choices = await reference.choices(session)
    if not registrations.may_edit(user, reg.agent_id, reg.created_at, tz):
        return render_error(request, 403, EDIT_CLOSED)
    return render(request, "calls/form.html", _edit_form(request, choices, reg, user),
                  title=f"Qeydiyyat № {reg.id}: dəyiş")


@routes.post("/console/calls/{id:\\d{1,18}}/edit", name="console_registration_edit_post")
@permission("agent")
async def edit(request: web.Request) -> web.Response:
    user = current_user(request)
    tz = request.app[SETTINGS].tz
    posted = await request.post()
    async with request.app[SESSIONMAKER].begin() as session:
        reg = await _load_own(session, request, user)
        if isinstance(reg, web.Response):
            return reg
        choices = await reference.choices(session)
        form = _edit_form(request, choices, reg, user)
        data, errors = registrations.check_registration(posted, choices, phone_required=False)
        if data is not None and not form.phone_editable:
            data = registrations.RegistrationInput(**(asdict(data) | {"phone": None}))
        if data is not None:
            data = _keep_locked(data, form, reg.citizen_name)
        if data is None:
            form.values = {k: str(v) for k, v in posted.items() if k != "csrf_token"} | _shown_personal(form)
            form.errors = errors
            return render(request, "calls/form.html", form, title=f"Qeydiyyat № {reg.id}: dəyiş", status=422)
        try:
            changed = await registrations.update_registration(
                session, user, reg.id, data, tz, address=request_address(request)
            )
        except RegistrationError as exc:
            return render_error(request, 403 if exc.code == "edit_closed" else 409, exc.message)
    flash = "Dəyişiklik saxlanıldı." if changed else "Heç nə dəyişmədi."
    return redirect(request, "console_registration", id=reg.id, flash=flash, flash_kind="ok" if changed else "info")


@routes.post("/console/pbx-calls/{id:\\d{1,18}}/take", name="console_call_take")
@permission("agent")
async def take(request: web.Request) -> web.Response:
    """Take a call no extension answered (explicit and audited), then register it."""
    user = current_user(request)
    call_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        taken = await registrations.take_call(session, user, call_id, address=request_address(request))
    if not taken:
        return render_error(request, 409, "Bu zəngi artıq başqası götürüb və ya o cavablandırılıb.")
    return redirect(request, "console_register", query={"call": call_id},
                    flash="Zəng sizə verildi (jurnala yazıldı).")


def _parse_filters(request: web.Request, user: CurrentUser, tz) -> tuple[Filters, dict[str, str]]:  # type: ignore[no-untyped-def]
    q = request.query
    errors: dict[str, str] = {}
    today = local_date(datetime.now(UTC), tz)

    def day(name: str):  # type: ignore[no-untyped-def]
        raw = q.get(name, "").strip()
        if not raw:
            return today
        try:
            return datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            errors[name] = "Tarixi İİİİ-AA-GG formatında yazın."
            return today

    date_from, date_to = day("from"), day("to")
    if date_to < date_from:
        errors["to"] = "Son tarix başlanğıc tarixindən əvvəl ola bilməz."
        date_to = date_from
    agent_raw = q.get("agent", "")
    agent_id = int(agent_raw) if ascii_digits(agent_raw) and len(agent_raw) < 10 else None
    if not _is_supervisor(user):
        agent_id = user.id  # agents see their own work
    page_raw = q.get("page", "1")
    page = int(page_raw) if ascii_digits(page_raw) and 0 < len(page_raw) < 7 else 1
    area = q.get("area") if q.get("area") in ("baku", "region") else None
    filters = Filters(
        date_from=date_from, date_to=date_to, agent_id=agent_id,
        direction=q.get("direction") or None, district=q.get("district") or None,
        outcome=q.get("outcome") or None, phone=(q.get("phone") or "").strip()[:32] or None, page=max(page, 1),
        # the dashboard's drill-down: counted as the statistics count
        stats=q.get("stats") == "1", call_type=q.get("call_type") or None, area=area,
        queue=(q.get("queue") or "").strip()[:64] or None, extension=(q.get("extension") or "").strip()[:32] or None,
    )
    return filters, errors


@routes.get("/console/calls", name="console_registrations")
@permission("agent")
@server_timing
async def registration_list(request: web.Request) -> web.Response:
    user = current_user(request)
    tz = request.app[SETTINGS].tz
    filters, errors = _parse_filters(request, user, tz)
    if wants_export(request):
        return await export_list(
            request, list_name="registrations", filename=f"qeydiyyatlar-{filters.date_from}-{filters.date_to}",
            title="Qeydiyyatlar", filters=filters.query_args(), errors=errors,
            columns=registration_search.EXPORT_COLUMNS, statement=registration_search.export_statement(tz, filters))
    async with request.app[SESSIONMAKER]() as session:
        choices = await reference.choices(session)
        result = await registration_search.list_registrations(session, tz, filters, per_page=PER_PAGE)
        agents = await registration_search.agents_for_filter(session) if _is_supervisor(user) else []
    args = filters.query_args()
    if not _is_supervisor(user):
        args.pop("agent")
    links = page_links(request, "console_registrations", args, result)
    page = RegistrationListPage(choices, result, args, agents, _is_supervisor(user), errors, links)
    return render(request, "calls/list.html", page, title="Qeydə alınmış zənglər")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("registrations", "Qeydiyyatlar", "console_registrations", level="agent", order=10))
