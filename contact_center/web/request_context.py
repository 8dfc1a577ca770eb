"""The first middleware of the chain: who is asking, the request's id, and
what it cost.

- the client's address, scheme and request id (contact_center/web/client.py:
  believed from trusted proxies only), stored on the request for everything
  after it;
- the id and the route's name in the log context (every log line of the
  request carries them) and `X-Request-Id` on the response, error pages and
  WebSocket handshakes included (set when the response is prepared);
- the request counted and timed per route name (contact_center/monitoring);
- in JSON log mode, one access line per request.

Routes are named (aiohttp-demos' habit); a route without a name counts as
"unnamed", a request no route matched as "none", so that metrics and logs
never carry a path as a label.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from contact_center.appkeys import METRICS, SETTINGS
from contact_center.monitoring.logs import ACCESS_LOGGER, REQUEST_ID_VAR, ROUTE_VAR
from contact_center.web.client import (
    CLIENT_ADDRESS,
    REQUEST_ID,
    REQUEST_ID_HEADER,
    SCHEME,
    resolve_client,
)

access_log = logging.getLogger(ACCESS_LOGGER)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def route_name(request: web.Request) -> str:
    match = request.match_info
    if match.http_exception is not None:
        return "none"
    route = match.route
    return route.name or (route.resource.name if route.resource is not None else None) or "unnamed"


@web.middleware
async def request_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    client = resolve_client(request.remote, request.scheme, request.headers, request.app[SETTINGS].trusted_proxies)
    request[CLIENT_ADDRESS] = client.address
    request[SCHEME] = client.scheme
    request[REQUEST_ID] = client.request_id
    route = route_name(request)
    id_token, route_token = REQUEST_ID_VAR.set(client.request_id), ROUTE_VAR.set(route)
    status = 500  # unless something answers
    response: web.StreamResponse | None = None
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # the error pages answer these; anything raised past them
        status = exc.status
        raise
    finally:
        seconds = time.perf_counter() - started
        # A WebSocket's "duration" is the life of the connection, not an answer time.
        timed = not isinstance(response, web.WebSocketResponse)
        request.app[METRICS].observe_request(route, request.method, status, seconds if timed else None)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s", request.method, request.path, status,
                extra={"method": request.method, "path": request.path, "status": status,
                       "duration_ms": round(seconds * 1000, 2)},
            )
        REQUEST_ID_VAR.reset(id_token)
        ROUTE_VAR.reset(route_token)


async def stamp_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every response says which request it answers."""
    request_id = request.get(REQUEST_ID)
    if request_id and REQUEST_ID_HEADER not in response.headers:
        response.headers[REQUEST_ID_HEADER] = request_id
