"""`Server-Timing: app;dur=<ms>` on a page, as the statistics API sends it
(bench/dashboard.py reads it to measure server time apart from the network)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import wraps

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def server_timing(handler: Handler) -> Handler:
    @wraps(handler)
    async def timed(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        response = await handler(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    return timed
