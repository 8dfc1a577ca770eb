from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from contact_center.appkeys import AMI, CHAT, ENGINE
from contact_center.db.migrate import current_revision, head_revision
from contact_center.web.permissions import permission

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/healthz", name="healthz")
@permission("public")
async def healthz(request: web.Request) -> web.Response:
    """The process is alive (no dependencies checked)."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz", name="readyz")
@permission("public")
async def readyz(request: web.Request) -> web.Response:
    """Ready to serve: the database answers and its schema is at the head revision.

    ``bot`` says whether Rasa answers (cached): ``ready``, ``degraded`` (some
    replicas of several answer), ``starting`` or ``unavailable``, with
    ``bot_replicas`` listing each replica's status when RASA_URL names several;
    chats reach a person without it, so it never makes the backend unready. ``ami`` is the Asterisk Manager
    connection's state (``off`` without AMI_HOST; ``standby`` in a process that
    does not hold it); calls still come in by the other paths without it, so it
    never makes the backend unready either.
    """
    engine = request.app[ENGINE]
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        current = await current_revision(engine)
    except Exception:  # noqa: BLE001 - any failure means not ready
        # The driver's text (host, user, socket path) is for the log, not for anybody who asks.
        log.warning("readyz: the database is unavailable", exc_info=True)
        return web.json_response({"status": "unavailable", "database": "unavailable"}, status=503)
    head = head_revision()
    if current != head:
        return web.json_response(
            {"status": "unavailable", "migrations": {"current": current, "head": head}}, status=503
        )
    client = request.app[CHAT].bot
    link = request.app.get(AMI)
    ami = link.report() if link is not None else {"state": "off"}
    body = {"status": "ready", "migration": current, "bot": await client.health(), "ami": ami}
    if len(client.urls) > 1:  # several Rasa replicas: each one's status, in RASA_URL's order
        body["bot_replicas"] = await client.replica_health()
    return web.json_response(body)
