"""What other areas build on: a page with the base layout, a nav item per role, live events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from agent_console.layout import NavItem, add_nav_item, add_template_dir, render
from agent_console.security import current_user
from contact_center.app import create_app
from contact_center.events import publish
from contact_center.live import for_role
from contact_center.web.permissions import permission
from tests.plugins.console import login


@dataclass(frozen=True)
class StatsPage:
    answered: int


async def test_another_area_adds_a_page_and_a_nav_item(settings, make_user, tmp_path, sessionmaker):
    (tmp_path / "stats.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Statistika</h1>'
        '<p id="answered">{{ page.answered }}</p><p id="who">{{ user.username }}</p>{% endblock %}',
        encoding="utf-8",
    )
    routes = web.RouteTableDef()

    @routes.get("/console/stats", name="console_stats")
    @permission("supervisor")
    async def stats(request: web.Request) -> web.Response:
        assert current_user(request).role in ("supervisor", "admin")
        return render(request, "stats.html", StatsPage(answered=748099), title="Statistika")

    app = create_app(settings)
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("stats", "Statistika", "console_stats", level="supervisor", order=70))
    add_template_dir(app, tmp_path)
    await make_user("aysel", extension="1001")
    await make_user("boss", role="supervisor")
    async with TestClient(TestServer(app)) as client:
        await login(client, "aysel")
        home = await (await client.get("/console")).text()
        assert 'id="nav-stats"' not in home  # agents do not see it
        assert (await client.get("/console/stats")).status == 403
        client.session.cookie_jar.clear()
        await login(client, "boss")
        page = await client.get("/console/stats")
        html = await page.text()
        assert page.status == 200
        assert '<p id="answered">748099</p>' in html and '<p id="who">boss</p>' in html
        assert '<a id="nav-stats" href="/console/stats" aria-current="page">Statistika' in html
        assert html.index('id="nav-callbacks"') < html.index('id="nav-agents"') < html.index('id="nav-stats"')  # by order
        assert 'id="live-indicator"' in html  # the layout's live parts come with it

        # An event published by the other area reaches this supervisor's socket.
        async with client.ws_connect("/console/live/ws") as ws:
            await ws.receive_json()
            async with sessionmaker.begin() as session:
                await publish(session, "stats.updated", {"day": "2026-11-25", "audience": for_role("supervisor")})
            msg = await asyncio.wait_for(ws.receive_json(), 5)
            assert msg["topic"] == "stats.updated" and msg["data"] == {"day": "2026-11-25"}


def test_a_nav_key_is_registered_once(settings):
    app = create_app(settings)
    try:
        add_nav_item(app, NavItem("callbacks", "Dublikat", "console_callbacks"))
        raise AssertionError("a duplicate nav key was accepted")
    except ValueError:
        pass
