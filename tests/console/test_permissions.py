"""Every route of the whole application declares who may call it, and it is enforced."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from contact_center.app import create_app
from contact_center.web.permissions import LEVELS, route_permission
from tests.plugins.console import login


def all_routes(app: web.Application) -> list[tuple[str, str, object]]:
    return [
        (route.method, route.resource.canonical if route.resource else "?", route_permission(app, route))
        for route in app.router.routes()
    ]


def test_every_route_declares_a_permission(settings):
    app = create_app(settings)
    routes = all_routes(app)
    assert len(routes) > 20  # the console, APIs and webhooks are all mounted
    undeclared = [f"{method} {path}" for method, path, declared in routes if declared is None]
    assert undeclared == [], "routes without @permission(...): " + ", ".join(undeclared)
    assert all(declared.level in LEVELS for _, _, declared in routes)  # type: ignore[union-attr]


def test_console_routes_are_not_public_except_the_sign_in(settings):
    app = create_app(settings)
    public = sorted(
        f"{method} {path}" for method, path, declared in all_routes(app)
        if path.startswith("/console") and not path.startswith("/console/static")
        and declared.level == "public"  # type: ignore[union-attr]
    )
    assert public == ["GET /console/login", "HEAD /console/login", "POST /console/login"]


async def test_an_undeclared_route_is_refused(settings, db):
    app = create_app(settings)

    async def forgotten(request: web.Request) -> web.Response:
        return web.Response(text="secret")

    app.router.add_get("/forgotten", forgotten, name="forgotten")
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/forgotten")
        assert resp.status == 403
        assert "secret" not in await resp.text()
        assert (await client.get("/healthz")).status == 200


async def test_anonymous_users_are_sent_to_sign_in(client):
    resp = await client.get("/console/callbacks", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/console/login?next=/console/callbacks"
    api = await client.get("/console/callbacks", headers={"Accept": "application/json"})
    assert api.status == 401


async def test_roles_are_enforced(client, make_user):
    await make_user("agent1", extension="1001")
    await login(client, "agent1")
    assert (await client.get("/console/agents")).status == 403
    assert (await client.get("/console/admin/users")).status == 403
    assert (await client.get("/console/callbacks")).status == 200


async def test_a_supervisor_session_reads_the_json_apis(client, make_user):
    await make_user("boss", role="supervisor")
    await make_user("agent2", extension="1002")
    assert (await client.get("/api/v1/calls?from=2026-01-01&to=2026-01-02")).status == 401
    await login(client, "agent2")
    assert (await client.get("/api/v1/calls?from=2026-01-01&to=2026-01-02")).status == 401
    await client.post("/console/logout", data={"csrf_token": "x"})  # refused (403): still agent2
    client.session.cookie_jar.clear()
    await login(client, "boss")
    resp = await client.get("/api/v1/calls?from=2026-01-01&to=2026-01-02")
    assert resp.status == 200
    assert (await resp.json())["total"] == 0


async def test_status_changes_are_checked(client, make_user):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    headers = {"X-CSRF-Token": token}
    assert (await client.post("/console/status", json={"status": "asleep"}, headers=headers)).status == 422
    assert (await client.post("/console/status", data=b"{nope", headers=headers | {"Content-Type": "application/json"})).status == 422
    # a pause needs a reason from the admins' list
    resp = await client.post("/console/status", json={"status": "paused", "reason": "nap"}, headers=headers)
    assert resp.status == 422 and (await resp.json())["field"] == "reason"
    resp = await client.post("/console/status", json={"status": "paused", "reason": "lunch"}, headers=headers)
    assert (resp.status, await resp.json()) == (200, {"status": "paused", "reason": "lunch"})
    html = await (await client.get("/console")).text()
    assert '<option value="paused" selected>' in html
    # the old values still work: "busy" is a pause for other work
    resp = await client.post("/console/status", json={"status": "busy"}, headers=headers)
    assert (resp.status, await resp.json()) == (200, {"status": "paused", "reason": "other_work"})


async def test_absurd_ids_are_not_found_not_errors(client, make_user):
    await make_user("root", role="admin", extension="1000")
    await login(client, "root")
    for path in ["/console/calls/99999999999999999999", "/console/callbacks/9223372036854775807",
                 "/console/admin/users/2147483648", "/console/calls/new?call=abc", "/console/calls/123456"]:
        assert (await client.get(path)).status == 404, path
