"""Bounded input: how much a request may send, per route, and JSON that cannot hurt.

Slot 4 of the middleware chain (contact_center/app.py), before permissions, so
an oversized or malformed body is refused before anybody reads it:

- a size limit per route name (LIMITS; DEFAULT_LIMIT for the rest, the console's
  forms included); `Content-Length` above it answers 413 without reading, and a
  chunked body is cut off at the limit while it streams (aiohttp's
  `client_max_size`, set per request);
- compressed bodies (`Content-Encoding: gzip` / `deflate`) are accepted and
  capped AFTER inflation: aiohttp (>= 3.14.1) inflates in bounded steps and
  counts the inflated bytes against the same limit, so a 50 KB bomb stops at the
  route's limit with a 413. Other encodings answer 415;
- a multipart body without a boundary, or a multipart body on a JSON route,
  answers 400/415 before a parser trips over it;
- a numeric path id beyond PostgreSQL's bigint is "no such resource" (404)
  rather than a driver error; a NUL character in the query string is 422
  (PostgreSQL text cannot hold it).

`parse_json` is the one JSON reader of request bodies: orjson (no recursion in
Python, so no RecursionError) and a nesting limit (MAX_JSON_DEPTH), each
refusal a 400 that says what is wrong. `query_int` reads a bounded integer
query parameter (422 otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from contact_center.appkeys import SETTINGS
from contact_center.web.error_pages import error_page, wants_json
from contact_center.web.errors import InputError, json_error

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

KiB = 1024
MiB = 1024 * KiB

# Every route not named below (console forms, sign-in, the APIs' few POSTs).
DEFAULT_LIMIT = 256 * KiB
# The public routes take small JSON; the exchange sends batches; Meta batches up
# to 1,000 changes per POST (Graph API webhooks), a few KB each at most.
LIMITS: dict[str, int] = {
    "chat_messages": 16 * KiB,
    "chat_forget": 16 * KiB,
    "api_callbacks_create": 16 * KiB,
    "pbx_events": 2 * MiB,
    "meta_events": 4 * MiB,
}
JSON_ROUTES = frozenset({"chat_messages", "chat_forget", "api_callbacks_create", "pbx_events", "meta_events"})
# pbx_queue_log: the setting PBX_QUEUE_LOG_MAX_MB (a day's or a month's file).
QUEUE_LOG_ROUTE = "pbx_queue_log"

ENCODINGS = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})
MAX_JSON_DEPTH = 32
BIGINT_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")


def route_limit(request: web.Request) -> int:
    name = request.match_info.route.name or ""
    if name == QUEUE_LOG_ROUTE:
        return int(request.app[SETTINGS].pbx_queue_log_max_mb * MiB)
    return LIMITS.get(name, DEFAULT_LIMIT)


def _human(size: int) -> str:
    return f"{size // MiB} MiB" if size >= MiB and size % MiB == 0 else f"{size // KiB} KiB"


async def _refuse(request: web.Request, status: int, code: str, message_en: str, message_az: str) -> web.StreamResponse:
    if request.path.startswith(("/api/", "/webhooks/")):
        response: web.StreamResponse = json_error(status, code, message_en)
    elif wants_json(request):
        response = json_error(status, code, message_az)
    else:
        response = await error_page(request, status, message_az)
    if status == 413:
        # The rest of the body is never read: don't keep the connection for it.
        response.force_close()
    return response


async def _too_large(request: web.Request, limit: int) -> web.StreamResponse:
    return await _refuse(
        request, 413, "too_large", f"the body must be at most {_human(limit)}",
        f"Göndərilən məlumat çox böyükdür (ən çoxu {_human(limit)}).",
    )


def _oversized_path_int(request: web.Request) -> bool:
    return any(
        isinstance(v, str) and _DIGITS.fullmatch(v) and (len(v) > 19 or int(v) > BIGINT_MAX)
        for v in request.match_info.values()
    )


@web.middleware
async def body_limits_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.match_info.http_exception is not None:
        return await handler(request)  # 404 / 405: nothing will read the body
    if _oversized_path_int(request):
        raise web.HTTPNotFound()
    bad = next((k for k, v in request.query.items() if "\x00" in k or "\x00" in v), None)
    if bad is not None:  # PostgreSQL text cannot hold NUL: refuse here, not in the driver
        field = bad.replace("\x00", "")
        if request.path.startswith(("/api/", "/webhooks/")) or wants_json(request):
            return json_error(422, "invalid_input", f"the query parameter {field!r} contains a NUL character",
                              field=field)
        return await error_page(request, 422, "Sorğuda icazə verilməyən simvol var.")
    name = request.match_info.route.name or ""
    limit = route_limit(request)
    if request.content_length is not None and request.content_length > limit:
        return await _too_large(request, limit)
    if request.body_exists:
        encoding = request.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in ENCODINGS:
            return await _refuse(
                request, 415, "unsupported_encoding", "Content-Encoding must be gzip, deflate or none",
                "Bu sıxma üsulu qəbul edilmir.",
            )
        content_type = request.content_type
        if content_type.startswith("multipart/"):
            if name in JSON_ROUTES:
                return await _refuse(
                    request, 415, "unsupported_media_type", "the body must be JSON",
                    "Məlumat JSON olmalıdır.",
                )
            if not request.headers.get("Content-Type", "").lower().count("boundary="):
                return await _refuse(
                    request, 400, "invalid_content_type", "a multipart body needs a boundary",
                    "Forma düzgün göndərilməyib.",
                )
    if limit != request.client_max_size:
        request = request.clone(client_max_size=limit)
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return await _too_large(request, limit)


class JsonBodyError(Exception):
    """A request body that is not JSON we accept; `response()` is its 400."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self) -> web.Response:
        return json_error(400, self.code, self.message)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Walks containers only, without recursion (a hostile body must not recurse Python)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def parse_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc).lower():
            raise JsonBodyError("too_deep", f"the JSON is nested deeper than {max_depth} levels") from None
        raise JsonBodyError("invalid_json", "the body is not valid JSON (UTF-8, RFC 8259)") from None
    if isinstance(value, dict | list) and _depth_exceeds(value, max_depth):
        raise JsonBodyError("too_deep", f"the JSON is nested deeper than {max_depth} levels")
    return value


async def read_json(request: web.Request, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The request's JSON body (size-limited by the middleware) or JsonBodyError."""
    return parse_json(await request.read(), max_depth=max_depth)


def query_int(request: web.Request, name: str, default: int, *, low: int = 0, high: int = BIGINT_MAX) -> int:
    """An integer query parameter within [low, high], or InputError (422) naming it."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    raw = raw.strip()
    if not re.fullmatch(r"-?[0-9]{1,19}", raw) or not low <= int(raw) <= high:
        raise InputError(f"{name} must be an integer from {low} to {high}", field=name)
    return int(raw)
