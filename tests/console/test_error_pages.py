"""People never get aiohttp's English "404: Not Found" / "500 Internal Server Error":
Azerbaijani pages (JSON for the APIs), the 405's Allow header kept, handlers' own errors untouched."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from contact_center.app import create_app
from contact_center.web.permissions import permission
from tests.plugins.console import login

ENGLISH = ("Not Found", "Method Not Allowed", "Internal Server Error", "Server got itself in trouble")


def _no_english(text: str) -> None:
    for phrase in ENGLISH:
        assert phrase not in text, phrase


async def test_unknown_pages_and_methods_answer_in_azerbaijani(client, make_user):
    for path in ("/console/yoxdur", "/chat/yoxdur", "/yoxdur"):
        resp = await client.get(path)
        html = await resp.text()
        assert resp.status == 404 and resp.content_type == "text/html", path
        assert "<h1>Tapılmadı</h1>" in html and "Belə səhifə yoxdur." in html
        assert '<html lang="az">' in html
        _no_english(html)
    # A citizen's page does not send them to the console's sign-in.
    assert "/console/login" not in await (await client.get("/chat/yoxdur")).text()
    assert "/console/login" in await (await client.get("/console/yoxdur")).text()

    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    resp = await client.get("/console/yoxdur")
    html = await resp.text()
    assert resp.status == 404 and 'id="nav-callbacks"' in html  # the agent keeps the menu
    resp = await client.get("/console/inbox/99999999999999999999")  # was a database error (500)
    assert resp.status == 404
    _no_english(await resp.text())
    resp = await client.get("/console/calls/new?call=abc")  # a view's own HTTPNotFound
    assert resp.status == 404 and "Belə səhifə yoxdur." in await resp.text()

    resp = await client.put("/console/calls", data={"csrf_token": token})
    html = await resp.text()
    assert resp.status == 405 and "Bu ünvana belə sorğu göndərmək olmaz." in html
    assert set(resp.headers["Allow"].split(",")) == {"GET", "HEAD"}
    _no_english(html)
    # The console's JavaScript asks for JSON: the same, as JSON.
    resp = await client.get("/console/yoxdur", headers={"Accept": "application/json"})
    assert resp.status == 404
    assert await resp.json() == {"error": "not_found", "message": "Belə səhifə yoxdur. Ünvanı yoxlayın və ya menyudan seçin."}


async def test_apis_answer_json_and_keep_their_own_errors(client):
    resp = await client.get("/api/v1/yoxdur")
    assert resp.status == 404 and await resp.json() == {"error": "not_found", "message": "no such resource"}
    resp = await client.delete("/api/v1/callbacks")
    assert resp.status == 405 and (await resp.json())["error"] == "method_not_allowed"
    resp = await client.get("/api/v1/calls")  # the API's own 401 goes through untouched
    assert resp.status == 401 and (await resp.json())["error"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"] == "Bearer"


async def test_an_unexpected_error_is_an_azerbaijani_500_and_logged(settings, caplog):
    routes = web.RouteTableDef()

    @routes.get("/console/boom", name="test_boom")
    @permission("public")
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail")

    @routes.get("/api/v1/boom", name="test_api_boom")
    @permission("public")
    async def api_boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail")

    app = create_app(settings)
    app.router.add_routes(routes)
    caplog.set_level(logging.ERROR, logger="contact_center.web.error_pages")
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/console/boom")
        html = await resp.text()
        assert resp.status == 500 and "<h1>Serverdə xəta</h1>" in html
        assert "Serverdə gözlənilməz xəta baş verdi." in html and "secret detail" not in html
        _no_english(html)
        resp = await client.get("/api/v1/boom")
        assert resp.status == 500 and await resp.json() == {"error": "internal_error",
                                                             "message": "internal server error"}
    assert [r.exc_info[1].args[0] for r in caplog.records if r.exc_info] == ["secret detail", "secret detail"]


async def test_the_status_api_names_the_field_in_azerbaijani(client, make_user):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    resp = await client.post("/console/status", json={"status": "asleep"}, headers={"X-CSRF-Token": token})
    assert resp.status == 422
    assert await resp.json() == {"error": "invalid_input", "field": "status", "message": "Belə status yoxdur."}
