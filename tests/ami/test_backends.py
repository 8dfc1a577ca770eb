"""The AMI connection as it runs in real backend processes (`cc142 serve` with the
four AMI settings) against the fake exchange on loopback: one connection across
backends, the other takes over when its holder dies; the calls it feeds pop on
the agent's console, abandoned calls get their callback, and after a reconnect
QueueStatus fills the wallboard's "waiting now"; /readyz and /metrics show it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import aiohttp
from sqlalchemy import func, select, text

from contact_center.db.models import Call, Callback
from tests.ami.conftest import SECRET, USERNAME
from tests.fakes.ami_server import FakeAmi, FakeEntry, retimed, transcript
from tests.helpers import next_event
from tests.plugins.backend import API_TOKEN
from tests.plugins.console import login_http


def _ami_env(fake: FakeAmi) -> dict[str, str]:
    return {"AMI_HOST": "127.0.0.1", "AMI_PORT": str(fake.port), "AMI_USERNAME": USERNAME, "AMI_SECRET": SECRET}


async def _start(backend_processes, fake: FakeAmi):
    # Started from a thread: the fake exchange lives on this loop and must answer meanwhile.
    return await asyncio.to_thread(backend_processes, **_ami_env(fake))


async def _ready(http: aiohttp.ClientSession, url: str) -> dict:
    async with http.get(url + "/readyz") as resp:
        assert resp.status == 200
        return await resp.json()


async def _wait_ready_ami(http: aiohttp.ClientSession, url: str, state: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        ami = (await _ready(http, url))["ami"]
        if ami["state"] == state:
            return ami
        if time.monotonic() > deadline:
            raise AssertionError(f"{url}: AMI state {ami} never became {state!r}")
        await asyncio.sleep(0.1)


def _jar() -> aiohttp.CookieJar:
    return aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1


async def _count(sessionmaker, model, *where) -> int:
    async with sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def test_two_backends_hold_one_connection_and_the_other_takes_over_when_its_holder_dies(
    ami_server: FakeAmi, backend_processes, sessionmaker
):
    one, two = await asyncio.gather(_start(backend_processes, ami_server), _start(backend_processes, ami_server))
    async with aiohttp.ClientSession() as http:
        await ami_server.wait_for_listeners(1, timeout=20)
        # Both processes contend (each has its leader connection for "ami"), one holds it.
        async def contenders() -> int:
            async with sessionmaker() as s:
                return await s.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cc142 leader: ami'"))
        deadline = time.monotonic() + 20
        while await contenders() < 2:
            assert time.monotonic() < deadline, "the second backend never contended"
            await asyncio.sleep(0.1)
        reports = {p.url: (await _ready(http, p.url))["ami"] for p in (one, two)}
        leaders = [p for p in (one, two) if reports[p.url]["leader"]]
        assert len(leaders) == 1, reports
        [holder] = leaders
        standby = two if holder is one else one
        assert (await _wait_ready_ami(http, holder.url, "connected"))["peer"] == f"127.0.0.1:{ami_server.port}"
        assert reports[standby.url] == {"state": "standby", "leader": False, "peer": f"127.0.0.1:{ami_server.port}"}
        assert ami_server.connections == 1 and len(ami_server.listeners) == 1

        # The holder dies without a word: PostgreSQL frees the lock, the standby takes over.
        os.kill(holder.proc.pid, signal.SIGKILL)
        holder.proc.wait(10)
        ami = await _wait_ready_ami(http, standby.url, "connected", timeout=30)
        assert ami["leader"] is True
        await ami_server.wait_for_listeners(1, timeout=10)
        assert ami_server.connections == 2 and len(ami_server.listeners) == 1
        # Each connection logged in once and asked for the live picture once.
        assert len(ami_server.actions("login")) == 2
        assert len(ami_server.actions("queuestatus")) == 2


async def test_a_call_from_the_exchange_pops_on_the_agents_console_and_an_abandoned_one_gets_its_callback(
    ami_server: FakeAmi, backend_processes, make_user, sessionmaker
):
    await make_user("leyla", extension="1002", full_name="Leyla Həsənova")
    backend = await _start(backend_processes, ami_server)
    async with aiohttp.ClientSession(cookie_jar=_jar()) as http:
        await _wait_ready_ami(http, backend.url, "connected")
        await login_http(http, backend.url, "leyla")
        async with http.ws_connect(backend.url.replace("http", "ws") + "/console/live/ws") as ws:
            hello = json.loads((await ws.receive()).data)
            assert hello["type"] == "hello" and hello["listening"] is True
            # The transcript of a whole call (1002 answers after 15 s), as if it happened just now.
            await ami_server.push(retimed(transcript("answered_call"), start=time.time() - 16))
            pop = await next_event(ws, "call.answered")
        assert pop["data"]["caller"] == "+994501111111"
        assert round(pop["data"]["wait_seconds"]) == 15

        await ami_server.push(retimed(transcript("abandoned_call"), start=time.time() - 60))
        await until_db(sessionmaker, Callback, timeout=10)
        async with sessionmaker() as s:
            [callback] = (await s.scalars(select(Callback))).all()
            abandoned = (await s.scalars(select(Call).where(Call.pbx_call_id == "1709363100.7"))).one()
        assert (callback.phone, callback.abandoned_call_id, callback.status) == ("+994553333333", abandoned.id, "open")

        # /metrics counts what came over AMI (the series follow the connector each second).
        deadline = time.monotonic() + 10
        while True:
            async with http.get(backend.url + "/metrics", headers={"Authorization": f"Bearer {API_TOKEN}"}) as resp:
                body = await resp.text()
            # 2 calls' events (7 + 3, one QueueCallerLeave ignored) and the 3 members of QueueStatus
            if _sample(body, 'cc142_ami_events_total{outcome="mapped"}') >= 8 + 3:
                break
            assert time.monotonic() < deadline, body
            await asyncio.sleep(0.2)
        assert _sample(body, "cc142_ami_connected") == 1
        assert _sample(body, 'cc142_ami_events_total{outcome="ignored"}') >= 2
        assert _sample(body, 'cc142_pbx_events_total{result="accepted",source="ami"}') == 8


async def test_in_the_browser_the_exchanges_call_pops_and_the_supervisor_sees_the_agent_on_it(
    ami_server: FakeAmi, backend_processes, make_user, browser
):
    """What an agent and a supervisor see with only the four AMI settings: the pop on the
    agent's console, and the agent "Danışır" on the wallboard while the call lasts."""
    from playwright.async_api import expect

    from tests.plugins.browser import sign_in

    await make_user("leyla", extension="1002", full_name="Leyla Həsənova")
    await make_user("boss", role="supervisor", full_name="Rəşad Quliyev")
    backend = await _start(backend_processes, ami_server)
    async with aiohttp.ClientSession() as http:
        await _wait_ready_ami(http, backend.url, "connected")
    agent_ctx = await browser.new_context(locale="az-AZ", timezone_id="Asia/Baku")
    boss_ctx = await browser.new_context(locale="az-AZ", timezone_id="Asia/Baku")
    try:
        agent, boss = await agent_ctx.new_page(), await boss_ctx.new_page()
        await sign_in(agent, backend.url, "leyla")
        await expect(agent.locator("#live-indicator")).to_have_attribute("data-state", "connected")
        await sign_in(boss, backend.url, "boss")
        await boss.goto(backend.url + "/console/wallboard")
        await expect(boss.locator("#live-indicator")).to_have_attribute("data-state", "connected")
        # The call is answered now and still going: the transcript up to AgentConnect.
        calls = transcript(*(f"answered_call/0{n}_{name}" for n, name in (
            (1, "QueueCallerJoin"), (2, "AgentCalled"), (3, "AgentRingNoAnswer"), (4, "AgentCalled"),
            (5, "AgentConnect"))))
        await ami_server.push(retimed(calls, start=time.time() - 15.4))
        pop = agent.locator("#screen-pop")
        await expect(pop).to_be_visible(timeout=5000)
        await expect(pop.locator(".pop-phone")).to_have_text("+994 50 111 11 11")
        await expect(boss.locator('li[data-agent="leyla"]')).to_have_attribute("data-state", "on_call", timeout=5000)
        await expect(boss.locator('li[data-agent="leyla"] .tag')).to_have_text("Danışır")
    finally:
        await agent_ctx.close()
        await boss_ctx.close()


async def test_after_a_reconnect_queue_status_fills_the_wallboards_waiting_now(
    ami_server: FakeAmi, backend_processes, make_user, sessionmaker
):
    await make_user("boss", role="supervisor")
    backend = await _start(backend_processes, ami_server)
    async with aiohttp.ClientSession(cookie_jar=_jar()) as http:
        await _wait_ready_ami(http, backend.url, "connected")
        await login_http(http, backend.url, "boss")
        async with http.get(backend.url + "/console/wallboard/calls") as resp:
            assert 'data-waiting="0"' in await resp.text()
        # A caller joined while the connection was down: no event will ever tell us.
        await ami_server.drop()
        ami_server.queues["142"].entries.append(
            FakeEntry("PJSIP/trunk-00000042", "1709369999.42", "0507777777", since=time.time() - 40))
        await ami_server.wait_for_action("queuestatus", count=2, timeout=20)
        await _wait_ready_ami(http, backend.url, "connected")
        deadline = time.monotonic() + 10
        while True:
            async with http.get(backend.url + "/console/wallboard/calls") as resp:
                card = await resp.text()
            if 'data-waiting="1"' in card:
                break
            assert time.monotonic() < deadline, card
            await asyncio.sleep(0.1)
        assert "növbə 142" in card  # the number itself is masked on the wall
        longest = int(card.split('id="wb-longest" data-tick="')[1].split('"')[0])
        assert 40 <= longest <= 45
        ready = await _ready(http, backend.url)
        assert ready["ami"]["reconnects"] == 1 and ready["ami"]["last_error"]
    assert await _count(sessionmaker, Call, Call.pbx_call_id == "1709369999.42") == 1


def _sample(body: str, series: str) -> float:
    for line in body.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


async def until_db(sessionmaker, model, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await _count(sessionmaker, model):
        assert time.monotonic() < deadline, f"no {model.__name__} within {timeout}s"
        await asyncio.sleep(0.1)
