from __future__ import annotations

from aiohttp import web

from webhooks import callbacks_api, chat, meta, pbx


def setup(app: web.Application) -> None:
    pbx.setup(app)
    app.router.add_routes(callbacks_api.routes)
    chat.setup(app)
    meta.setup(app)
