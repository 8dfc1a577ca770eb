"""The public chat socket can't be hoarded or die silently (issue 13)."""

from __future__ import annotations

import asyncio
import secrets
import time

import aiohttp
from aiohttp import WSMsgType

import webhooks.chat_ws as chat_ws
from tests.plugins.backend import free_port
from tests.plugins.browser import ConsoleServer


def visitor() -> str:
    return "v-" + secrets.token_hex(12)


async def _open(client, visitor_id: str, after: int = 0):
    ws = await client.ws_connect("/chat/ws")
    await ws.send_json({"type": "hello", "visitor_id": visitor_id, "after": after})
    return ws


async def _until(ws, kind: str, timeout: float = 10) -> dict:
    """The next frame of `kind` (a closed socket fails the test)."""
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            assert msg.type == WSMsgType.TEXT, (msg.type, msg.data, msg.extra)
            data = msg.json()
            if data["type"] == kind:
                return data


async def _closed_with(ws, timeout: float = 10) -> int:
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
                return ws.close_code


def _dead_bot(settings):
    return settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1.0)


async def test_caps_per_visitor_and_per_address(make_client, settings):
    client = await make_client(_dead_bot(settings).with_(chat_ws_per_visitor=2, chat_ws_per_address=3))
    v = visitor()
    first, second = await _open(client, v), await _open(client, v)
    for ws in (first, second):
        await _until(ws, "state")
    third = await _open(client, v)
    assert await _closed_with(third) == chat_ws.CLOSE_RATE_LIMITED
    other = await _open(client, visitor())
    await _until(other, "state")
    fourth_from_address = await _open(client, visitor())
    assert await _closed_with(fourth_from_address) == chat_ws.CLOSE_RATE_LIMITED
    # A place frees when a socket closes.
    await first.close()
    async with asyncio.timeout(10):
        while client.app[chat_ws.CHAT_SOCKETS].total > 2:
            await asyncio.sleep(0.05)
    again = await _open(client, v)
    await _until(again, "state")
    for ws in (second, other, again):
        await ws.close()


async def test_an_idle_socket_is_closed_with_4408(make_client, settings):
    client = await make_client(_dead_bot(settings).with_(chat_ws_idle_minutes=0))
    ws = await _open(client, visitor())
    assert await _closed_with(ws) == chat_ws.CLOSE_IDLE


async def test_a_failing_task_closes_the_socket_and_a_reconnect_resyncs(make_client, settings, monkeypatch):
    client = await make_client(_dead_bot(settings))
    v = visitor()
    resp = await client.post("/api/v1/chat/messages", json={"visitor_id": v, "text": "Salam"})
    assert resp.status == 200
    ws = await _open(client, v)
    first = await _until(ws, "message")
    seen = first["message"]["id"]
    data = await _until(ws, "state")

    real = chat_ws.citizen_messages

    async def broken(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(chat_ws, "citizen_messages", broken)
    resp = await client.post("/api/v1/chat/messages", json={"visitor_id": v, "text": "Orada kimsə var?"})
    assert resp.status == 200
    # Before: the task died silently and the widget showed "online" forever.
    assert await _closed_with(ws) == aiohttp.WSCloseCode.INTERNAL_ERROR
    assert data["type"] == "state"

    monkeypatch.setattr(chat_ws, "citizen_messages", real)
    again = await _open(client, v, after=seen)
    texts = []
    async with asyncio.timeout(10):
        while "Orada kimsə var?" not in texts:
            texts.append((await _until(again, "message"))["message"]["text"])
    await again.close()


async def test_shutdown_closes_chat_sockets_with_1001_within_10_s(settings, db):
    server = ConsoleServer(_dead_bot(settings))
    await server.start()
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(server.url.replace("http", "ws") + "/chat/ws")
        await ws.send_json({"type": "hello", "visitor_id": visitor(), "after": 0})
        await _until(ws, "state")
        started = time.monotonic()
        stopping = asyncio.create_task(server.stop())
        assert await _closed_with(ws) == aiohttp.WSCloseCode.GOING_AWAY
        await asyncio.wait_for(stopping, 10)
        assert time.monotonic() - started < 10
