"""Errors in the platform's words where aiohttp would answer in English.

aiohttp answers an unknown path with "404: Not Found", a wrong method with
"405: Method Not Allowed" and an unhandled exception with "500 Internal Server
Error" (plain English text). This middleware (second in the chain the app
factory builds, contact_center/app.py) answers instead: JSON
(`{"error", "message"}`) for /api/, /webhooks/ and requests that want JSON,
whatever is mounted; for people, the mounted console's Azerbaijani page (the
ERROR_PAGE hook it registers) or, without a console, the Azerbaijani text.
Errors a handler raises with its own body (e.g. the APIs' JSON 401) pass
through untouched.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable

import asyncpg
import sqlalchemy.exc
from aiohttp import web

from contact_center.appkeys import ERROR_PAGE
from contact_center.web.sessions import CSRF_HEADER

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# status -> (code for programs, Azerbaijani for people, English for API clients)
ERRORS: dict[int, tuple[str, str, str]] = {
    404: ("not_found", "Belə səhifə yoxdur. Ünvanı yoxlayın və ya menyudan seçin.", "no such resource"),
    405: ("method_not_allowed", "Bu ünvana belə sorğu göndərmək olmaz.", "method not allowed"),
    503: ("database_unavailable",
          "Verilənlər bazası hazırda əlçatan deyil. Bir neçə saniyədən sonra yenidən cəhd edin.",
          "the database is unavailable; retry in a few seconds"),
    500: ("internal_error",
          "Serverdə gözlənilməz xəta baş verdi. Bir az sonra yenidən cəhd edin; təkrarlansa, administratora bildirin.",
          "internal server error"),
}
MACHINE_PREFIXES = ("/api/", "/webhooks/")


def wants_json(request: web.Request) -> bool:
    if request.path.startswith("/api/") or CSRF_HEADER in request.headers:
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


async def error_page(request: web.Request, status: int, message_az: str) -> web.StreamResponse:
    """An error for a person: the mounted console's page, else the Azerbaijani text."""
    render = request.app.get(ERROR_PAGE)
    if render is None:
        return web.Response(status=status, text=message_az, content_type="text/plain")
    return await render(request, status, message_az)


def _is_aiohttps_own(exc: web.HTTPException) -> bool:
    """Raised without a body of our own: aiohttp's "404: Not Found" text."""
    return exc.status in ERRORS and exc.content_type == "text/plain" and exc.text == f"{exc.status}: {exc.reason}"


async def _answer(request: web.Request, status: int) -> web.StreamResponse:
    code, message_az, message_en = ERRORS[status]
    machine = request.path.startswith(MACHINE_PREFIXES)
    if machine or wants_json(request):
        return web.json_response({"error": code, "message": message_en if machine else message_az}, status=status)
    return await error_page(request, status, message_az)


@web.middleware
async def error_pages_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not _is_aiohttps_own(exc):
            raise
        response = await _answer(request, exc.status)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception as exc:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            raise  # the connection is no longer HTTP: aiohttp closes it
        if database_unavailable(exc):
            # Not a bug: PostgreSQL is down or restarting. The transaction was
            # rolled back (nothing half-written); the client may retry.
            log.warning("database unavailable in %s %s: %s", request.method, request.path, type(exc).__name__)
            response = await _answer(request, 503)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        log.exception("unhandled error in %s %s", request.method, request.path)
        return await _answer(request, 500)


RETRY_AFTER_SECONDS = 5


def _raised_by_the_driver(exc: BaseException) -> bool:
    return any("/asyncpg/" in frame.f_code.co_filename for frame, _ in traceback.walk_tb(exc.__traceback__))


def database_unavailable(exc: BaseException) -> bool:
    """The error (or one it came from) says the database cannot be reached or the
    connection was lost, as opposed to a bug in a statement."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sqlalchemy.exc.InterfaceError | asyncpg.exceptions.PostgresConnectionError
                      | asyncpg.exceptions.CannotConnectNowError | asyncpg.exceptions.AdminShutdownError
                      | asyncpg.exceptions.ConnectionDoesNotExistError | ConnectionError):
            return True
        if isinstance(current, OSError) and _raised_by_the_driver(current):
            return True  # e.g. the Unix socket of a stopped server is gone (FileNotFoundError)
        current = current.__cause__ or current.__context__
    return False
