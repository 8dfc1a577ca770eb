"""Mounts the console on the application.

Order matters only here: templates and the security middleware first, then
the static files, the live hub (after the database in cleanup_ctx), and
every module of agent_console.views that has a `setup(app)`.
"""

from __future__ import annotations

import importlib
import pkgutil

from aiohttp import web

from agent_console import views
from agent_console.layout import STATIC, STATIC_ROUTE, setup_templates
from agent_console.security import setup_security
from contact_center.live import live_hub_context
from contact_center.web.permissions import add_static


def setup(app: web.Application) -> None:
    setup_templates(app)
    setup_security(app)
    add_static(app, "/console/static/", STATIC, name=STATIC_ROUTE)
    app.cleanup_ctx.append(live_hub_context)
    for info in sorted(pkgutil.iter_modules(views.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{views.__name__}.{info.name}")
        if hasattr(module, "setup"):
            module.setup(app)
