"""Agent status: each user sets their own; supervisors watch everyone's."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, redirect, render
from agent_console.security import current_user, wants_json
from contact_center.accounts import AgentPresence, agent_status
from contact_center.accounts.agent_status import STATUS_LABELS
from contact_center.appkeys import SESSIONMAKER
from contact_center.db.models.users import AGENT_STATUSES
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


@routes.post("/console/status", name="console_status")
@permission("agent")
async def set_my_status(request: web.Request) -> web.Response:
    user = current_user(request)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = None
        status = str(body.get("status", "")) if isinstance(body, dict) else ""
        next_url = ""
    else:
        form = await request.post()
        status = str(form.get("status", ""))
        next_url = str(form.get("next", ""))
    if status not in AGENT_STATUSES:
        if wants_json(request):
            return web.json_response(
                {"error": "invalid_input", "field": "status", "message": "Belə status yoxdur."}, status=422)
        return redirect(request, "console_home", flash="Belə status yoxdur.", flash_kind="error")
    async with request.app[SESSIONMAKER].begin() as session:
        await agent_status.set_status(session, user.id, status)
    if wants_json(request):
        return web.json_response({"status": status})
    location = next_url if next_url.startswith("/console") and not next_url.startswith("//") else "/console"
    return web.Response(status=303, headers={"Location": location})


@dataclass(frozen=True)
class AgentsPage:
    agents: list[AgentPresence]
    counts: dict[str, int]
    labels: dict[str, str]


@routes.get("/console/agents", name="console_agents")
@permission("supervisor")
async def agents(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        rows = await agent_status.presence(session)
    counts = {code: sum(1 for a in rows if a.status == code) for code in AGENT_STATUSES}
    return render(request, "agents.html", AgentsPage(rows, counts, STATUS_LABELS), title="Agentlər")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("agents", "Agentlər", "console_agents", level="supervisor", order=60))
