"""The callback queue: claim, attempts, release; reaching the citizen registers the call."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, redirect, render, render_error, url_for
from agent_console.pages import CallbackPage, CallbackQueuePage
from agent_console.security import current_user
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.callbacks import queue as callbacks
from contact_center.calls import caller_history
from contact_center.privacy import access
from contact_center.reference import lists as reference
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


def _can_manage(role: str) -> bool:
    return role in ("supervisor", "admin")


@routes.get("/console/callbacks", name="console_callbacks")
@permission("agent")
async def queue(request: web.Request) -> web.Response:
    user = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        choices = await reference.choices(session)
        rows = await callbacks.open_queue(session)
        closed = await callbacks.recently_closed(session)
        counts = await callbacks.queue_counts(session)
    full = frozenset(cb.id for cb in rows if access.callback_number_full(user, cb.status, cb.claimed_by))
    page = CallbackQueuePage(choices, rows, closed, counts, user.id, datetime.now(UTC), _can_manage(user.role), full)
    return render(request, "callbacks/queue.html", page, title="Geri zənglər")


@routes.get("/console/callbacks/{id:\\d{1,18}}", name="console_callback")
@permission("agent")
async def detail(request: web.Request) -> web.Response:
    user = current_user(request)
    callback_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER]() as session:
        cb = await callbacks.get_callback(session, callback_id)
        if cb is None or not access.may_view_callback(user, cb.status, cb.claimed_by):
            return render_error(request, 404, "Geri zəng sorğusu tapılmadı.")
        choices = await reference.choices(session)
        tries = await callbacks.attempts(session, callback_id)
        history = await caller_history(session, cb.phone)
    full = access.callback_number_full(user, cb.status, cb.claimed_by)
    page = CallbackPage(
        choices, cb, tries, history, user.id, _can_manage(user.role), request.app[SETTINGS].callback_max_attempts,
        full,
    )
    return render(request, "callbacks/detail.html", page, title=f"Geri zəng {access.show_phone(cb.phone, full)}")


@routes.post("/console/callbacks/{id:\\d{1,18}}/claim", name="console_callback_claim")
@permission("agent")
async def claim(request: web.Request) -> web.Response:
    user = current_user(request)
    callback_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        taken = await callbacks.claim(session, callback_id, user.id)
    if not taken:
        return redirect(request, "console_callbacks", flash_kind="error",
                        flash="Bu geri zəngi artıq başqa əməkdaş götürüb və ya o bağlanıb.")
    return redirect(request, "console_callback", id=callback_id, flash="Geri zəng sizə verildi. İndi zəng edin.")


@routes.post("/console/callbacks/{id:\\d{1,18}}/release", name="console_callback_release")
@permission("agent")
async def release(request: web.Request) -> web.Response:
    user = current_user(request)
    callback_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        done = await callbacks.release(session, callback_id, user.id, any_holder=_can_manage(user.role))
    if not done:
        return redirect(request, "console_callback", id=callback_id, flash_kind="error",
                        flash="Bu geri zəng sizdə deyil.")
    return redirect(request, "console_callbacks", flash="Geri zəng növbəyə qaytarıldı.", flash_kind="info")


@routes.post("/console/callbacks/{id:\\d{1,18}}/attempts", name="console_callback_attempt")
@permission("agent")
async def attempt(request: web.Request) -> web.Response:
    user = current_user(request)
    callback_id = int(request.match_info["id"])
    form = await request.post()
    result = str(form.get("result", ""))
    if result == "reached":
        # Reaching the citizen is recorded together with the call's registration.
        return web.Response(
            status=303, headers={"Location": url_for(request, "console_register", query={"callback": callback_id})}
        )
    if result not in callbacks.FAILED_RESULTS:
        return redirect(request, "console_callback", id=callback_id, flash_kind="error",
                        flash="Cəhdin nəticəsini seçin: cavab vermədi, məşğul idi və ya əlaqə quruldu.")
    note = str(form.get("note", ""))[:2000]
    settings = request.app[SETTINGS]
    async with request.app[SESSIONMAKER].begin() as session:
        outcome = await callbacks.record_failed_attempt(session, settings, callback_id, user.id, result, note)
    if outcome is None:
        return redirect(request, "console_callback", id=callback_id, flash_kind="error",
                        flash="Cəhdi yazmaq üçün geri zəngi əvvəlcə özünüzə götürün.")
    if outcome.status == "unreachable":
        flash = f"{outcome.attempts} cəhddən sonra vətəndaşa çatmaq olmadı: geri zəng bağlandı."
    else:
        flash = f"Cəhd yazıldı ({outcome.attempts}/{settings.callback_max_attempts}); geri zəng növbəyə qaytarıldı."
    return redirect(request, "console_callbacks", flash=flash, flash_kind="info")


@routes.post("/console/callbacks/{id:\\d{1,18}}/cancel", name="console_callback_cancel")
@permission("supervisor")
async def cancel(request: web.Request) -> web.Response:
    callback_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        done = await callbacks.cancel(session, callback_id)
    if not done:
        return redirect(request, "console_callback", id=callback_id, flash_kind="error", flash="Geri zəng artıq bağlanıb.")
    return redirect(request, "console_callbacks", flash="Geri zəng ləğv edildi.", flash_kind="info")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("callbacks", "Geri zənglər", "console_callbacks", level="agent", order=30))
