"""The console's start page: what the signed-in user should do next."""

from __future__ import annotations

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, render
from agent_console.pages import HomePage
from agent_console.security import current_user
from contact_center.accounts import agent_status
from contact_center.accounts.agent_status import STATUS_LABELS
from contact_center.appkeys import SESSIONMAKER, SETTINGS
from contact_center.callbacks import queue as callbacks
from contact_center.calls import recent_calls_for
from contact_center.web.permissions import permission, role_allows

routes = web.RouteTableDef()


@routes.get("/console", name="console_home")
@permission("agent")
async def home(request: web.Request) -> web.Response:
    user = current_user(request)
    settings = request.app[SETTINGS]
    async with request.app[SESSIONMAKER]() as session:
        recent = await recent_calls_for(session, user.extension) if user.extension else []
        mine = await callbacks.claimed_by(session, user.id)
        queue = await callbacks.queue_counts(session)
        floor = None
        if role_allows(user.role, "supervisor"):
            people = await agent_status.presence(session)
            floor = {code: sum(1 for p in people if p.status == code) for code in STATUS_LABELS}
    page = HomePage(recent_calls=recent, my_callbacks=mine, queue=queue, tz=settings.timezone, floor=floor)
    return render(request, "home.html", page, title="Əsas")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("home", "Əsas", "console_home", level="agent", order=0))
