"""Personal data in the console: a supervisor reveals one number with a reason
(contact_center.privacy.reveal, audited `number_revealed`); an admin answers a
citizen's request (contact_center.privacy.citizen): everything held about a
number as JSON or PDF (`citizen_export`), or all of it anonymised
(`citizen_erase`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, render, render_error
from agent_console.pages import RevealedPage
from agent_console.security import current_user, wants_json
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.audit import record
from contact_center.exports.citizen_pdf import render_citizen_pdf
from contact_center.privacy.citizen import CitizenError, collect, erase
from contact_center.privacy.pseudonym import PseudonymKeyMissing, pseudonym
from contact_center.privacy.reveal import KINDS, RevealError, check_reason, reveal
from contact_center.text import ascii_digits
from contact_center.web.audit import request_actor, request_address
from contact_center.web.permissions import permission

routes = web.RouteTableDef()
BACK = {"call": "console_call_pop", "callback": "console_callback", "registration": "console_registration"}


def _refuse(request: web.Request, status: int, code: str, message: str) -> web.Response:
    if wants_json(request):
        return web.json_response({"error": code, "message": message}, status=status)
    return render_error(request, status, message)


@routes.post("/console/reveal", name="console_reveal")
@permission("supervisor")
async def reveal_number(request: web.Request) -> web.Response:
    current_user(request)
    form = await request.post()
    kind = str(form.get("kind") or "")
    raw_id = str(form.get("id") or "")
    if kind not in KINDS or not ascii_digits(raw_id) or len(raw_id) > 18:
        return _refuse(request, 422, "invalid_input", "Qeyd düzgün göstərilməyib.")
    try:
        reason = check_reason(form.get("reason"))
        async with request.app[SESSIONMAKER].begin() as session:
            shown = await reveal(session, request_actor(request), kind, int(raw_id), reason,
                                 key=request.app[SETTINGS].pseudonym_key, address=request_address(request))
    except RevealError as exc:
        return _refuse(request, 404 if exc.code == "not_found" else 422, exc.code, exc.message)
    except PseudonymKeyMissing:
        return _refuse(request, 503, "pseudonym_key_missing",
                       "CC142_PSEUDONYM_KEY təyin edilməyib: nömrəni jurnala yazmadan göstərmək olmaz.")
    if wants_json(request):
        return web.json_response({"phone": shown.phone, "name": shown.name})
    back = str(request.app.router[BACK[kind]].url_for(id=raw_id))
    return render(request, "privacy/revealed.html", RevealedPage(shown.phone, shown.name, reason, back),
                  title="Nömrə göstərildi")


@dataclass
class CitizenPage:
    phone: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    erased: dict[str, int] | None = None
    key_missing: bool = False


@routes.get("/console/admin/citizen", name="console_admin_citizen")
@permission("admin")
async def citizen_page(request: web.Request) -> web.Response:
    page = CitizenPage(key_missing=not request.app[SETTINGS].pseudonym_key)
    return render(request, "privacy/citizen.html", page, title="Vətəndaşın müraciəti")


@routes.post("/console/admin/citizen", name="console_admin_citizen_post")
@permission("admin")
async def citizen_request(request: web.Request) -> web.StreamResponse:
    """`action=export` (format json|pdf) or `action=erase` (reason, confirm)."""
    settings = request.app[SETTINGS]
    form = await request.post()
    phone = str(form.get("phone") or "").strip()[:40]
    action = str(form.get("action") or "")
    page = CitizenPage(phone=phone, key_missing=not settings.pseudonym_key)
    if page.key_missing:
        return render(request, "privacy/citizen.html", page, title="Vətəndaşın müraciəti", status=503)
    key = settings.pseudonym_key
    actor, address = request_actor(request), request_address(request)
    try:
        if action == "export":
            fmt = "pdf" if form.get("format") == "pdf" else "json"
            async with request.app[SESSIONMAKER].begin() as session:
                data = await collect(session, phone, key)
                await record(session, actor, "citizen_export", object_type="citizen", address=address,
                             details={"phone": pseudonym(data["phone"], key), "format": fmt, "via": "console"})
            return _download(data, fmt, settings.font_dir)
        if action == "erase":
            reason = " ".join(str(form.get("reason") or "").split())
            if len(reason) < 10:
                page.errors["reason"] = "Səbəbi yazın (ən azı 10 simvol): müraciətin nömrəsi, tarixi."
            if form.get("confirm") != "1":
                page.errors["confirm"] = "Silməni təsdiq edin."
            if page.errors:
                return render(request, "privacy/citizen.html", page, title="Vətəndaşın müraciəti", status=422)
            async with request.app[SESSIONMAKER].begin() as session:
                done = await erase(session, phone, key)
                await record(session, actor, "citizen_erase", object_type="citizen", address=address, details={
                    "phone": done.pseudonym, "reason": reason[:500], "counts": done.counts,
                    "conversations": done.conversation_ids, "via": "console"})
            page.erased = done.counts
            return render(request, "privacy/citizen.html", page, title="Vətəndaşın müraciəti")
    except CitizenError:
        page.errors["phone"] = "Azərbaycan nömrəsi yazın: +994 50 123 45 67 və ya 050 123 45 67."
        return render(request, "privacy/citizen.html", page, title="Vətəndaşın müraciəti", status=422)
    return _refuse(request, 422, "invalid_input", "Əməliyyatı seçin: ixrac və ya silmə.")


def _download(data: dict[str, Any], fmt: str, font_dir: Any) -> web.Response:
    name = f"vetendas-{data['phone'].lstrip('+')}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if fmt == "pdf":
        return web.Response(body=render_citizen_pdf(data, font_dir), content_type="application/pdf", headers=headers)
    return web.Response(text=json.dumps(data, ensure_ascii=False, indent=2, default=str),
                        content_type="application/json", headers=headers)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("admin_citizen", "Vətəndaşın müraciəti", "console_admin_citizen", level="admin",
                              order=83))
