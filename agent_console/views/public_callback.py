"""The citizen's page: "Sizə zəng edək" — request a callback (public, Azerbaijani)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from agent_console.layout import render
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.callbacks import CallbackInputError, check_callback_request, count_callback_request, create_callback
from contact_center.reference import lists as reference
from contact_center.web.client import client_address
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

PREFERRED_TIMES = [
    "İstənilən vaxt",
    "Səhər (09:00–12:00)",
    "Günorta (12:00–15:00)",
    "Axşamüstü (15:00–18:00)",
]
FIELDS = ("phone", "name", "district", "direction", "preferred_time", "note")


@dataclass
class CallbackRequestPage:
    choices: reference.Choices
    preferred_times: list[str]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    due: str | None = None  # set once the request is accepted
    existing: bool = False


async def _page(request: web.Request, **kwargs: object) -> CallbackRequestPage:
    async with request.app[SESSIONMAKER]() as session:
        choices = await reference.choices(session)
    return CallbackRequestPage(choices, PREFERRED_TIMES, **kwargs)  # type: ignore[arg-type]


@routes.get("/callback", name="public_callback")
@permission("public", csrf=True)
async def form(request: web.Request) -> web.Response:
    return render(request, "public/callback.html", await _page(request), title="Sizə zəng edək")


@routes.post("/callback", name="public_callback_post")
@permission("public", csrf=True)
async def submit(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    sessionmaker = request.app[SESSIONMAKER]
    posted = await request.post()
    values = {k: str(posted.get(k, "")).strip() for k in FIELDS}
    async with sessionmaker.begin() as session:
        limited = await count_callback_request(session, settings, client=client_address(request))
    if limited is not None:
        page = await _page(request, values=values, error="Bu ünvandan çox sayda sorğu göndərilib. Bir az sonra yenidən cəhd edin və ya 142-yə zəng edin.")
        return render(request, "public/callback.html", page, title="Sizə zəng edək", status=429)
    payload = {k: (v or None) for k, v in values.items()}
    if payload["preferred_time"] not in PREFERRED_TIMES:
        payload["preferred_time"] = None
    try:
        async with sessionmaker() as session:
            req = await check_callback_request(session, payload)
    except CallbackInputError as exc:
        page = await _page(request, values=values, errors={exc.field: exc.message_az})
        return render(request, "public/callback.html", page, title="Sizə zəng edək", status=422)
    async with sessionmaker.begin() as session:
        limited = await count_callback_request(session, settings, phone=req.phone)
    if limited is not None:
        page = await _page(request, values=values, error="Bu nömrə üçün bu gün artıq çox sorğu göndərilib. Zəhmət olmasa, 142-yə zəng edin.")
        return render(request, "public/callback.html", page, title="Sizə zəng edək", status=429)
    async with sessionmaker.begin() as session:
        created = await create_callback(
            session, settings, phone=req.phone, source="web", citizen_name=req.citizen_name,
            district=req.district, direction=req.direction, preferred_time=req.preferred_time, note=req.note,
        )
    due = created.due_at.astimezone(settings.tz).strftime("%d.%m.%Y %H:%M")
    page = await _page(request, due=due, existing=not created.created)
    return render(request, "public/callback.html", page, title="Sorğunuz qəbul edildi", status=201 if created.created else 200)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
