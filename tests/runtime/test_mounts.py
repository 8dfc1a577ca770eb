"""The core works without the console: the runtime, the error answers and the
permission checks belong to the app factory, not to an adapter."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from contact_center.app import MOUNTS, create_app
from contact_center.appkeys import LIVE_HUB, META_WORKER
from contact_center.events import Event, publish
from contact_center.web.permissions import permission
from tests.helpers import event, post_pbx
from tests.plugins.backend import API_TOKEN, free_port

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
async def no_console(aiohttp_client: Any, settings, db) -> Any:
    routes = web.RouteTableDef()

    @routes.get("/api/v1/test-boom", name="test_boom")
    @permission("public")
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail")

    app = create_app(settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2.0),
                     mounts=("webhooks",))
    app.router.add_routes(routes)
    return await aiohttp_client(app)


async def test_apis_and_webhooks_work_without_the_console(no_console, sessionmaker):
    client = no_console
    assert not any(r.resource and r.resource.canonical.startswith("/console") for r in client.app.router.routes())

    # A signed PBX event is ingested, and the read API finds the call with the API token.
    now = datetime.now(UTC)
    resp = await post_pbx(client, [
        event("nc-1", "call-nc", "enqueued", (now - timedelta(seconds=20)).isoformat(), caller="+994501111111"),
        event("nc-2", "call-nc", "answered", now.isoformat(), agent="1001"),
    ])
    assert resp.status == 202 and await resp.json() == {"accepted": 2, "duplicates": 0}
    resp = await client.get("/api/v1/calls", params={"from": "2000-01-01", "to": "2100-01-01"}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["total"] == 1 and body["calls"][0]["pbx_call_id"] == "call-nc" and body["calls"][0]["agent"] == "1001"
    assert (await client.get("/api/v1/calls", params={"from": "2000-01-01", "to": "2100-01-01"})).status == 401

    # A citizen's web chat message is accepted (the bot is down: it waits for a person).
    resp = await client.post("/api/v1/chat/messages", json={"visitor_id": "visitor-nc-1", "text": "Salam"})
    assert resp.status == 200, await resp.text()
    chat = await resp.json()
    assert chat["status"] == "pending" and chat["handoff"] is True and chat["message_id"]

    # A callback request works.
    resp = await client.post("/api/v1/callbacks", json={"phone": "050 765 43 21", "source": "web"})
    assert resp.status == 201, await resp.text()
    assert set(await resp.json()) == {"id", "due_at"}


async def test_errors_are_json_without_the_console(no_console):
    client = no_console
    resp = await client.post("/api/v1/callbacks", json={"phone": "12"})
    assert resp.status == 422 and (await resp.json())["field"] == "phone"
    resp = await client.post("/api/v1/chat/messages", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_json"
    resp = await client.get("/api/v1/yoxdur")
    assert resp.status == 404 and await resp.json() == {"error": "not_found", "message": "no such resource"}
    resp = await client.delete("/api/v1/callbacks")
    assert resp.status == 405 and (await resp.json())["error"] == "method_not_allowed"
    resp = await client.get("/webhooks/yoxdur")
    assert resp.status == 404 and (await resp.json())["error"] == "not_found"
    resp = await client.get("/api/v1/test-boom")
    assert resp.status == 500 and await resp.json() == {"error": "internal_error", "message": "internal server error"}
    # People get the Azerbaijani words, as text, when no console draws a page.
    resp = await client.get("/console")
    assert resp.status == 404 and resp.content_type == "text/plain"
    assert await resp.text() == "Belə səhifə yoxdur. Ünvanı yoxlayın və ya menyudan seçin."


async def test_the_runtime_runs_whatever_is_mounted(aiohttp_client, settings, db, sessionmaker):
    quiet = settings.with_(stats_refresh_seconds=0, rasa_url=f"http://127.0.0.1:{free_port()}")
    client = await aiohttp_client(create_app(quiet, mounts=()))
    assert client.app[META_WORKER] is not None
    hub = client.app[LIVE_HUB]
    assert hub.listening
    with hub.subscribe(lambda e: e.topic == "test.mounts") as sub:
        async with sessionmaker.begin() as session:
            await publish(session, Event("test.mounts", {"n": 1}))
        got = await asyncio.wait_for(sub.queue.get(), 5)
    assert got.data == {"n": 1}
    resp = await client.post("/api/v1/pbx/events", data=json.dumps([]))
    assert resp.status == 404  # the PBX adapter is not mounted
    assert (await client.get("/readyz")).status == 200


def test_unknown_mounts_are_refused(settings):
    with pytest.raises(ValueError, match="unknown mounts"):
        create_app(settings, mounts=("webhooks", "konsol"))
    assert set(MOUNTS) == {"webhooks", "console"}
