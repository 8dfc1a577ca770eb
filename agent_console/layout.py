"""The console's page shell: templates, navigation, flash messages, redirects.

A view renders a page with the base layout like this:

    return render(request, "callbacks/queue.html", QueuePage(...), title="Geri zənglər")

and the template starts with `{% extends "base.html" %}` and fills
`{% block content %}`. The template sees `page` (the view's dataclass),
`user` (CurrentUser or None), `nav`, `csrf_token`, `flash`, `title` and the
helpers `url(name, **parts)`, `static(path)`, and filters `local_dt`,
`local_date`, `duration`, `remaining`, and the access policy's (contact_center.privacy.access)
`phone`, `citizen` (a name) and `masktext`: masked unless the view passes `full=...` from the policy.

Other areas add navigation entries (shown to the roles that may use them)
without touching the template:

    add_nav_item(app, NavItem("inbox", "Çat", "console_inbox", level="agent", order=20))

and their own template folders with `add_template_dir(app, path)`.

An area can also put a server-rendered partial on EVERY page of the roles
that may see it (e.g. the supervisors' urgent-chat banner), re-fetched live
when one of its topics arrives (agent_console.layout_parts does the loading):

    add_layout_part(app, LayoutPart("urgent", "inbox/_urgent_banner.html", load_urgent,
                                    level="supervisor", refresh_on=("chat.urgent",)))
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from agent_console.security import csrf_token_for, maybe_user, set_presession_cookie
from contact_center.appkeys import LAYOUT_PARTS, NAV_ITEMS, SETTINGS, TEMPLATE_LOADERS
from contact_center.privacy import access
from contact_center.shell import LayoutPart, NavItem
from contact_center.web.client import cookies_secure
from contact_center.web.permissions import role_allows

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_ROUTE = "console_static"
FLASH_COOKIE = "cc142_flash"

# Filled by agent_console.layout_parts before the handler: part key -> what load() returned.
LOADED_PARTS: web.RequestKey[dict[str, Any]] = web.RequestKey("console_loaded_parts")
PART_ROUTE = "console_layout_part"


def add_nav_item(app: web.Application, item: NavItem) -> None:
    items = app.setdefault(NAV_ITEMS, [])  # type: ignore[arg-type]
    if any(i.key == item.key for i in items):
        raise ValueError(f"nav item {item.key!r} is already registered")
    items.append(item)
    items.sort(key=lambda i: (i.order, i.key))


def add_layout_part(app: web.Application, part: LayoutPart) -> None:
    parts = app.setdefault(LAYOUT_PARTS, [])  # type: ignore[arg-type]
    if any(p.key == part.key for p in parts):
        raise ValueError(f"layout part {part.key!r} is already registered")
    parts.append(part)
    parts.sort(key=lambda p: (p.order, p.key))


def parts_for(app: web.Application, role: str | None) -> list[LayoutPart]:
    return [p for p in app.get(LAYOUT_PARTS, []) if role_allows(role, p.level)]


def add_template_dir(app: web.Application, directory: Path) -> None:
    """Templates of another area; they may extend "base.html"."""
    app[TEMPLATE_LOADERS].loaders.append(jinja2.FileSystemLoader(directory))  # type: ignore[attr-defined]


# --- formatting filters ------------------------------------------------------
AZ_MONTHS = ["yan", "fev", "mar", "apr", "may", "iyn", "iyl", "avq", "sen", "okt", "noy", "dek"]


def _filters(app: web.Application) -> dict[str, Any]:
    def tz() -> Any:
        return app[SETTINGS].tz

    def local_dt(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
        return value.astimezone(tz()).strftime(fmt) if value else "—"

    def local_date(value: datetime | None) -> str:
        return value.astimezone(tz()).strftime("%d.%m.%Y") if value else "—"

    def duration(seconds: float | None) -> str:
        if seconds is None:
            return "—"
        total = int(round(seconds))
        minutes, secs = divmod(total, 60)
        if minutes >= 60:
            hours, minutes = divmod(minutes, 60)
            return f"{hours} saat {minutes:02d} dəq"
        return f"{minutes} dəq {secs:02d} san" if minutes else f"{secs} san"

    def remaining(seconds: float | None) -> str:
        """Time left, coarse: "6 gün 23 saat", "23 saat 05 dəq", "42 dəq"."""
        if seconds is None:
            return "—"
        minutes = int(seconds) // 60
        if minutes < 1:
            return "1 dəqiqədən az"
        days, rest = divmod(minutes, 1440)
        hours, minutes = divmod(rest, 60)
        if days:
            return f"{days} gün {hours} saat"
        return f"{hours} saat {minutes:02d} dəq" if hours else f"{minutes} dəq"

    def phone(value: str | None, full: bool = False) -> str:
        """Masked (`+994 50 ••• •• 67`) unless the view says the access policy shows it."""
        return access.show_phone(value, bool(full))

    def citizen(value: str | None, full: bool = False) -> str:
        """A citizen's name, masked like the number unless `full`."""
        return access.show_name(value, bool(full))

    def masktext(value: str | None, full: bool = False) -> str:
        """Free text with the phone numbers in it masked unless `full`."""
        return (value or "") if full else access.mask_numbers_in_text(value)

    return {"local_dt": local_dt, "local_date": local_date, "duration": duration, "remaining": remaining,
            "phone": phone, "citizen": citizen, "masktext": masktext}


def setup_templates(app: web.Application) -> None:
    loaders = jinja2.ChoiceLoader([jinja2.FileSystemLoader(TEMPLATES)])
    app[TEMPLATE_LOADERS] = loaders
    env = aiohttp_jinja2.setup(
        app,
        loader=loaders,
        autoescape=jinja2.select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(_filters(app))
    # The chat SLA's target, for marking chats that wait past it (inbox, wallboard).
    env.globals["chat_sla_seconds"] = lambda: app[SETTINGS].chat_first_response_target_seconds
    env.tests["late_chat"] = lambda row: row.status == "pending" and (row.waiting_seconds or 0) > \
        app[SETTINGS].chat_first_response_target_seconds


# --- rendering -----------------------------------------------------------------
def url_for(request: web.Request, name: str, *, query: dict[str, Any] | None = None, **parts: Any) -> str:
    url = request.app.router[name].url_for(**{k: str(v) for k, v in parts.items()})
    if query:
        url = url.with_query({k: str(v) for k, v in query.items() if v not in (None, "")})
    return str(url)


def static_url(request: web.Request, path: str) -> str:
    return str(request.app.router[STATIC_ROUTE].url_for(filename=path))


def _nav(request: web.Request) -> list[dict[str, Any]]:
    user = maybe_user(request)
    if user is None:
        return []
    current = request.match_info.route.name if request.match_info.route else None
    out = []
    for item in request.app.get(NAV_ITEMS, []):
        if not role_allows(user.role, item.level):
            continue
        href = url_for(request, item.route)
        active = current == item.route or (href != "/console" and request.path.startswith(href + "/"))
        out.append({"key": item.key, "label": item.label, "url": href, "active": active})
    return out


def _layout_parts(request: web.Request) -> tuple[list[dict[str, Any]], list[str]]:
    """The parts' containers (with content when loaded) and their scripts."""
    user = maybe_user(request)
    if user is None:
        return [], []
    loaded = request.get(LOADED_PARTS, {})
    out, scripts = [], []
    for part in parts_for(request.app, user.role):
        out.append({
            "key": part.key,
            "template": part.template,
            "loaded": part.key in loaded,  # not loaded (an error page...): the script fetches it
            "data": loaded.get(part.key),
            "url": url_for(request, PART_ROUTE, key=part.key),
            "refresh_on": ",".join(part.refresh_on),
        })
        if part.script and part.script not in scripts:
            scripts.append(part.script)
    return out, [s if s.startswith("/") else static_url(request, s) for s in scripts]


def _take_flash(request: web.Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = json.loads(urllib.parse.unquote(raw))
        return {"kind": str(value["kind"]), "text": str(value["text"])}
    except (ValueError, KeyError, TypeError):
        return None


def render(
    request: web.Request,
    template: str,
    page: Any = None,
    *,
    title: str,
    status: int = 200,
    **extra: Any,
) -> web.Response:
    """Render `template` (extending base.html) with the page's dataclass as `page`."""
    flash = _take_flash(request)
    parts, part_scripts = _layout_parts(request)
    context = {
        "page": page,
        "title": title,
        "user": maybe_user(request),
        "nav": _nav(request),
        "csrf_token": csrf_token_for(request),
        "flash": flash,
        "url": lambda name, query=None, **parts: url_for(request, name, query=query, **parts),
        "static": lambda path: static_url(request, path),
        "request_path": request.path,
        "layout_parts": parts,
        "layout_scripts": part_scripts,
        **extra,
    }
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    set_presession_cookie(request, response)
    if flash is not None:
        response.del_cookie(FLASH_COOKIE, path="/")
    return response


def render_fragment(request: web.Request, template: str, **context: Any) -> web.Response:
    """A partial (templates named `_*.html`) for fetch() to insert into a page."""
    context.setdefault("user", maybe_user(request))
    context.setdefault("csrf_token", csrf_token_for(request))
    context.setdefault("url", lambda name, query=None, **parts: url_for(request, name, query=query, **parts))
    context.setdefault("static", lambda path: static_url(request, path))
    response = aiohttp_jinja2.render_template(template, request, context)
    response.headers["Cache-Control"] = "no-store"
    return response


def render_error(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html", {"status": status, "message": message}, title="Xəta", status=status)


def redirect(
    request: web.Request,
    name: str,
    *,
    query: dict[str, Any] | None = None,
    flash: str | None = None,
    flash_kind: str = "ok",
    **parts: Any,
) -> web.Response:
    """303 to a named route (POST-redirect-GET), optionally with a flash message."""
    response = web.Response(status=303, headers={"Location": url_for(request, name, query=query, **parts)})
    if flash:
        set_flash(request, response, flash, flash_kind)
    return response


def set_flash(request: web.Request, response: web.StreamResponse, text: str, kind: str = "ok") -> None:
    value = urllib.parse.quote(json.dumps({"kind": kind, "text": text}, ensure_ascii=False))
    response.set_cookie(
        FLASH_COOKIE, value, httponly=True, samesite="Lax",
        secure=cookies_secure(request), path="/", max_age=60,
    )
