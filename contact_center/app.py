"""The application factory: the one place that builds the backend process.

`create_app(settings, mounts=...)`, in this order:

1. the settings and the runtime (contact_center/runtime.py): database, live
   hub, chat, PBX batcher, Meta worker, statistics refresher, whatever is
   mounted;
2. the middleware chain, in one visible order (`middleware_chain`);
3. the core's own routes: health, the JSON APIs (records, statistics), /metrics, the OpenAPI description;
4. the mounted areas (MOUNTS, all of them by default): each area's
   `setup(app)` adds its routes, templates, static files and navigation
   entries, and fills the hooks it offers (the console: how an error page
   looks for people, where to sign in).

This is the only core module that imports the adapters (webhooks/,
agent_console/); tests/architecture/test_imports.py keeps it so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware

from agent_console import routes as console_routes
from contact_center import runtime
from contact_center.api import metrics as metrics_api
from contact_center.api import records as records_api
from contact_center.api import specs as api_specs
from contact_center.api import stats as stats_api
from contact_center.appkeys import SETTINGS
from contact_center.config import Settings
from contact_center.stats import openapi as stats_openapi
from contact_center.web import health, openapi
from contact_center.web.body_limits import DEFAULT_LIMIT, body_limits_middleware
from contact_center.web.error_pages import error_pages_middleware
from contact_center.web.headers import add_security_headers
from contact_center.web.request_context import request_context_middleware, stamp_request_id
from contact_center.web.security import security_middleware
from webhooks import routes as webhook_routes

@dataclass(frozen=True)
class Mount:
    """An area of the application: its routes and hooks, and its own middlewares
    (placed innermost, after the permission check, so they may use the signed-in user)."""

    setup: Callable[[web.Application], None]
    middlewares: tuple[Middleware, ...] = ()


MOUNTS: dict[str, Mount] = {
    "webhooks": Mount(webhook_routes.setup),  # PBX, callbacks, web chat (+ widget), Meta
    "console": Mount(console_routes.setup, console_routes.MIDDLEWARES),  # /console and the citizen's form
}


def middleware_chain(inner: Sequence[Middleware] = ()) -> list[Middleware]:
    """Every request passes these, outermost first. A slot later work fills is a
    comment until it has a middleware; keep the order."""
    return [
        request_context_middleware,  # 1. client address and scheme (trusted proxies), X-Request-Id, metrics, access log
        error_pages_middleware,  # 2. error pages: JSON for /api and /webhooks, the mounted page for people
        # 3. security headers: a response signal, not a middleware, so that slot 2's
        #    pages get them too (web/headers.py add_security_headers, below)
        body_limits_middleware,  # 4. body limits per route, encodings, bounded path ids (web/body_limits.py)
        security_middleware,  # 5. permissions: sessions, roles, CSRF, the API token
        *inner,  # 6. the mounted areas' own (the console's layout parts)
    ]


def create_app(settings: Settings, *, mounts: Iterable[str] = tuple(MOUNTS)) -> web.Application:
    chosen = list(dict.fromkeys(mounts))
    unknown = [name for name in chosen if name not in MOUNTS]
    if unknown:
        raise ValueError(f"unknown mounts {unknown}; choose from {sorted(MOUNTS)}")
    app = web.Application(client_max_size=DEFAULT_LIMIT)  # routes' own: body_limits.LIMITS
    app[SETTINGS] = settings
    runtime.install(app)
    app.middlewares.extend(middleware_chain([m for name in chosen for m in MOUNTS[name].middlewares]))
    app.on_response_prepare.append(stamp_request_id)
    app.on_response_prepare.append(add_security_headers)
    app.router.add_routes(health.routes)
    app.router.add_routes(records_api.routes)
    app.router.add_routes(metrics_api.routes)
    app.router.add_routes(stats_api.routes)
    openapi.setup(app)
    openapi.register_openapi(app, paths=api_specs.PATHS, schemas=api_specs.SCHEMAS)
    record_paths, record_schemas = records_api.openapi_paths()
    openapi.register_openapi(app, paths=record_paths, schemas=record_schemas)
    openapi.register_openapi(app, paths=stats_openapi.PATHS, schemas=stats_openapi.SCHEMAS)
    for name in chosen:
        MOUNTS[name].setup(app)
    openapi.document_body_refusals(app)
    return app
