"""Loads the layout parts (agent_console.layout.LayoutPart) of a page, and serves them alone.

The base layout is rendered synchronously, so the parts' data is read before
the handler runs: for a signed-in user's GET of a page (not JSON, not a
WebSocket, not a live-refresh fetch of a region, which never includes the
layout) each part the user's role may see is loaded in one read-only
session (`layout_parts_middleware`, which the app factory places inside the
permission check). `GET /console/parts/<key>` renders one part alone; console.js
re-fetches it when one of the part's live topics arrives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from agent_console.layout import LOADED_PARTS, PART_ROUTE, parts_for, render_fragment
from agent_console.security import current_user, maybe_user, wants_json
from contact_center.appkeys import SESSIONMAKER
from contact_center.web.permissions import permission

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

routes = web.RouteTableDef()


def _is_page_request(request: web.Request) -> bool:
    if request.method != "GET" or wants_json(request):
        return False
    if request.headers.get("Upgrade", "").lower() == "websocket" or "X-Live-Refresh" in request.headers:
        return False
    route = request.match_info.route
    return route is not None and route.name != PART_ROUTE


@web.middleware
async def layout_parts_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Runs inside the security middleware: the session's user is already known.
    user = maybe_user(request)
    if user is not None and _is_page_request(request):
        parts = parts_for(request.app, user.role)
        if parts:
            loaded: dict[str, Any] = {}
            async with request.app[SESSIONMAKER]() as session:
                for part in parts:
                    loaded[part.key] = await part.load(request, session, user)
            request[LOADED_PARTS] = loaded
    return await handler(request)


@routes.get("/console/parts/{key}", name=PART_ROUTE)
@permission("agent")
async def layout_part(request: web.Request) -> web.StreamResponse:
    """One part's partial (empty when it has nothing to show), for console.js."""
    user = current_user(request)
    key = request.match_info["key"]
    part = next((p for p in parts_for(request.app, user.role) if p.key == key), None)
    if part is None:  # unknown, or not for this role
        return web.Response(status=404, text="Tapılmadı.", content_type="text/plain")
    async with request.app[SESSIONMAKER]() as session:
        data = await part.load(request, session, user)
    return render_fragment(request, part.template, part=data)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
