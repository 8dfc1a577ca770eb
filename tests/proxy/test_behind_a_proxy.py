"""The application behind a trusted proxy (the test client's peer is 127.0.0.1):
limits per forwarded client, Secure cookies by scheme, X-Request-Id on every
answer, X-Forwarded-Host ignored. nginx itself: tests/proxy/test_nginx.py."""

from __future__ import annotations

import re
from ipaddress import ip_network

import aiohttp
import pytest

from contact_center.db.models import LoginFailure
from contact_center.web.sessions import PRESESSION_COOKIE, SESSION_COOKIE
from tests.plugins.console import PASSWORD, login

LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))


def callback_body(n: int) -> dict[str, str]:
    return {"phone": f"+99450{n:07d}", "citizen_name": "Vətəndaş"}


async def post_callback(client, n: int, forwarded_for: str | None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return await client.post("/api/v1/callbacks", json=callback_body(n), headers=headers)


async def test_two_forwarded_clients_have_separate_limits(make_client, settings):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK, callback_rate_per_ip=2))
    for n in range(2):
        assert (await post_callback(client, n, "203.0.113.7")).status == 201
    refused = await post_callback(client, 2, "203.0.113.7")
    assert refused.status == 429 and (await refused.json())["error"] == "rate_limited"
    # Another citizen behind the same proxy still has the whole allowance.
    for n in range(3, 5):
        assert (await post_callback(client, n, "198.51.100.23")).status == 201
    # A citizen who writes an address of their own is still keyed on what the proxy saw.
    assert (await post_callback(client, 5, "198.51.100.99, 203.0.113.7")).status == 429


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(make_client, settings):
    client = await make_client(settings.with_(trusted_proxies=(ip_network("10.0.0.0/8"),), callback_rate_per_ip=2))
    assert (await post_callback(client, 0, "203.0.113.1")).status == 201
    assert (await post_callback(client, 1, "203.0.113.2")).status == 201
    # Each request claimed another address; all came from 127.0.0.1, which is not a proxy of ours.
    assert (await post_callback(client, 2, "203.0.113.3")).status == 429


async def test_chat_limits_follow_the_forwarded_client(make_client, settings):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK, chat_rate_per_ip=1,
                                              rasa_url="http://127.0.0.1:9", rasa_timeout_seconds=1.0))

    async def history(address: str) -> int:
        resp = await client.get("/api/v1/chat/history", params={"visitor_id": "v-" + "a1" * 12},
                                headers={"X-Forwarded-For": address})
        return resp.status

    assert await history("203.0.113.7") == 200
    assert await history("203.0.113.7") == 429
    assert await history("198.51.100.23") == 200


async def test_login_attempts_are_counted_per_forwarded_client(make_client, settings, make_user, sessionmaker):
    await make_user("aysel")
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK))
    # Someone at 203.0.113.7 has used up the failed sign-ins of their address.
    async with sessionmaker.begin() as session:
        for n in range(settings.login_failures_per_address):
            session.add(LoginFailure(name_key=f"nm:{n}", address="203.0.113.7"))
    page = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)

    async def attempt(address: str) -> int:
        resp = await client.post("/console/login", allow_redirects=False, headers={"X-Forwarded-For": address},
                                 data={"username": "aysel", "password": PASSWORD, "csrf_token": token})
        return resp.status

    assert await attempt("203.0.113.7") == 429
    assert await attempt("198.51.100.23") == 303  # a colleague behind the same proxy signs in as usual


def _cookie_flags(resp: aiohttp.ClientResponse, name: str) -> str:
    for header in resp.headers.getall("Set-Cookie", []):
        if header.startswith(name + "="):
            return header.lower()
    raise AssertionError(f"no {name} cookie in {resp.headers.getall('Set-Cookie', [])}")


@pytest.mark.parametrize("trusted, proto, forced, secure", [
    (True, "https", False, True),  # TLS ended at our proxy
    (True, "http", False, False),
    (False, "https", False, False),  # anyone can write the header
    (False, None, True, True),  # CC142_SECURE_COOKIES=1 still forces it
])
async def test_cookies_are_secure_when_the_scheme_is_https(make_client, settings, trusted, proto, forced, secure):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK if trusted else (), secure_cookies=forced))
    resp = await client.get("/console/login", headers={"X-Forwarded-Proto": proto} if proto else {})
    assert resp.status == 200
    flags = _cookie_flags(resp, PRESESSION_COOKIE)
    assert ("; secure" in flags) is secure, flags


async def test_the_session_cookie_is_secure_after_signing_in_through_https(make_client, settings, make_user):
    await make_user("aysel")
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK))
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    page = await client.get("/console/login", headers=https)
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    # The client's jar keeps Secure cookies for https: the browser behind the proxy sends it back.
    presession = page.cookies[PRESESSION_COOKIE].value
    resp = await client.post("/console/login", allow_redirects=False,
                             headers={**https, "Cookie": f"{PRESESSION_COOKIE}={presession}"},
                             data={"username": "aysel", "password": PASSWORD, "csrf_token": token})
    assert resp.status == 303
    assert "; secure" in _cookie_flags(resp, SESSION_COOKIE)


async def test_every_answer_carries_a_request_id(make_client, settings):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK))
    ids = set()
    for path in ("/healthz", "/no/such/page", "/api/v1/no-such", "/api/v1/calls", "/console/login"):
        resp = await client.get(path)
        ids.add(resp.headers["X-Request-Id"])
        assert re.fullmatch(r"[0-9a-f]{32}", resp.headers["X-Request-Id"]), path
    assert len(ids) == 5
    unsigned = await client.post("/api/v1/pbx/events", data=b"{}")  # the handler raises its JSON 401
    assert unsigned.status == 401 and "X-Request-Id" in unsigned.headers
    # The proxy's id is kept (its log line and ours share it).
    kept = await client.get("/healthz", headers={"X-Request-Id": "3f2a9c4e5b6d7e8f90a1b2c3d4e5f607"})
    assert kept.headers["X-Request-Id"] == "3f2a9c4e5b6d7e8f90a1b2c3d4e5f607"


async def test_a_request_id_from_an_untrusted_peer_is_replaced(client):
    resp = await client.get("/healthz", headers={"X-Request-Id": "3f2a9c4e5b6d7e8f90a1b2c3d4e5f607"})
    assert resp.headers["X-Request-Id"] != "3f2a9c4e5b6d7e8f90a1b2c3d4e5f607"


async def test_the_websocket_handshake_carries_the_request_id(client, make_user):
    await make_user("aysel")
    await login(client, "aysel")
    async with client.ws_connect("/console/live/ws") as ws:
        assert re.fullmatch(r"[0-9a-f]{32}", ws._response.headers["X-Request-Id"])


async def test_forwarded_host_does_not_make_another_site_the_same_origin(make_client, settings, make_user):
    client = await make_client(settings.with_(trusted_proxies=LOOPBACK))
    await make_user("aysel")
    await login(client, "aysel")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/console/live/ws", headers={
            "Origin": "https://evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert refused.value.status == 403
