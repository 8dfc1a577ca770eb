from __future__ import annotations

from aiohttp import web

from webhooks import chat, meta, pbx


def setup(app: web.Application) -> None:
    app.router.add_routes(pbx.routes)
    chat.setup(app)
    meta.setup(app)
