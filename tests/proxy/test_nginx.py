"""The shipped deploy/nginx.conf in a real nginx, TLS on loopback, in front of
two backend processes: client addresses, Secure cookies, request ids, no
headers of nginx's own. The browser through it: tests/proxy/test_nginx_browser.py."""

from __future__ import annotations

import re

import aiohttp

from tests.proxy.conftest import CALLBACKS_PER_ADDRESS


def session(front, client_address: str) -> aiohttp.ClientSession:
    """A client whose connections come from `client_address` (any 127.x is loopback)."""
    connector = aiohttp.TCPConnector(local_addr=(client_address, 0), ssl=front.nginx.ssl_context(),
                                     force_close=True)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True))


async def ask_callback(http: aiohttp.ClientSession, base: str, n: int, headers: dict | None = None) -> int:
    async with http.post(base + "/api/v1/callbacks", json={"phone": f"+99455{n:07d}"}, headers=headers or {}) as r:
        return r.status


async def test_two_clients_behind_nginx_have_separate_limits(behind_nginx):
    base = behind_nginx.nginx.url
    async with session(behind_nginx, "127.0.0.2") as first, session(behind_nginx, "127.0.0.3") as second:
        assert [await ask_callback(first, base, n) for n in range(CALLBACKS_PER_ADDRESS + 1)] == \
            [201] * CALLBACKS_PER_ADDRESS + [429]
        # The second citizen shares the proxy, not the allowance.
        assert [await ask_callback(second, base, 100 + n) for n in range(CALLBACKS_PER_ADDRESS)] == \
            [201] * CALLBACKS_PER_ADDRESS
        # Writing another address in front of nginx's changes nothing.
        assert await ask_callback(first, base, 200, {"X-Forwarded-For": "203.0.113.5"}) == 429


async def test_a_spoofed_forwarded_for_sent_straight_to_a_backend_is_ignored(behind_nginx):
    backend = behind_nginx.backends[0].url
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.4", 0), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as direct:
        statuses = [await ask_callback(direct, backend, 300 + n, {"X-Forwarded-For": f"198.51.100.{n}",
                                                                      "X-Request-Id": "feedfacefeedface0001"})
                    for n in range(CALLBACKS_PER_ADDRESS + 1)]
        assert statuses == [201] * CALLBACKS_PER_ADDRESS + [429]
        async with direct.get(backend + "/healthz", headers={"X-Request-Id": "feedfacefeedface0001"}) as r:
            assert r.headers["X-Request-Id"] != "feedfacefeedface0001"


async def test_cookies_are_secure_and_the_request_id_is_nginx_s(behind_nginx):
    nginx = behind_nginx.nginx
    async with session(behind_nginx, "127.0.0.5") as http:
        async with http.get(nginx.url + "/console/login") as page:
            assert page.status == 200
            cookies = page.headers.getall("Set-Cookie")
            request_id = page.headers["X-Request-Id"]
        assert cookies and all("; Secure" in c for c in cookies), cookies
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)
        # nginx's access line carries the same id (and no query string).
        async with http.get(nginx.url + "/console/calls?phone=%2B994551234567") as r:
            assert r.status == 200  # the sign-in page, after the redirect
        async with http.get(nginx.http_url + "/console", allow_redirects=False) as r:
            assert r.status == 301 and r.headers["Location"].startswith("https://")
    access = nginx.log.read_text()
    assert re.search(rf'127\.0\.0\.5 .*"GET /console/login HTTP/1\.1" 200 .* {request_id}', access)
    assert "994551234567" not in access


async def test_nginx_adds_no_headers_of_its_own_and_spreads_the_load(behind_nginx):
    nginx, backends = behind_nginx.nginx, behind_nginx.backends
    async with session(behind_nginx, "127.0.0.6") as http:
        for path in ("/healthz", "/console/login", "/chat", "/api/v1/no-such"):
            async with http.get(backends[0].url + path) as direct, http.get(nginx.url + path) as proxied:
                assert direct.status == proxied.status
                added = {h.lower() for h in proxied.headers} - {h.lower() for h in direct.headers}
                # HSTS is the backend's own answer to a request that came over HTTPS (through nginx).
                assert added <= {"connection", "strict-transport-security"}, (path, added)
                assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
                assert proxied.headers.get("Server") == "nginx"  # and not its version
        for _ in range(6):
            async with http.get(nginx.url + "/healthz") as r:
                assert r.status == 200
    upstreams = set(re.findall(r" (127\.0\.0\.1:\d+) [0-9a-f]{32}$", nginx.log.read_text(), re.M))
    assert upstreams == {b.url.removeprefix("http://") for b in backends}
