"""Every JSON endpoint of the backend is in the OpenAPI description it serves,
and what the public channel endpoints answer is described there."""

from __future__ import annotations

import json

from contact_center.app import create_app
from contact_center.appkeys import OPENAPI
from tests.stats.test_api import _check_documented


def test_every_api_and_webhook_route_is_described(settings):
    app = create_app(settings)
    spec = app[OPENAPI]
    missing = sorted(
        f"{route.method} {route.resource.canonical}"
        for route in app.router.routes()
        if route.resource and route.method != "HEAD"
        and route.resource.canonical.startswith(("/api/", "/webhooks/"))
        and route.method.lower() not in spec["paths"].get(route.resource.canonical, {})
    )
    assert missing == []


async def test_public_answers_match_their_description(dash_client):
    spec = await (await dash_client.get("/api/v1/openapi.json")).json()
    components = spec["components"]["schemas"]

    def schema(path: str, method: str, status: str) -> dict:
        return spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]

    created = await dash_client.post("/api/v1/callbacks", json={"phone": "050 123 45 67", "name": "Aysel"})
    assert created.status == 201
    _check_documented(await created.json(), schema("/api/v1/callbacks", "post", "201"), components, "callbacks")
    again = await dash_client.post("/api/v1/callbacks", json={"phone": "0501234567"})
    assert again.status == 200
    _check_documented(await again.json(), schema("/api/v1/callbacks", "post", "200"), components, "callbacks")
    bad = await dash_client.post("/api/v1/callbacks", json={"phone": "12"})
    assert bad.status == 422
    _check_documented(await bad.json(), schema("/api/v1/callbacks", "post", "422"), components, "error")
    history = await dash_client.get("/api/v1/chat/history", headers={"X-Visitor-Id": "visitor-0001"})
    assert history.status == 200
    _check_documented(await history.json(), schema("/api/v1/chat/history", "get", "200"), components, "history")
    meta = await dash_client.post("/webhooks/meta", data=json.dumps({"object": "page", "entry": []}),
                                  headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=0"})
    assert meta.status == 401
    _check_documented(await meta.json(), schema("/webhooks/meta", "post", "401"), components, "meta")
