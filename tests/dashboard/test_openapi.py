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


CONSOLE_JSON = {  # the console's endpoints that answer JSON to its scripts
    ("post", "/console/status"), ("get", "/console/live/poll"), ("post", "/console/reveal"),
    *(("post", f"/console/inbox/{{id}}/{action}")
      for action in ("claim", "reply", "note", "classify", "resolve", "typing", "release", "transfer")),
}


def test_the_console_json_endpoints_are_described_and_served(settings):
    app = create_app(settings)
    spec = app[OPENAPI]
    served = {(route.method.lower(), route.resource.canonical.replace("{id:\\d{1,18}}", "{id}"))
              for route in app.router.routes() if route.resource}
    described = {(method, path) for path, ops in spec["paths"].items() for method in ops
                 if path.startswith("/console/")}
    assert described == CONSOLE_JSON
    assert described <= served  # nothing described that is not there
    for method, path in described:
        op = spec["paths"][path][method]
        assert op["security"] == [{"consoleSession": []}], path
        assert "401" in op["responses"], path
    assert spec["components"]["securitySchemes"]["consoleSession"]["in"] == "cookie"


async def test_console_answers_match_their_description(make_client, settings, make_user, sessionmaker):
    from contact_center.events import Event, publish
    from tests.plugins.backend import free_port
    from tests.plugins.console import login

    client = await make_client(settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1.0))
    spec = await (await client.get("/api/v1/openapi.json")).json()
    components = spec["components"]["schemas"]

    def check(body: dict, path: str, method: str, status: int) -> None:
        response = spec["paths"][path][method]["responses"][str(status)]
        _check_documented(body, response["content"]["application/json"]["schema"], components, path)

    anonymous = await client.get("/console/live/poll", headers={"Accept": "application/json"})
    assert anonymous.status == 401
    check(await anonymous.json(), "/console/live/poll", "get", 401)

    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    json_headers = {"Accept": "application/json", "X-CSRF-Token": token}
    ok = await client.post("/console/status", json={"status": "available"}, headers=json_headers)
    assert ok.status == 200
    check(await ok.json(), "/console/status", "post", 200)
    bad = await client.post("/console/status", json={"status": "sleeping"}, headers=json_headers)
    assert bad.status == 422
    check(await bad.json(), "/console/status", "post", 422)

    first = await (await client.get("/console/live/poll")).json()
    check(first, "/console/live/poll", "get", 200)
    async with sessionmaker.begin() as session:
        await publish(session, Event("callback.created", {"id": 7}))
    polled = await client.get(f"/console/live/poll?cursor={first['cursor']}&epoch={first['epoch']}&wait=10")
    body = await polled.json()
    assert [e["topic"] for e in body["events"]] == ["callback.created"]
    check(body, "/console/live/poll", "get", 200)

    # A citizen's chat reaches the agents (the bot is down); the agent takes it and replies.
    sent = await client.post("/api/v1/chat/messages", json={"visitor_id": "visitor-0042", "text": "Salam"})
    conversation = (await sent.json())["conversation_id"]
    claimed = await client.post(f"/console/inbox/{conversation}/claim", json={}, headers=json_headers)
    assert claimed.status == 200, await claimed.text()
    check(await claimed.json(), "/console/inbox/{id}/claim", "post", 200)
    reply = {"text": "Buyurun, eşidirəm.", "idempotency_key": "reply-0001-abcdef"}
    replied = await client.post(f"/console/inbox/{conversation}/reply", json=reply, headers=json_headers)
    assert (await replied.json())["ok"] is True
    again = await client.post(f"/console/inbox/{conversation}/reply", json=reply, headers=json_headers)
    assert (await again.json())["duplicate"] is True
    check(await again.json(), "/console/inbox/{id}/reply", "post", 200)
    empty = await client.post(f"/console/inbox/{conversation}/reply", json={"text": ""}, headers=json_headers)
    assert empty.status == 422
    check(await empty.json(), "/console/inbox/{id}/reply", "post", 422)
    for raw in ("{bad", "[]", '"x"'):  # each was a 500
        malformed = await client.post(f"/console/inbox/{conversation}/note", data=raw,
                                      headers=json_headers | {"Content-Type": "application/json"})
        assert malformed.status == 400, raw
        check(await malformed.json(), "/console/inbox/{id}/note", "post", 400)
    missing = await client.post("/console/inbox/999999/note", json={"text": "x"}, headers=json_headers)
    assert missing.status == 404
    check(await missing.json(), "/console/inbox/{id}/note", "post", 404)
    typing = await client.post(f"/console/inbox/{conversation}/typing", headers=json_headers)
    assert str(typing.status) in spec["paths"]["/console/inbox/{id}/typing"]["post"]["responses"]
