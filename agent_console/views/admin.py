"""Administration: console users and reference data (lists, canned responses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.layout import NavItem, add_nav_item, redirect, render, render_error
from agent_console.security import current_user
from contact_center import audit
from contact_center.accounts import UserInputError, UserRow, skills, users
from contact_center.accounts.auth import unlock
from contact_center.accounts.users import ROLE_LABELS
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.chat import canned_responses
from contact_center.db.models.users import ROLES
from contact_center.reference import lists as reference
from contact_center.web.audit import request_actor, request_address
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


@dataclass
class UsersPage:
    users: list[UserRow]
    roles: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    skills: dict[int, str] = field(default_factory=dict)  # user id -> the directions served, labelled


async def _skill_labels(session: AsyncSession, rows: list[UserRow]) -> dict[int, str]:
    held = await skills.skills_by_user(session, [u.id for u in rows])
    choices = await reference.choices(session)
    return {uid: ", ".join(choices.label("directions", code) for code in codes) for uid, codes in held.items()}


@dataclass
class UserPage:
    account: UserRow
    roles: dict[str, str]
    is_self: bool
    errors: dict[str, str] = field(default_factory=dict)
    password_errors: dict[str, str] = field(default_factory=dict)
    skills: list[str] = field(default_factory=list)  # the directions the user serves (chat routing)
    directions: list[reference.Option] = field(default_factory=list)


def _roles() -> dict[str, str]:
    return {r: ROLE_LABELS[r] for r in ROLES}


@routes.get("/console/admin/users", name="console_admin_users")
@permission("admin")
async def user_list(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        rows = await users.list_users(session)
        labels = await _skill_labels(session, rows)
    return render(request, "admin/users.html", UsersPage(rows, _roles(), {"role": "agent"}, skills=labels),
                  title="İstifadəçilər")


@routes.post("/console/admin/users", name="console_admin_user_create")
@permission("admin")
async def user_create(request: web.Request) -> web.Response:
    form = await request.post()
    values = {k: str(form.get(k, "")) for k in ("username", "full_name", "role", "extension")}
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            created = await users.create_user(session, password=str(form.get("password", "")), **values,
                                              actor=request_actor(request), address=request_address(request))
    except UserInputError as exc:
        async with request.app[SESSIONMAKER]() as session:
            rows = await users.list_users(session)
            labels = await _skill_labels(session, rows)
        page = UsersPage(rows, _roles(), values, exc.errors, labels)
        return render(request, "admin/users.html", page, title="İstifadəçilər", status=422)
    return redirect(request, "console_admin_users", flash=f"İstifadəçi «{created.username}» yaradıldı.")


async def _user_page(request: web.Request, user_id: int, **errors: dict[str, str]) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        account = await users.get_user(session, user_id)
        held = await skills.skills_of(session, user_id)
        directions = (await reference.choices(session)).directions
    if account is None:
        return render_error(request, 404, "İstifadəçi tapılmadı.")
    page = UserPage(account, _roles(), account.id == current_user(request).id, **errors, skills=held,
                    directions=[d for d in directions if d.active or d.code in held])
    status = 422 if any(errors.values()) else 200
    return render(request, "admin/user.html", page, title=f"İstifadəçi {account.username}", status=status)


@routes.get("/console/admin/users/{id:\\d{1,9}}", name="console_admin_user")
@permission("admin")
async def user_detail(request: web.Request) -> web.Response:
    return await _user_page(request, int(request.match_info["id"]))


@routes.post("/console/admin/users/{id:\\d{1,9}}", name="console_admin_user_update")
@permission("admin")
async def user_update(request: web.Request) -> web.Response:
    me = current_user(request)
    user_id = int(request.match_info["id"])
    form = await request.post()
    active = form.get("active") == "1"
    role = str(form.get("role", ""))
    if user_id == me.id and (not active or role != "admin"):
        return await _user_page(
            request, user_id, errors={"active": "Öz hesabınızı deaktiv edə və ya rolunu endirə bilməzsiniz."}
        )
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            updated = await users.update_user(
                session, user_id, role=role, extension=str(form.get("extension", "")),
                full_name=str(form.get("full_name", "")), active=active,
                actor=request_actor(request), address=request_address(request),
            )
            if updated is not None and form.get("skills_shown") == "1":
                # The form lists every direction as a checkbox: the ticked ones are the skills.
                await skills.set_skills(session, user_id, [str(v) for v in form.getall("skills", [])],
                                        actor=request_actor(request), address=request_address(request))
    except UserInputError as exc:
        return await _user_page(request, user_id, errors=exc.errors)
    if updated is None:
        return render_error(request, 404, "İstifadəçi tapılmadı.")
    return redirect(request, "console_admin_user", id=user_id, flash="Dəyişiklik saxlanıldı.")


@routes.post("/console/admin/users/{id:\\d{1,9}}/password", name="console_admin_user_password")
@permission("admin")
async def user_password(request: web.Request) -> web.Response:
    user_id = int(request.match_info["id"])
    form = await request.post()
    password = str(form.get("password", ""))
    if password != str(form.get("password2", "")):
        return await _user_page(request, user_id, password_errors={"password2": "Şifrələr eyni deyil."})
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            found = await users.set_password(session, request.app[SETTINGS], user_id, password,
                                             actor=request_actor(request), address=request_address(request))
    except UserInputError as exc:
        return await _user_page(request, user_id, password_errors=exc.errors)
    if not found:
        return render_error(request, 404, "İstifadəçi tapılmadı.")
    return redirect(request, "console_admin_user", id=user_id,
                    flash="Yeni şifrə təyin edildi; hesab blokdan çıxarıldı və bütün sessiyaları bağlandı.")


@routes.post("/console/admin/users/{id:\\d{1,9}}/unlock", name="console_admin_user_unlock")
@permission("admin")
async def user_unlock(request: web.Request) -> web.Response:
    user_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        username = await unlock(session, request.app[SETTINGS], user_id)
        if username is not None:
            await audit.record(session, request_actor(request), "account_unlocked", object_type="user",
                               object_id=user_id, details={"via": "console"}, address=request_address(request))
    if username is None:
        return render_error(request, 404, "İstifadəçi tapılmadı.")
    return redirect(request, "console_admin_user", id=user_id,
                    flash="Hesab blokdan çıxarıldı: bütün ünvanlardan yenidən daxil ola bilər.")


@dataclass
class ReferencePage:
    kind: str
    kinds: dict[str, str]
    items: list[reference.ReferenceItem]
    errors: dict[str, dict[str, str]] = field(default_factory=dict)


@routes.get("/console/admin/reference", name="console_admin_reference")
@permission("admin")
async def reference_list(request: web.Request) -> web.Response:
    kind = request.query.get("kind", "directions")
    if kind not in reference.EDITABLE_KINDS:
        return render_error(request, 404, "Belə siyahı yoxdur.")
    async with request.app[SESSIONMAKER]() as session:
        rows = await reference.items(session, kind)
    page = ReferencePage(kind, reference.EDITABLE_KINDS, rows)
    return render(request, "admin/reference.html", page, title="Soraqçalar")


@routes.post("/console/admin/reference/{kind}/{code}", name="console_admin_reference_update")
@permission("admin")
async def reference_update(request: web.Request) -> web.Response:
    kind, code = request.match_info["kind"], request.match_info["code"]
    if kind not in reference.EDITABLE_KINDS:
        return render_error(request, 404, "Belə siyahı yoxdur.")
    form = await request.post()
    async with request.app[SESSIONMAKER].begin() as session:
        errors = await reference.update_item(
            session, kind, code, label=str(form.get("label", "")), sort_order=str(form.get("sort_order", "")),
            active=form.get("active") == "1", actor=request_actor(request), address=request_address(request),
        )
    if errors:
        async with request.app[SESSIONMAKER]() as session:
            rows = await reference.items(session, kind)
        page = ReferencePage(kind, reference.EDITABLE_KINDS, rows, {code: errors})
        return render(request, "admin/reference.html", page, title="Soraqçalar", status=422)
    return redirect(request, "console_admin_reference", query={"kind": kind}, flash="Saxlanıldı.")


@dataclass
class CannedPage:
    items: list[canned_responses.Canned]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    item_errors: dict[int, dict[str, str]] = field(default_factory=dict)


@routes.get("/console/admin/canned", name="console_admin_canned")
@permission("admin")
async def canned_list(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        rows = await canned_responses.list_canned(session)
    return render(request, "admin/canned.html", CannedPage(rows), title="Hazır cavablar")


@routes.post("/console/admin/canned", name="console_admin_canned_create")
@permission("admin")
async def canned_create(request: web.Request) -> web.Response:
    form = await request.post()
    title, text = str(form.get("title", "")), str(form.get("text", ""))
    async with request.app[SESSIONMAKER].begin() as session:
        new_id, errors = await canned_responses.create(
            session, title, text, actor=request_actor(request), address=request_address(request)
        )
    if new_id is None:
        async with request.app[SESSIONMAKER]() as session:
            rows = await canned_responses.list_canned(session)
        page = CannedPage(rows, {"title": title, "text": text}, errors)
        return render(request, "admin/canned.html", page, title="Hazır cavablar", status=422)
    return redirect(request, "console_admin_canned", flash="Hazır cavab əlavə edildi.")


@routes.post("/console/admin/canned/{id:\\d{1,9}}", name="console_admin_canned_update")
@permission("admin")
async def canned_update(request: web.Request) -> web.Response:
    item_id = int(request.match_info["id"])
    form = await request.post()
    async with request.app[SESSIONMAKER].begin() as session:
        errors = await canned_responses.update(
            session, item_id, str(form.get("title", "")), str(form.get("text", "")), form.get("active") == "1",
            actor=request_actor(request), address=request_address(request),
        )
    if errors is None:
        return render_error(request, 404, "Hazır cavab tapılmadı.")
    if errors:
        async with request.app[SESSIONMAKER]() as session:
            rows = await canned_responses.list_canned(session)
        page = CannedPage(rows, item_errors={item_id: errors})
        return render(request, "admin/canned.html", page, title="Hazır cavablar", status=422)
    return redirect(request, "console_admin_canned", flash="Saxlanıldı.")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("admin_users", "İstifadəçilər", "console_admin_users", level="admin", order=80))
    add_nav_item(app, NavItem("admin_reference", "Soraqçalar", "console_admin_reference", level="admin", order=81))
    add_nav_item(app, NavItem("admin_canned", "Hazır cavablar", "console_admin_canned", level="admin", order=82))
