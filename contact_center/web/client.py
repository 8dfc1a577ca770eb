"""Who is on the other end of a request: the client's address, the scheme it
used, and the request's id.

Behind a reverse proxy the TCP peer is the proxy, so the peer's own word is
taken only when it is one of CC142_TRUSTED_PROXIES:

- the client's address is the right-most X-Forwarded-For entry that is not a
  trusted proxy (each proxy appends the address it saw; only what trusted
  proxies appended can be believed, anything further left the client wrote);
  if every entry is trusted, the left-most;
- the scheme is the X-Forwarded-Proto value of the nearest proxy (https
  when it terminated TLS);
- X-Request-Id is kept (when it looks like an id), so that the proxy's log
  line and ours share it.

From any other peer these headers are ignored, not refused: the PBX and the
health checks talk to the backend directly. X-Forwarded-Host is never
believed; the proxy passes Host through (the console's same-origin check
compares Origin with it).

`resolve_client` is the rule; the first middleware of the chain
(contact_center/web/request_context.py) applies it once per request, and
everything else asks here: every per-address limit and audit entry
(`client_address`), Secure cookies (`cookies_secure`), HSTS
(`request_scheme`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import web
from multidict import CIMultiDictProxy

from contact_center.appkeys import SETTINGS

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address

CLIENT_ADDRESS: web.RequestKey[str] = web.RequestKey("cc142_client_address")
SCHEME: web.RequestKey[str] = web.RequestKey("cc142_scheme")
REQUEST_ID: web.RequestKey[str] = web.RequestKey("cc142_request_id")

REQUEST_ID_HEADER = "X-Request-Id"
# What a kept request id may look like (nginx's $request_id is 32 hex digits);
# anything else is replaced, so that a header cannot smuggle text into the logs.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# "[2001:db8::1]:443" or "[2001:db8::1]"; "192.0.2.1:80"
_BRACKETED = re.compile(r"\[([^\]]+)\](?::\d+)?")
_V4_PORT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}):\d+")


@dataclass(frozen=True)
class Client:
    address: str  # the client's address as text ("unknown" when the transport has none)
    scheme: str  # "http" | "https": what the client used to reach us (or the proxy)
    request_id: str
    forwarded: bool  # the peer is a trusted proxy: the headers above were believed


def parse_address(raw: str | None) -> Address | None:
    """An address as a proxy may write it (with a port, in brackets), or None."""
    if not raw:
        return None
    text = raw.strip().strip('"')
    bracketed = _BRACKETED.fullmatch(text)
    if bracketed:
        text = bracketed.group(1)
    else:
        with_port = _V4_PORT.fullmatch(text)
        if with_port:
            text = with_port.group(1)
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return address


def is_trusted(address: Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def forwarded_for(values: Iterable[str], trusted: Sequence[Network], peer: Address) -> Address:
    """The client behind a trusted `peer`, from the X-Forwarded-For headers in order."""
    entries = [entry for value in values for entry in value.split(",") if entry.strip()]
    client = peer
    for entry in reversed(entries):
        address = parse_address(entry)
        if address is None:
            # Garbage that a trusted proxy passed on from further left: the last
            # address a trusted party vouched for is the best we know.
            break
        client = address
        if not is_trusted(address, trusted):
            break
    return client


def _forwarded_proto(values: Iterable[str]) -> str | None:
    entries = [entry.strip().lower() for value in values for entry in value.split(",") if entry.strip()]
    if entries and entries[-1] in ("http", "https"):
        return entries[-1]
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def resolve_client(
    peer: str | None, transport_scheme: str, headers: CIMultiDictProxy[str], trusted: Sequence[Network]
) -> Client:
    """Apply the rule above to one request's peer, scheme and headers."""
    peer_address = parse_address(peer)
    if peer_address is None or not is_trusted(peer_address, trusted):
        return Client(str(peer_address) if peer_address else (peer or "unknown"), transport_scheme,
                      new_request_id(), forwarded=False)
    client = forwarded_for(headers.getall("X-Forwarded-For", ()), trusted, peer_address)
    scheme = _forwarded_proto(headers.getall("X-Forwarded-Proto", ())) or transport_scheme
    given = headers.get(REQUEST_ID_HEADER, "").strip()
    request_id = given if _REQUEST_ID.fullmatch(given) else new_request_id()
    return Client(str(client), scheme, request_id, forwarded=True)


def client_address(request: web.Request) -> str:
    """The client's address ("unknown" when the transport has none)."""
    return request.get(CLIENT_ADDRESS) or request.remote or "unknown"


def request_scheme(request: web.Request) -> str:
    """"https" when the client reached us (or the trusted proxy in front) over TLS."""
    return request.get(SCHEME) or request.scheme


def request_id(request: web.Request) -> str | None:
    return request.get(REQUEST_ID)


def cookies_secure(request: web.Request) -> bool:
    """Cookies are Secure over https, and always with CC142_SECURE_COOKIES=1."""
    return request.app[SETTINGS].secure_cookies or request_scheme(request) == "https"
