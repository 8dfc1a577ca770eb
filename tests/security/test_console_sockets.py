"""The console's live socket can't be hoarded and follows the session (issue 13):
a cap per session, and a re-check when the user's role or extension changes,
when the session expires and when it is signed out."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import WSMsgType
from sqlalchemy import update

from agent_console.views.live import CLOSE_RATE_LIMITED
from contact_center.db.models import UserSession
from contact_center.events import Event, for_role, publish
from tests.helpers import event, post_pbx
from tests.plugins.console import csrf_from, login, login_http


async def _hello(ws: aiohttp.ClientWebSocketResponse) -> dict:
    msg = await asyncio.wait_for(ws.receive(), 10)
    assert msg.type == WSMsgType.TEXT, (msg.type, msg.data, msg.extra)
    hello = json.loads(msg.data)
    assert hello["type"] == "hello"
    return hello


async def _closed_with(ws: aiohttp.ClientWebSocketResponse, timeout: float = 10) -> int | None:
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
                return ws.close_code


async def _topics_until(ws: aiohttp.ClientWebSocketResponse, topic: str, timeout: float = 10) -> list[dict]:
    """Every event up to and including the first of `topic`."""
    seen: list[dict] = []
    async with asyncio.timeout(timeout):
        while not seen or seen[-1]["topic"] != topic:
            msg = await ws.receive()
            assert msg.type == WSMsgType.TEXT, (msg.type, msg.data, msg.extra)
            data = json.loads(msg.data)
            if data.get("type") == "event":
                seen.append(data)
    return seen


def _answered(call: str, caller: str, extension: str) -> list[dict]:
    now = datetime.now(UTC)
    return [
        event(f"{call}-q", call, "enqueued", (now - timedelta(seconds=5)).isoformat(), caller=caller),
        event(f"{call}-a", call, "answered", now.isoformat(), agent=extension),
    ]


async def _admin_edit(client, user, **fields: str) -> None:
    """The admin's user form, from another browser (its own cookies)."""
    base = str(client.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as admin:
        await login_http(admin, base, "root")
        async with admin.get(f"{base}/console/admin/users/{user.id}") as page:
            token = csrf_from(await page.text())
        form = {"csrf_token": token, "role": user.role, "extension": user.extension or "",
                "full_name": user.full_name, "active": "1"} | fields
        async with admin.post(f"{base}/console/admin/users/{user.id}", data=form, allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()


async def test_more_console_sockets_than_the_cap_per_session_are_closed_with_4429(make_client, settings, make_user):
    client = await make_client(settings.with_(console_ws_per_session=2))
    await make_user("aysel", extension="1001")
    await login(client, "aysel")
    first, second = await client.ws_connect("/console/live/ws"), await client.ws_connect("/console/live/ws")
    for ws in (first, second):
        await _hello(ws)
    third = await client.ws_connect("/console/live/ws")
    assert await _closed_with(third) == CLOSE_RATE_LIMITED
    # Another session (another browser) of the same agent has its own places.
    base = str(client.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        await login_http(other, base, "aysel")
        async with other.ws_connect(base.replace("http", "ws") + "/console/live/ws") as ws:
            await _hello(ws)
    # A place frees when a tab closes.
    await first.close()
    async with asyncio.timeout(10):
        while True:
            again = await client.ws_connect("/console/live/ws")
            msg = await again.receive()
            if msg.type == WSMsgType.TEXT:
                break
            assert again.close_code == CLOSE_RATE_LIMITED
            await asyncio.sleep(0.05)
    for ws in (second, again):
        await ws.close()


async def test_a_moved_extension_stops_receiving_screen_pops_at_once(client, make_user):
    aysel = await make_user("aysel", extension="1001")
    await make_user("root", role="admin")
    await login(client, "aysel")
    async with client.ws_connect("/console/live/ws") as ws:
        await _hello(ws)
        assert (await post_pbx(client, _answered("c1", "0501110000", "1001"))).status == 202
        assert (await _topics_until(ws, "call.answered"))[-1]["data"]["caller"] == "0501110000"
        # The admin gives aysel extension 1002; 1001's next answer is no longer hers.
        await _admin_edit(client, aysel, extension="1002")
        assert (await post_pbx(client, _answered("c2", "0502220000", "1001"))).status == 202
        assert (await post_pbx(client, _answered("c3", "0503330000", "1002"))).status == 202
        seen = await _topics_until(ws, "call.answered")
        # Before: the socket kept the extension of sign-in and popped 1001's caller first.
        assert seen[-1]["data"]["caller"] == "0503330000", seen
        assert not ws.closed  # the same socket goes on, with the new extension


async def test_a_demoted_supervisor_stops_receiving_supervisor_events(client, make_user, sessionmaker):
    boss = await make_user("boss", role="supervisor")
    await make_user("root", role="admin")
    await login(client, "boss")
    async with client.ws_connect("/console/live/ws") as ws:
        await _hello(ws)
        await _admin_edit(client, boss, role="agent")
        assert (await _topics_until(ws, "user.changed"))[-1]["data"] == {"user_id": boss.id}
        async with sessionmaker.begin() as session:
            await publish(session, Event("test.for_supervisors", {}, for_role("supervisor")))
            await publish(session, Event("test.marker", {}))
        seen = await _topics_until(ws, "test.marker")
        assert "test.for_supervisors" not in [e["topic"] for e in seen]


async def test_an_expired_session_closes_its_socket(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    await login(client, "aysel")
    async with sessionmaker.begin() as session:
        await session.execute(update(UserSession).values(expires_at=datetime.now(UTC) + timedelta(seconds=3)))
    async with client.ws_connect("/console/live/ws") as ws:
        await _hello(ws)
        # 1008: the console goes to the sign-in page (as after signing out elsewhere).
        assert await _closed_with(ws) == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_a_failing_recheck_closes_the_socket_with_1011(client, make_user, monkeypatch):
    import agent_console.views.live as live

    aysel = await make_user("aysel", extension="1001")
    await make_user("root", role="admin")
    await login(client, "aysel")
    async with client.ws_connect("/console/live/ws") as ws:
        await _hello(ws)

        async def broken(*args, **kwargs):
            raise ConnectionError("the database went away")

        monkeypatch.setattr(live, "live_session", broken)
        await _admin_edit(client, aysel, extension="1002")
        # Before: the sending task died silently and the socket stayed open, delivering nothing.
        assert await _closed_with(ws) == aiohttp.WSCloseCode.INTERNAL_ERROR


async def test_a_tab_over_the_cap_polls_instead(settings, db, page, make_user):
    from playwright.async_api import expect

    from tests.plugins.browser import ConsoleServer, sign_in

    # No socket allowed at all: every tab is over the cap.
    server = ConsoleServer(settings.with_(console_ws_per_session=0))
    await server.start()
    try:
        await make_user("aysel", extension="1001")
        refused: list[int] = []
        page.on("websocket", lambda ws: refused.append(1))
        await sign_in(page, server.url, "aysel")
        # Before: a 4429 looked like a socket that had been open, so the page retried every
        # 300 ms for ever and never fell back to polling.
        await expect(page.locator("#live-indicator")).to_have_attribute("data-state", "polling", timeout=15000)
        tries = len(refused)
        await page.wait_for_timeout(3000)  # what the page does meanwhile: seconds between retries
        assert len(refused) - tries <= 2, refused
    finally:
        await server.stop()
