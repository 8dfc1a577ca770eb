"""Live events: LISTEN/NOTIFY across processes, audiences, reconnecting, polling."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import text

from contact_center.appkeys import LIVE_HUB
from contact_center.db.driver import driver_dsn
from contact_center.events import Event, console_may_see, publish
from contact_center.live import LiveHub
from tests.helpers import event, next_event, signed
from tests.plugins.console import csrf_from, login, login_http


async def test_an_event_from_one_process_reaches_a_console_on_another(backend_processes, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    await make_user("boss", role="supervisor")
    one, two = backend_processes(), backend_processes()
    jar = lambda: aiohttp.CookieJar(unsafe=True)  # noqa: E731 - cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar()) as agent_http, \
            aiohttp.ClientSession(cookie_jar=jar()) as boss_http:
        await login_http(agent_http, one.url, "aysel")
        await login_http(boss_http, one.url, "boss")
        async with agent_http.ws_connect(one.url.replace("http", "ws") + "/console/live/ws") as agent_ws, \
                boss_http.ws_connect(one.url.replace("http", "ws") + "/console/live/ws") as boss_ws:
            hello = json.loads((await agent_ws.receive()).data)
            assert hello["type"] == "hello" and hello["listening"] is True
            json.loads((await boss_ws.receive()).data)
            # The PBX reports the answer to the OTHER process.
            now = datetime.now(UTC)
            body, headers = signed(json.dumps([
                event("e1", "call-1", "enqueued", (now - timedelta(seconds=12)).isoformat(), caller="0501234567"),
                event("e2", "call-1", "answered", now.isoformat(), agent="1001"),
            ]))
            async with agent_http.post(two.url + "/api/v1/pbx/events", data=body,
                                       headers=headers | {"Content-Type": "application/json"}) as resp:
                assert resp.status == 202
            pop = await next_event(agent_ws, "call.answered")
            assert pop["data"]["caller"] == "0501234567"
            assert round(pop["data"]["wait_seconds"]) == 12
            assert "audience" not in pop["data"]
            # The supervisor's status change on process two reaches the supervisor on one;
            # a screen pop for extension 1001 never reached the supervisor.
            async with boss_http.get(two.url + "/console") as home:
                token = csrf_from(await home.text())
            async with boss_http.post(two.url + "/console/status", json={"status": "break"},
                                      headers={"X-CSRF-Token": token}) as resp:
                assert resp.status == 200
            status = await next_event(boss_ws, "agent.status")
            assert status["data"]["status"] == "paused"  # a break is a pause now (reason "break")
            # Status changes are for supervisors: the agent's socket never saw one. An
            # event for everyone, committed after it, arrives after it if it came at all.
            async with sessionmaker.begin() as session:
                await publish(session, Event("test.marker", {}))
            seen = []
            while not seen or seen[-1] != "test.marker":
                msg = json.loads((await asyncio.wait_for(agent_ws.receive(), 5)).data)
                seen += [msg["topic"]] if msg.get("type") == "event" else []
            assert "agent.status" not in seen


async def test_audiences():
    def sees(audience, **who):
        return console_may_see(audience, **({"user_id": 1, "role": "agent", "extension": "1001"} | who))

    assert sees(None)
    assert sees({"user": 1}) and not sees({"user": 2})
    assert sees({"users": [3, 1]}) and not sees({"users": [3]})
    assert sees({"extension": "1001"}) and not sees({"extension": "1002"})
    assert not sees({"extension": "1001"}, extension=None)
    assert sees({"role": "agent"}) and not sees({"role": "supervisor"})
    assert sees({"role": "supervisor"}, role="admin")
    assert not sees({"conversation": 5})


async def test_the_listener_reconnects_and_asks_clients_to_resync(engine, db):
    hub = LiveHub(driver_dsn(engine.url))
    await hub.start()
    try:
        assert hub.listening
        seen: list[str] = []
        with hub.subscribe(lambda e: True) as sub:
            async with engine.begin() as conn:
                await conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"))
            while "live.resync" not in seen:
                seen.append((await asyncio.wait_for(sub.queue.get(), 10)).topic)
            assert seen[0] == "live.listener"  # down, then back up, then resync
            assert hub.listening
            from contact_center.db.engine import make_sessionmaker
            async with make_sessionmaker(engine).begin() as session:
                await publish(session, Event("test.after", {"n": 1}))
            got = await asyncio.wait_for(sub.queue.get(), 5)
            while got.topic != "test.after":
                got = await asyncio.wait_for(sub.queue.get(), 5)
            assert got.data == {"n": 1}
    finally:
        await hub.stop()


async def test_a_rolled_back_event_is_never_delivered(client, sessionmaker):
    hub = client.app[LIVE_HUB]
    with hub.subscribe(lambda e: e.topic.startswith("test.")) as sub:
        session = sessionmaker()
        async with session.begin():
            await publish(session, Event("test.rolled_back", {}))
            await session.rollback()
        async with sessionmaker.begin() as s2:
            await publish(s2, Event("test.committed", {}))
        got = await asyncio.wait_for(sub.queue.get(), 5)
        assert got.topic == "test.committed"


async def test_long_polling_delivers_what_the_user_may_see(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    await login(client, "aysel")
    first = await (await client.get("/console/live/poll")).json()
    assert first["events"] == [] and first["epoch"]
    waiting = asyncio.ensure_future(client.get(
        f"/console/live/poll?cursor={first['cursor']}&epoch={first['epoch']}&wait=10"))
    await asyncio.sleep(0.2)
    async with sessionmaker.begin() as session:
        await publish(session, Event("call.answered", {"call_id": 1}, {"extension": "1002"}))
        await publish(session, Event("callback.created", {"id": 7}, {"role": "agent"}))
    body = await (await waiting).json()
    assert [e["topic"] for e in body["events"]] == ["callback.created"]
    assert body["events"][0]["data"] == {"id": 7}
    # A cursor from another process (other epoch) is told to start over.
    other = await (await client.get("/console/live/poll?cursor=5&epoch=someone-else")).json()
    assert other["reset"] is True


async def test_the_websocket_replays_missed_events_after_a_short_break(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    await login(client, "aysel")
    async with client.ws_connect("/console/live/ws") as ws:
        hello = await ws.receive_json()
    async with sessionmaker.begin() as session:
        await publish(session, Event("callback.created", {"id": 1}))
    hub = client.app[LIVE_HUB]
    while hub.seq <= hello["cursor"]:
        await asyncio.sleep(0.01)
    async with client.ws_connect(f"/console/live/ws?cursor={hello['cursor']}&epoch={hello['epoch']}") as ws:
        again = await ws.receive_json()
        assert again["resync"] is False
        replayed = await ws.receive_json()
        assert replayed["topic"] == "callback.created" and replayed["data"] == {"id": 1}


async def test_the_websocket_refuses_other_sites_and_anonymous_users(client, make_user):
    resp = await client.get("/console/live/ws", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                                         "Sec-WebSocket-Key": "x" * 24, "Sec-WebSocket-Version": "13"})
    assert resp.status == 401
    await make_user("aysel")
    await login(client, "aysel")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/console/live/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403


async def test_signing_out_closes_the_live_connection(client, make_user):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    async with client.ws_connect("/console/live/ws") as ws:
        await ws.receive_json()  # hello
        await client.post("/console/logout", data={"csrf_token": token})
        msg = await asyncio.wait_for(ws.receive(), 5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1008
    # ...and it cannot come back without signing in again.
    assert (await client.get("/console/live/poll", headers={"Accept": "application/json"})).status == 401
