"""The OpenAPI 3 description the backend serves (GET /api/v1/openapi.json).

A registry: each area adds its paths and schemas when it mounts its routes
(`register_openapi(app, paths=..., schemas=...)`), so the description always
matches what this backend actually serves.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from contact_center.appkeys import OPENAPI
from contact_center.web.permissions import permission

Spec = dict[str, Any]

routes = web.RouteTableDef()


def _registry(app: web.Application) -> Spec:
    if OPENAPI not in app:
        app[OPENAPI] = {
            "openapi": "3.0.3",
            "info": {
                "title": "142 contact platform API",
                "version": "1",
                "description": "JSON APIs of the DOST call centre 142 backend. Times are ISO 8601 with a UTC "
                "offset; local dates (YYYY-MM-DD) are days in CC142_TIMEZONE (default Asia/Baku). Errors are "
                "JSON: {\"error\": code, \"message\": text, \"field\": the bad parameter or field}.",
            },
            "paths": {},
            "components": {
                "schemas": {
                    "Error": {
                        "type": "object",
                        "required": ["error", "message"],
                        "properties": {
                            "error": {"type": "string", "description": "machine-readable code, e.g. invalid_input"},
                            "message": {"type": "string", "description": "what is wrong, for a person"},
                            "field": {"type": "string", "nullable": True, "description": "the parameter or field at fault"},
                            "index": {"type": "integer", "description": "the item of an array at fault"},
                        },
                    }
                },
                "securitySchemes": {
                    "apiToken": {"type": "http", "scheme": "bearer", "description": "CC142_API_TOKEN"},
                    "hmac": {"type": "apiKey", "in": "header", "name": "X-Signature-256",
                             "description": "sha256=<hex HMAC-SHA256 of the raw body keyed with PBX_WEBHOOK_SECRET>"},
                    "consoleSession": {"type": "apiKey", "in": "cookie", "name": "cc142_session",
                                       "description": "a signed-in console session; requests that change something "
                                       "also send its CSRF token in X-CSRF-Token"},
                },
            },
        }
    return app[OPENAPI]


def register_openapi(app: web.Application, *, paths: Spec | None = None, schemas: Spec | None = None) -> None:
    spec = _registry(app)
    for path, ops in (paths or {}).items():
        spec["paths"].setdefault(path, {}).update(ops)
    spec["components"]["schemas"].update(schemas or {})


def error_responses(*codes: int) -> Spec:
    text = {400: "malformed body", 401: "missing or wrong credentials", 422: "invalid input; `field` names it",
            413: "body larger than this route's limit (contact_center/web/body_limits.py)",
            415: "unsupported Content-Encoding or media type", 503: "not ready"}
    return {str(c): {"description": text.get(c, "error"),
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def document_body_refusals(app: web.Application) -> None:
    """Every operation with a body or query parameters may be refused before its
    handler runs (slot 4): say so."""
    for ops in _registry(app)["paths"].values():
        for op in ops.values():
            if isinstance(op, dict) and "requestBody" in op:
                for code, response in error_responses(400, 413, 415).items():
                    op.setdefault("responses", {}).setdefault(code, response)
            if isinstance(op, dict) and any(p.get("in") == "query" for p in op.get("parameters", [])):
                for code, response in error_responses(422).items():  # e.g. a NUL in a parameter
                    op.setdefault("responses", {}).setdefault(code, response)


@routes.get("/api/v1/openapi.json", name="openapi")
@permission("public")  # the description of the API, no data
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(_registry(request.app))


def setup(app: web.Application) -> None:
    _registry(app)
    app.router.add_routes(routes)
