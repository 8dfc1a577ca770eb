"""/readyz says whether the bot answers (`ready`, `starting`, `unavailable`),
cached, and never fails on it: chats reach a person without the bot."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestServer

from contact_center.chat import BotClient, bot_client
from tests.plugins.backend import free_port


async def _hello(_request: web.Request) -> web.Response:
    return web.Response(text="Hello from Rasa: 3.6.21")


async def _fake_rasa() -> TestServer:
    app = web.Application()
    app.router.add_get("/", _hello)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def test_bot_health_follows_rasa_and_is_cached(monkeypatch):
    server = await _fake_rasa()
    client = BotClient(str(server.make_url("/")), 2)
    try:
        assert await client.health() == "ready"
        await server.close()
        assert await client.health() == "ready"  # cached: a burst of probes asks Rasa once
        monkeypatch.setattr(bot_client, "HEALTH_TTL_SECONDS", 0.0)
        assert await client.health() == "unavailable"  # it answered before: now it is down
    finally:
        await client.close()


async def test_a_bot_that_never_answered_is_starting_then_unavailable(monkeypatch):
    monkeypatch.setattr(bot_client, "HEALTH_TTL_SECONDS", 0.0)
    client = BotClient(f"http://127.0.0.1:{free_port()}", 2)
    try:
        assert await client.health() == "starting"
        monkeypatch.setattr(bot_client, "STARTUP_GRACE_SECONDS", 0.0)
        assert await client.health() == "unavailable"
    finally:
        await client.close()


async def test_readyz_reports_the_bot_without_failing_on_it(make_client, dead_rasa):
    client = await make_client(dead_rasa)
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ready", "migration": (await resp.json())["migration"], "bot": "starting",
                                 "ami": {"state": "off"}}  # no AMI_HOST: no AMI connection


async def test_readyz_says_ready_when_the_real_bot_answers(make_client, settings, rasa_server):
    client = await make_client(settings.with_(rasa_url=rasa_server.url))
    body = await (await client.get("/readyz")).json()
    assert body["status"] == "ready" and body["bot"] == "ready"
