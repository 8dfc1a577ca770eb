"""Every state-changing console request without the session's CSRF token is refused."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from contact_center.app import create_app
from contact_center.db.models import User, UserSession
from contact_center.web.permissions import UNSAFE_METHODS, route_permission
from tests.plugins.console import PASSWORD, csrf_from, login


def unsafe_session_routes(settings) -> list[tuple[str, str]]:
    """(method, concrete path) of every state-changing route that needs a session."""
    app = create_app(settings)
    out = []
    for route in app.router.routes():
        declared = route_permission(app, route)
        if route.method in UNSAFE_METHODS and declared is not None and declared.needs_session:
            path = re.sub(r"\{[^}]+\}", "1", route.resource.canonical)  # type: ignore[union-attr]
            out.append((route.method, path))
    return out


async def test_every_state_changing_console_route_refuses_a_missing_or_wrong_token(client, make_user, settings, sessionmaker):
    await make_user("root", role="admin", extension="1000")
    token = await login(client, "root")
    routes = unsafe_session_routes(settings)
    assert ("POST", "/console/calls/new") in routes and ("POST", "/console/logout") in routes
    assert len(routes) >= 14
    async with sessionmaker() as session:
        before = (await session.execute(select(User.status, User.full_name))).all()
    for method, path in routes:
        for data in ({}, {"csrf_token": "wrong-" + token}):
            resp = await client.request(method, path, data=data | {"status": "break", "full_name": "X"},
                                        allow_redirects=False)
            assert resp.status == 403, (method, path, resp.status)
        fetch = await client.request(method, path, json={"status": "break"},
                                     headers={"X-CSRF-Token": "wrong"}, allow_redirects=False)
        assert fetch.status == 403, (method, path)
    async with sessionmaker() as session:
        # Nothing changed, and the session is still there (logout was refused too).
        assert (await session.execute(select(User.status, User.full_name))).all() == before
        assert (await session.execute(select(func.count()).select_from(UserSession))).scalar_one() == 1
    # With the token the same request works.
    ok = await client.post("/console/status", data={"status": "break", "csrf_token": token}, allow_redirects=False)
    assert ok.status == 303
    header = await client.post("/console/status", json={"status": "busy"}, headers={"X-CSRF-Token": token})
    assert header.status == 200


async def test_the_login_form_needs_its_pre_session_token(client, make_user):
    await make_user("aysel")
    # No token at all, or a token without the matching cookie: refused.
    bare = await client.post("/console/login", data={"username": "aysel", "password": PASSWORD}, allow_redirects=False)
    assert bare.status == 403
    page = await client.get("/console/login")
    token = csrf_from(await page.text())
    client.session.cookie_jar.clear()
    forged = await client.post(
        "/console/login", data={"username": "aysel", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert forged.status == 403
    assert "təhlükəsizlik açarı" in await forged.text()


async def test_the_public_callback_form_needs_its_token(client):
    resp = await client.post("/callback", data={"phone": "0501234567"}, allow_redirects=False)
    assert resp.status == 403
