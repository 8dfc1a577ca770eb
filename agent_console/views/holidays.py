"""Administration: the calendar of days off (public holidays) that callback due
times count around (contact_center/reference/calendar.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, redirect, render
from contact_center import audit
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.reference import calendar
from contact_center.text import ascii_digits
from contact_center.timeutil import local_date
from contact_center.web.audit import request_actor, request_address
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

KIND_LABELS = {"fixed": "Əmək Məcəlləsi (sabit)", "movable": "Hər il elan olunur", "extra": "Əlavə istirahət günü",
               "moved": "Köçürülmüş (həftə sonundan)"}
WEEKDAYS = ("B.e.", "Ç.a.", "Ç.", "C.a.", "C.", "Ş.", "B.")


@dataclass
class HolidaysPage:
    year: int
    days: list[calendar.DayOff]
    kinds: dict[str, str]
    weekdays: tuple[str, ...]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _year(request: web.Request) -> int:
    raw = request.query.get("year", "")
    if ascii_digits(raw) and 2000 <= int(raw) <= 2100:
        return int(raw)
    return local_date(datetime.now(UTC), request.app[SETTINGS].tz).year


async def _page(request: web.Request, year: int, status: int = 200, **extra: dict[str, str]) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        days = await calendar.year(session, year)
    page = HolidaysPage(year, days, KIND_LABELS, WEEKDAYS, **extra)
    return render(request, "admin/holidays.html", page, title=f"İstirahət günləri ({year})", status=status)


@routes.get("/console/admin/holidays", name="console_admin_holidays")
@permission("admin")
async def holidays(request: web.Request) -> web.Response:
    return await _page(request, _year(request))


@routes.post("/console/admin/holidays", name="console_admin_holiday_add")
@permission("admin")
async def holiday_add(request: web.Request) -> web.Response:
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("day", "name", "kind")}
    try:
        day = date.fromisoformat(values["day"])
    except ValueError:
        return await _page(request, _year(request), 422, values=values, errors={"day": "Tarixi seçin (İİİİ-AA-GG)."})
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            if await calendar.add(session, day, values["name"], values["kind"]):
                await audit.record(session, request_actor(request), "reference_changed", object_type="holiday",
                                   object_id=day.isoformat(), address=request_address(request),
                                   details={"change": "set", "name": values["name"], "kind": values["kind"]})
    except calendar.CalendarInputError as exc:
        return await _page(request, day.year, 422, values=values, errors={exc.field: exc.message_az})
    return redirect(request, "console_admin_holidays", query={"year": str(day.year)},
                    flash=f"{day:%d.%m.%Y} istirahət günü kimi saxlanıldı.")


@routes.post("/console/admin/holidays/{day}/delete", name="console_admin_holiday_delete")
@permission("admin")
async def holiday_delete(request: web.Request) -> web.Response:
    try:
        day = date.fromisoformat(request.match_info["day"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with request.app[SESSIONMAKER].begin() as session:
        if await calendar.remove(session, day):
            await audit.record(session, request_actor(request), "reference_changed", object_type="holiday",
                               object_id=day.isoformat(), address=request_address(request),
                               details={"change": "removed"})
    return redirect(request, "console_admin_holidays", query={"year": str(day.year)},
                    flash=f"{day:%d.%m.%Y} təqvimdən çıxarıldı.")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("admin_holidays", "İstirahət günləri", "console_admin_holidays", level="admin", order=83))
