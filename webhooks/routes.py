from __future__ import annotations

from aiohttp import web

from webhooks import meta, pbx


def setup(app: web.Application) -> None:
    app.router.add_routes(pbx.routes)
    meta.setup(app)
