"""What other areas build on: a page with the base layout, a nav item per role, live events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sqlalchemy import func, select

from agent_console.layout import LayoutPart, NavItem, add_layout_part, add_nav_item, add_template_dir, render
from agent_console.security import current_user
from contact_center.app import create_app
from contact_center.db.models import User
from contact_center.events import Event, for_role, publish
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

    @routes.get("/console/example-area", name="console_example_area")
    @permission("supervisor")
    async def stats(request: web.Request) -> web.Response:
        assert current_user(request).role in ("supervisor", "admin")
        return render(request, "stats.html", StatsPage(answered=748099), title="Statistika")

    app = create_app(settings)
    app.router.add_routes(routes)
    add_nav_item(app, NavItem("example", "Nümunə", "console_example_area", level="supervisor", order=70))
    add_template_dir(app, tmp_path)
    await make_user("aysel", extension="1001")
    await make_user("boss", role="supervisor")
    async with TestClient(TestServer(app)) as client:
        await login(client, "aysel")
        home = await (await client.get("/console")).text()
        assert 'id="nav-example"' not in home  # agents do not see it
        assert (await client.get("/console/example-area")).status == 403
        client.session.cookie_jar.clear()
        await login(client, "boss")
        page = await client.get("/console/example-area")
        html = await page.text()
        assert page.status == 200
        assert '<p id="answered">748099</p>' in html and '<p id="who">boss</p>' in html
        assert '<a id="nav-example" href="/console/example-area" aria-current="page">Nümunə' in html
        assert html.index('id="nav-callbacks"') < html.index('id="nav-agents"') < html.index('id="nav-example"')  # by order
        assert 'id="live-indicator"' in html  # the layout's live parts come with it

        # An event published by the other area reaches this supervisor's socket.
        async with client.ws_connect("/console/live/ws") as ws:
            await ws.receive_json()
            async with sessionmaker.begin() as session:
                await publish(session, Event("stats.updated", {"day": "2026-11-25"}, for_role("supervisor")))
            # other live traffic (the sign-ins' status events, the refresher) may come first
            async def next_stats_event() -> dict:
                while (msg := await ws.receive_json())["topic"] != "stats.updated":
                    pass
                return msg
            msg = await asyncio.wait_for(next_stats_event(), 5)
            assert msg["data"] == {"day": "2026-11-25"}


def test_a_nav_key_is_registered_once(settings):
    app = create_app(settings)
    with pytest.raises(ValueError, match="'callbacks' is already registered"):
        add_nav_item(app, NavItem("callbacks", "Dublikat", "console_callbacks"))


async def test_another_area_puts_a_part_on_every_page_of_a_role(settings, make_user, tmp_path):
    (tmp_path / "_team.html").write_text(
        '{% if part %}<p class="team-notice" role="status">İşçi heyəti: {{ part }}</p>{% endif %}', encoding="utf-8"
    )
    loads: list[str] = []

    async def load(request, session, user):
        loads.append(request.path)
        return await session.scalar(select(func.count()).select_from(User))

    app = create_app(settings)
    add_template_dir(app, tmp_path)
    add_layout_part(app, LayoutPart("team", "_team.html", load, level="supervisor",
                                    refresh_on=("agent.status", "stats.*?changed"), script="/stats/team.js"))
    await make_user("aysel", extension="1001")
    await make_user("boss", role="supervisor")
    async with TestClient(TestServer(app)) as client:
        await login(client, "boss")
        loads.clear()
        for path in ("/console", "/console/calls", "/console/callbacks"):
            html = await (await client.get(path)).text()
            assert ('<div id="part-team" class="layout-part" data-layout-part="team" data-part-url="/console/parts/team"'
                    ' data-refresh-on="agent.status,stats.*?changed">') in html
            assert '<p class="team-notice" role="status">İşçi heyəti: 2</p>' in html
            assert html.index('id="part-team"') < html.index('<main')
            assert '<script src="/stats/team.js" defer></script>' in html
        assert loads == ["/console", "/console/calls", "/console/callbacks"]
        # Not for requests that never show the layout: JSON, a region's live refresh.
        await client.get("/console/live/poll", params={"wait": "0"}, headers={"Accept": "application/json"})
        await client.get("/console/calls", headers={"X-Live-Refresh": "1"})
        assert loads == ["/console", "/console/calls", "/console/callbacks"]
        part = await client.get("/console/parts/team")
        assert part.status == 200 and "İşçi heyəti: 2" in await part.text()
        assert (await client.get("/console/parts/nope")).status == 404

        client.session.cookie_jar.clear()
        await login(client, "aysel")
        html = await (await client.get("/console")).text()
        assert 'id="part-team"' not in html and "team.js" not in html  # agents: not theirs
        assert (await client.get("/console/parts/team")).status == 404


def test_a_layout_part_key_is_registered_once(settings):
    app = create_app(settings)

    async def load(request, session, user):
        return None

    add_layout_part(app, LayoutPart("team", "_team.html", load))
    with pytest.raises(ValueError, match="'team' is already registered"):
        add_layout_part(app, LayoutPart("team", "_other.html", load))
