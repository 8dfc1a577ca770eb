"""How an error looks for people when the console is mounted: an Azerbaijani
page in the base layout (the ERROR_PAGE hook of contact_center.web.error_pages,
which decides when a person, rather than a program, gets the answer)."""

from __future__ import annotations

import logging

from aiohttp import web

from agent_console.layout import render_error
from contact_center.web.sessions import load_user

log = logging.getLogger(__name__)


async def console_error_page(request: web.Request, status: int, message_az: str) -> web.StreamResponse:
    if request.path.startswith("/console") and status in (404, 405):
        try:
            await load_user(request)  # the page keeps the user's menu
        except Exception:  # noqa: BLE001 - the database may be what failed
            log.debug("no user for the error page", exc_info=True)
    return render_error(request, status, message_az)
