from __future__ import annotations

from aiohttp import web

from contact_center.web.openapi import register_openapi
from webhooks import callbacks_api, chat, meta, pbx, specs


def setup(app: web.Application) -> None:
    pbx.setup(app)
    app.router.add_routes(callbacks_api.routes)
    chat.setup(app)
    meta.setup(app)
    register_openapi(app, paths=specs.PATHS, schemas=specs.SCHEMAS)
