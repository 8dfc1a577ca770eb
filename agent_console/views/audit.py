"""The Audit page (admins): who did what to which object, from where; filtered,
paged, newest first. Reading it is itself no entry (the admins' own trail would
only grow with every look)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, render, url_for
from agent_console.pager import page_links
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.audit import ACTIONS
from contact_center.audit.search import TrailEntry, TrailFilters, search
from contact_center.paging import Page
from contact_center.text import ascii_digits
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

PER_PAGE = 50

ACTION_LABELS = {
    "sign_in": "Sistemə giriş",
    "sign_in_failed": "Uğursuz giriş cəhdi",
    "sign_out": "Sistemdən çıxış",
    "user_created": "İstifadəçi yaradıldı",
    "user_changed": "İstifadəçi dəyişdirildi",
    "account_unlocked": "Hesab blokdan çıxarıldı",
    "reference_changed": "Soraqça dəyişdirildi",
    "canned_reply_changed": "Hazır cavab dəyişdirildi",
    "registration_created": "Qeydiyyat yaradıldı",
    "registration_changed": "Qeydiyyat dəyişdirildi",
    "transcript_viewed": "Söhbətə baxış",
    "call_record_viewed": "Zəng qeydinə baxış",
    "export": "Fayl yükləndi (eksport)",
    "api_read": "API ilə oxunuş",
    "number_revealed": "Nömrə açıldı",
    "chat_transferred": "Söhbət ötürüldü",
    "kb_changed": "Bilik bazası dəyişdirildi",
    "retention_run": "Saxlama müddəti tətbiq edildi",
    "citizen_export": "Vətəndaşın məlumatları çıxarıldı",
    "citizen_erase": "Vətəndaşın məlumatları silindi",
    "call_taken": "Zəng götürüldü",
    "chat_forgotten": "Çat cihazdan unuduldu",
}
ACTOR_KIND_LABELS = {"user": "İstifadəçi", "system": "Sistem", "api-token": "API açarı", "anonymous": "Anonim"}
# Objects with a console page of their own: the trail links to it.
OBJECT_ROUTES = {"user": "console_admin_user", "conversation": "console_conversation",
                 "registration": "console_registration"}
OBJECT_LABELS = {"user": "İstifadəçi", "conversation": "Söhbət", "registration": "Qeydiyyat", "call": "Zəng",
                 "callback": "Geri zəng", "canned_reply": "Hazır cavab", "login_name": "Giriş adı (heş)"}


@dataclass
class AuditPage:
    args: dict[str, str]
    errors: dict[str, str]
    result: Page[TrailEntry]
    page_links: dict[str, str | None]
    actions: dict[str, str]
    links: dict[int, str]  # entry id -> its object's console page
    actor_kinds: dict[str, str] = field(default_factory=lambda: ACTOR_KIND_LABELS)
    object_labels: dict[str, str] = field(default_factory=lambda: OBJECT_LABELS)

    @staticmethod
    def details_text(entry: TrailEntry) -> str:
        return json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else ""


def _actions() -> dict[str, str]:
    return {a: ACTION_LABELS.get(a, a) for a in sorted(ACTIONS, key=lambda a: ACTION_LABELS.get(a, a))}


def _filters(query: Any) -> tuple[TrailFilters, dict[str, str]]:
    errors: dict[str, str] = {}

    def day(name: str) -> date | None:
        raw = (query.get(name) or "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = "Tarixi İİİİ-AA-GG formatında yazın."
            return None

    def text(name: str, limit: int) -> str | None:
        return (query.get(name) or "").strip()[:limit] or None

    since, until = day("from"), day("to")
    if since and until and until < since:
        errors["to"] = "Son tarix başlanğıc tarixindən əvvəl ola bilməz."
    action = text("action", 40)
    if action is not None and action not in ACTIONS:
        errors["action"] = "Siyahıdan seçin."
        action = None
    raw_page = query.get("page") or "1"
    page = int(raw_page) if ascii_digits(raw_page) and len(raw_page) < 7 else 1
    return TrailFilters(since, until, text("actor", 64), action, text("object_type", 40), text("object_id", 80),
                        page), errors


@routes.get("/console/admin/audit", name="console_admin_audit")
@permission("admin")
async def audit_page(request: web.Request) -> web.Response:
    filters, errors = _filters(request.query)
    async with request.app[SESSIONMAKER]() as session:
        result = await search(session, request.app[SETTINGS].tz, filters, per_page=PER_PAGE)
    args = filters.query_args()
    links = {
        e.id: url_for(request, OBJECT_ROUTES[e.object_type], id=e.object_id) for e in result.rows
        if e.object_type in OBJECT_ROUTES and e.object_id and ascii_digits(e.object_id) and len(e.object_id) < 10
    }
    page = AuditPage(args, errors, result, page_links(request, "console_admin_audit", args, result), _actions(),
                     links)
    return render(request, "admin/audit.html", page, title="Audit", status=422 if errors else 200)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("admin_audit", "Audit", "console_admin_audit", level="admin", order=83))
