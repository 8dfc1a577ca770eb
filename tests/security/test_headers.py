"""Security headers on every response (issue 13): pages, fragments, JSON, static files, errors."""

from __future__ import annotations

import re

import pytest

from tests.plugins.console import login

TRUSTED = "127.0.0.1"


def _concrete(path: str) -> str:
    """A route's path with its variables filled (ids 1, names x)."""
    return re.sub(r"\{[^}]+\}", lambda m: "1" if "\\d" in m.group(0) or m.group(0) == "{id}" else "x", path)


def _check(resp, *, embeddable: bool = False) -> None:
    h = resp.headers
    csp = h["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in h  # plain HTTP here
    if embeddable:
        assert "frame-ancestors *" in csp and "X-Frame-Options" not in h
    else:
        assert "frame-ancestors 'none'" in csp and h["X-Frame-Options"] == "DENY"


async def test_every_route_answers_with_the_headers(client, make_user):
    await make_user("sup", role="admin")
    await login(client, "sup")
    seen = 0
    for route in client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or (info.get("prefix", "") + "/console.css")
        if route.method not in ("GET", "POST"):
            continue
        if route.name in ("console_live_ws", "chat_ws"):
            continue  # a WebSocket, no page
        resp = await client.request(route.method, _concrete(path), allow_redirects=False)
        _check(resp, embeddable=route.name == "chat_page")
        seen += 1
    assert seen > 50


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/console/nope"])
async def test_errors_have_them_too(client, path):
    _check(await client.get(path))


async def test_static_files_have_them(client):
    resp = await client.get("/chat/static/chat.js")
    assert resp.status == 200
    _check(resp)


async def test_embed_origins_narrow_the_chat_frame(make_client, settings):
    client = await make_client(settings.with_(chat_embed_origins=("https://dost.gov.az",)))
    resp = await client.get("/chat")
    assert "frame-ancestors https://dost.gov.az;" in resp.headers["Content-Security-Policy"] + ";"
    console = await client.get("/console/login")
    assert "frame-ancestors 'none'" in console.headers["Content-Security-Policy"]


async def test_hsts_only_over_https_from_a_trusted_proxy(make_client, settings):
    from ipaddress import ip_network

    client = await make_client(settings.with_(trusted_proxies=(ip_network(TRUSTED),)))
    plain = await client.get("/healthz")
    assert "Strict-Transport-Security" not in plain.headers
    https = await client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")
