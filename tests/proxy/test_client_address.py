"""The trusted-proxy rule (contact_center/web/client.py): whose X-Forwarded-For,
X-Forwarded-Proto and X-Request-Id are believed, and what is taken from them."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from contact_center.config import Settings
from contact_center.web.client import parse_address, resolve_client

TRUSTED = (ip_network("10.0.0.0/8"), ip_network("2001:db8:1::/48"), ip_network("192.0.2.10/32"))


def headers(*pairs: tuple[str, str]) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(pairs))


def resolve(peer: str | None, *pairs: tuple[str, str], scheme: str = "http", trusted=TRUSTED):
    return resolve_client(peer, scheme, headers(*pairs), trusted)


@pytest.mark.parametrize("peer, pairs, expected", [
    # a trusted proxy: the right-most entry that is not a trusted proxy
    ("10.0.0.2", [("X-Forwarded-For", "203.0.113.7")], "203.0.113.7"),
    ("10.0.0.2", [("X-Forwarded-For", "198.51.100.1, 203.0.113.7")], "203.0.113.7"),  # the left one is the client's word
    ("10.0.0.2", [("X-Forwarded-For", "203.0.113.7, 10.1.1.1")], "203.0.113.7"),  # through two of our proxies
    ("10.0.0.2", [("X-Forwarded-For", "203.0.113.7, 192.0.2.10, 10.1.1.1")], "203.0.113.7"),
    ("10.0.0.2", [("X-Forwarded-For", "198.51.100.9"), ("X-Forwarded-For", "203.0.113.7")], "203.0.113.7"),
    ("10.0.0.2", [("X-Forwarded-For", "10.9.9.9, 10.1.1.1")], "10.9.9.9"),  # all trusted: the left-most
    ("10.0.0.2", [], "10.0.0.2"),  # the proxy asked itself (a health check)
    ("10.0.0.2", [("X-Forwarded-For", "  ")], "10.0.0.2"),
    # garbage to the right of the client: the last address a trusted proxy vouched for
    ("10.0.0.2", [("X-Forwarded-For", "203.0.113.7, not-an-ip, 10.1.1.1")], "10.1.1.1"),
    ("10.0.0.2", [("X-Forwarded-For", "unknown")], "10.0.0.2"),
    # the forms proxies write: ports, brackets, IPv6, IPv4 seen through a dual-stack socket
    ("10.0.0.2", [("X-Forwarded-For", "203.0.113.7:51234")], "203.0.113.7"),
    ("10.0.0.2", [("X-Forwarded-For", "[2001:db8:9::5]:443")], "2001:db8:9::5"),
    ("2001:db8:1::4", [("X-Forwarded-For", "2001:db8:9::5")], "2001:db8:9::5"),
    ("::ffff:10.0.0.2", [("X-Forwarded-For", "203.0.113.7")], "203.0.113.7"),
    # an untrusted peer: its headers are ignored, not refused
    ("203.0.113.50", [("X-Forwarded-For", "198.51.100.1")], "203.0.113.50"),
    ("198.51.100.4", [("X-Forwarded-For", "10.0.0.3")], "198.51.100.4"),
    ("::ffff:203.0.113.50", [], "203.0.113.50"),
])
def test_the_client_address(peer, pairs, expected):
    assert resolve(peer, *pairs).address == expected


def test_nothing_is_believed_without_trusted_proxies():
    got = resolve("127.0.0.1", ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"),
                  ("X-Request-Id", "abcdef0123456789"), trusted=())
    assert (got.address, got.scheme, got.forwarded) == ("127.0.0.1", "http", False)
    assert got.request_id != "abcdef0123456789"


def test_no_transport_address():
    assert resolve(None).address == "unknown"
    assert resolve("").address == "unknown"


@pytest.mark.parametrize("peer, proto, transport, expected", [
    ("10.0.0.2", "https", "http", "https"),
    ("10.0.0.2", "HTTPS", "http", "https"),
    ("10.0.0.2", "https, http", "http", "http"),  # the nearest proxy's word
    ("10.0.0.2", "http, https", "http", "https"),
    ("10.0.0.2", "gopher", "http", "http"),  # not a scheme we know: the transport's
    ("10.0.0.2", "", "https", "https"),
    ("203.0.113.50", "https", "http", "http"),  # untrusted: never
    ("203.0.113.50", "http", "https", "https"),
])
def test_the_scheme(peer, proto, transport, expected):
    pairs = [("X-Forwarded-Proto", proto)] if proto else []
    assert resolve(peer, *pairs, scheme=transport).scheme == expected


def test_the_request_id_is_kept_from_a_trusted_proxy_only_and_only_when_it_looks_like_one():
    nginx_id = "3f2a9c4e5b6d7e8f90a1b2c3d4e5f607"
    assert resolve("10.0.0.2", ("X-Request-Id", nginx_id)).request_id == nginx_id
    assert resolve("203.0.113.50", ("X-Request-Id", nginx_id)).request_id != nginx_id
    for bad in ("short", "a b c d e f g h", "x" * 200, "ok-id-1234\nforged log line", "+994501234567 zəng"):
        got = resolve("10.0.0.2", ("X-Request-Id", bad)).request_id
        assert got != bad and len(got) == 32
    a, b = resolve("10.0.0.2").request_id, resolve("10.0.0.2").request_id
    assert a != b  # generated: one per request


def test_forwarded_host_is_never_taken():
    # The client's Host stays the request's host: resolve_client returns no host at all,
    # and the app below answers with the Host it was sent.
    got = resolve("10.0.0.2", ("X-Forwarded-Host", "evil.example"))
    assert "evil.example" not in repr(got)


@pytest.mark.parametrize("raw, expected", [
    ("203.0.113.7", "203.0.113.7"), ('"203.0.113.7"', "203.0.113.7"), ("[::1]", "::1"),
    ("::ffff:198.51.100.2", "198.51.100.2"), ("fe80::1%eth0", "fe80::1%eth0"),
    ("203.0.113.7:80:90", None), ("300.1.1.1", None), ("_hidden", None), ("", None),
])
def test_parse_address(raw, expected):
    got = parse_address(raw)
    assert (str(got) if got else None) == expected


def test_the_setting_parses_addresses_and_blocks():
    s = Settings.from_env({"CC142_TRUSTED_PROXIES": "127.0.0.1, 172.18.0.0/16,::1 ,10.1.2.3/8"})
    assert [str(n) for n in s.trusted_proxies] == ["127.0.0.1/32", "172.18.0.0/16", "::1/128", "10.0.0.0/8"]
