"""GET /metrics: the Prometheus text format, on the main port, for the API
token or a supervisor's session like the other read APIs.

The process's metrics (the whole process group with `--workers N`) and the
backlog read from the database for this scrape (contact_center/monitoring/).
"""

from __future__ import annotations

from aiohttp import web

from contact_center.appkeys import METRICS, SESSIONMAKER
from contact_center.monitoring.backlog import BacklogCollector, read_backlog
from contact_center.monitoring.metrics import CONTENT_TYPE
from contact_center.web.api_auth import api_principal
from contact_center.web.permissions import permission

routes = web.RouteTableDef()


@routes.get("/metrics", name="metrics")
@permission("api")
async def metrics(request: web.Request) -> web.Response:
    await api_principal(request)
    async with request.app[SESSIONMAKER]() as session:
        backlog = await read_backlog(session)
    body = request.app[METRICS].exposition([BacklogCollector(backlog)])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
