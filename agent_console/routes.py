"""Mounts the console on the application (the app factory calls `setup`).

Templates first (every later part renders with them), the console's hooks
(its error page for people, its sign-in page), the static files, then every
module of agent_console.views that has a `setup(app)`. The console's one
middleware, MIDDLEWARES (the layout parts' loader, which needs the signed-in
user), is placed by the app factory inside the permission check.
"""

from __future__ import annotations

import importlib
import pkgutil

from aiohttp import web

from agent_console import layout_parts, specs, views
from agent_console.error_pages import console_error_page
from agent_console.layout import STATIC, STATIC_ROUTE, setup_templates
from agent_console.idempotency import idempotency_middleware
from agent_console.layout_parts import layout_parts_middleware
from contact_center.appkeys import ERROR_PAGE, SIGN_IN_ROUTE
from contact_center.web.openapi import register_openapi
from contact_center.web.permissions import add_static

MIDDLEWARES = (idempotency_middleware, layout_parts_middleware)


def setup(app: web.Application) -> None:
    setup_templates(app)
    app[ERROR_PAGE] = console_error_page
    app[SIGN_IN_ROUTE] = "console_login"
    add_static(app, "/console/static/", STATIC, name=STATIC_ROUTE)
    layout_parts.setup(app)
    for info in sorted(pkgutil.iter_modules(views.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{views.__name__}.{info.name}")
        if hasattr(module, "setup"):
            module.setup(app)
    register_openapi(app, paths=specs.PATHS, schemas=specs.SCHEMAS)  # its JSON endpoints
