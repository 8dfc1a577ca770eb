from __future__ import annotations

from aiohttp import web

from webhooks import chat, pbx


def setup(app: web.Application) -> None:
    app.router.add_routes(pbx.routes)
    chat.setup(app)
