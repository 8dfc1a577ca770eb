"""Sign-in and sign-out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web

from agent_console.layout import redirect, render, url_for
from agent_console.security import SESSION_COOKIE, current_user, load_user
from contact_center.accounts import agent_status, authenticate, close_session, open_session
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.ratelimit import Limit, hit
from contact_center.web.client import client_address, cookies_secure
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

LOGIN_IP_LIMIT = Limit("login-ip", 30, timedelta(minutes=5))
# Each consecutive failure makes the next answer slower, up to this.
MAX_SLOWDOWN_SECONDS = 2.0


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

    sessionmaker = request.app[SESSIONMAKER]
    async with sessionmaker.begin() as session:
        verdict = await hit(session, LOGIN_IP_LIMIT, client_address(request))
    if not verdict.allowed:
        page.error = "Çox sayda cəhd edildi. Bir neçə dəqiqə sonra yenidən cəhd edin."
        response = render(request, "login.html", page, title="Daxil ol", status=429)
        response.headers["Retry-After"] = str(verdict.retry_after_seconds)
        return response

    async with sessionmaker.begin() as session:
        result = await authenticate(session, settings, username, password)
        new = None
        if result.user_id is not None:
            new = await open_session(session, settings, result.user_id)
            await agent_status.set_status(session, result.user_id, "available")

    if new is None:
        # Slow down guessing: each consecutive failure waits a little longer.
        await asyncio.sleep(min(0.25 * result.failures, MAX_SLOWDOWN_SECONDS))
        status = 401
        if result.error == "locked" and result.locked_until is not None:
            until = result.locked_until.astimezone(settings.tz).strftime("%H:%M")
            page.error = (
                f"Çox sayda uğursuz cəhd: hesab saat {until}-dək bloklanıb. Sonra yenidən cəhd edin."
            )
            status = 429
        elif result.error == "inactive":
            page.error = "Bu hesab deaktiv edilib. Administratora müraciət edin."
        else:
            page.error = "İstifadəçi adı və ya şifrə yanlışdır."
        return render(request, "login.html", page, title="Daxil ol", status=status)

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
    response = redirect(request, "console_login", flash="Sistemdən çıxdınız.", flash_kind="info")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
