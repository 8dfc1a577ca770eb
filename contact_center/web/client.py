"""Who is on the other end of a request: the client's address.

Every per-address limit and every audit entry asks here. Today it is the TCP
peer; behind trusted reverse proxies (CC142_TRUSTED_PROXIES) it becomes the
forwarded client address, set once per request by the first middleware.
"""

from __future__ import annotations

from aiohttp import web

CLIENT_ADDRESS: web.RequestKey[str] = web.RequestKey("cc142_client_address")


def client_address(request: web.Request) -> str:
    """The client's address ("unknown" when the transport has none)."""
    return request.get(CLIENT_ADDRESS) or request.remote or "unknown"
