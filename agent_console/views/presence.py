"""Agent status: each user sets their own (available, paused with a reason, offline);
supervisors watch everyone's live state (the exchange adds on_call and wrap_up)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from agent_console.layout import NavItem, add_nav_item, redirect, render, url_for
from agent_console.security import current_user, wants_json
from contact_center.accounts import AgentPresence, agent_status
from contact_center.accounts.agent_status import LEGACY_STATUSES, STATUS_LABELS
from contact_center.appkeys import SESSIONMAKER, SETTINGS
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
        reason = str(body.get("reason") or "") if isinstance(body, dict) else ""
        next_url = ""
    else:
        form = await request.post()
        status = str(form.get("status", ""))
        reason = str(form.get("reason", ""))
        next_url = str(form.get("next", ""))
    status, _, coded = status.partition(":")  # "paused:lunch" works too
    status, reason = LEGACY_STATUSES.get(status, (status, coded or reason or None))
    if status == "paused" and not reason and not wants_json(request):
        # The header's select says only "pause": the reason is picked on its own page.
        return web.Response(status=303, headers={"Location": url_for(request, "console_pause")})
    async with request.app[SESSIONMAKER].begin() as session:
        reasons = await agent_status.pause_reasons(session)
        error = None
        if status not in AGENT_STATUSES:
            error = ("status", "Belə status yoxdur.")
        elif status == "paused" and reason not in reasons:
            error = ("reason", "Fasilənin səbəbini siyahıdan seçin.")
        else:
            await agent_status.set_status(session, user.id, status, reason=reason,
                                          wrap_up_seconds=request.app[SETTINGS].wrap_up_seconds)
    if error is not None:
        if wants_json(request):
            return web.json_response({"error": "invalid_input", "field": error[0], "message": error[1]}, status=422)
        return redirect(request, "console_home", flash=error[1], flash_kind="error")
    if wants_json(request):
        return web.json_response({"status": status, "reason": reason if status == "paused" else None})
    location = next_url if next_url.startswith("/console") and not next_url.startswith("//") else "/console"
    return web.Response(status=303, headers={"Location": location})


@dataclass(frozen=True)
class PausePage:
    reasons: dict[str, str]
    current: str | None


@routes.get("/console/pause", name="console_pause")
@permission("agent")
async def pause_page(request: web.Request) -> web.Response:
    """Pick why you pause (the admins' list): one button per reason."""
    user = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        reasons = await agent_status.pause_reasons(session)
        current = await agent_status.my_pause_reason(session, user.id)
    return render(request, "pause.html", PausePage(reasons, current), title="Fasilə")


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
    counts = {code: sum(1 for a in rows if a.status == code) for code in STATUS_LABELS}
    return render(request, "agents.html", AgentsPage(rows, counts, STATUS_LABELS), title="Agentlər")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("agents", "Agentlər", "console_agents", level="supervisor", order=60))
