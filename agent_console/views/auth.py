"""Sign-in and sign-out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from agent_console.layout import redirect, render, url_for
from agent_console.security import SESSION_COOKIE, current_user, load_user
from contact_center import audit
from contact_center.accounts import LoginResult, agent_status, authenticate, close_session, open_session
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.audit import ANONYMOUS, Actor
from contact_center.config import Settings
from contact_center.web.client import client_address, cookies_secure
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


@dataclass
class LoginPage:
    username: str = ""
    next: str = ""
    error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _safe_next(raw: str | None) -> str:
    # Only our own console pages: never an open redirect to another site.
    if raw and raw.startswith("/console") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return ""


def _failed_object(result: LoginResult, settings: Settings) -> dict[str, Any]:
    """A failed sign-in's object: the account when the name exists; otherwise only the
    name's keyed hash (with CC142_PSEUDONYM_KEY), so the trail never collects typed names."""
    if result.account_id is not None:
        return {"object_type": "user", "object_id": result.account_id}
    return {"object_type": "login_name", "object_id": result.name_key if settings.pseudonym_key else None}


def _refused(request: web.Request, page: LoginPage, result: LoginResult, settings: Settings) -> web.Response:
    """The same answers for known and unknown names: 401, or 429 with Retry-After."""
    if result.error == "invalid" or result.retry_at is None:
        page.error = "İstifadəçi adı və ya şifrə yanlışdır."
        return render(request, "login.html", page, title="Daxil ol", status=401)
    if result.error == "locked":
        until = result.retry_at.astimezone(settings.tz).strftime("%H:%M")
        page.error = f"Çox sayda uğursuz cəhd: hesab saat {until}-dək bloklanıb. Sonra yenidən cəhd edin."
    else:
        page.error = "Çox sayda uğursuz cəhd edildi. Bir az sonra yenidən cəhd edin."
    response = render(request, "login.html", page, title="Daxil ol", status=429)
    wait = (result.retry_at - datetime.now(UTC)).total_seconds()
    response.headers["Retry-After"] = str(max(1, int(wait) + 1))
    return response


@routes.get("/console/login", name="console_login")
@permission("public", csrf=True)
async def login_form(request: web.Request) -> web.Response:
    if await load_user(request) is not None:
        return redirect(request, "console_home")
    page = LoginPage(next=_safe_next(request.query.get("next")))
    return render(request, "login.html", page, title="Daxil ol")


@routes.post("/console/login", name="console_login_post")
@permission("public", csrf=True)
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    settings = request.app[SETTINGS]
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    page = LoginPage(username=username, next=_safe_next(str(form.get("next", ""))))
    if not username:
        page.errors["username"] = "İstifadəçi adını daxil edin."
    if not password:
        page.errors["password"] = "Şifrəni daxil edin."
    if page.errors:
        return render(request, "login.html", page, title="Daxil ol", status=422)

    address = client_address(request)
    async with request.app[SESSIONMAKER].begin() as session:
        result = await authenticate(session, settings, username, password, address)
        new = None
        if result.user_id is not None:
            new = await open_session(session, settings, result.user_id)
            await agent_status.set_status(session, result.user_id, "available")
            await audit.record(session, Actor.user(result.user_id, username.lower()), "sign_in",
                               object_type="user", object_id=result.user_id, address=address)
        else:
            await audit.record(session, ANONYMOUS, "sign_in_failed", **_failed_object(result, settings),
                               details={"reason": result.error}, address=address)

    if new is None:
        return _refused(request, page, result, settings)

    response = web.Response(
        status=303, headers={"Location": page.next or url_for(request, "console_home")}
    )
    response.set_cookie(
        SESSION_COOKIE, new.token, httponly=True, samesite="Lax", secure=cookies_secure(request),
        path="/", max_age=settings.session_hours * 3600,
    )
    return response


@routes.post("/console/logout", name="console_logout")
@permission("agent")
async def logout(request: web.Request) -> web.Response:
    user = current_user(request)
    async with request.app[SESSIONMAKER].begin() as session:
        await close_session(session, user.session_id, user.id)
        await agent_status.set_status(session, user.id, "offline")
        await audit.record(session, Actor.user(user.id, user.username), "sign_out", object_type="user",
                           object_id=user.id, address=client_address(request))
    response = redirect(request, "console_login", flash="Sistemdən çıxdınız.", flash_kind="info")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
