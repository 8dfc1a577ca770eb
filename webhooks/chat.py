"""Web chat adapter: the public JSON API, the widget's pages and assets.

    POST /api/v1/chat/messages  {"visitor_id", "text", "payload"?, "client_message_id"?, "language"?}
                                language "az" | "ru": the citizen's choice in the widget
    GET  /api/v1/chat/history   visitor id in the X-Visitor-Id header (or ?visitor_id=);
                                410 `visitor_expired` after CHAT_VISITOR_TTL_HOURS idle
    POST /api/v1/chat/forget    {"visitor_id"}: end the chat and forget this device
    GET  /chat                  the chat as a full page (?embed=1 inside the widget's frame)
    GET  /chat/widget.js        one script tag embeds the widget on any site

Thin: validate, rate-limit, then `contact_center.chat.receive_message` - the same
path as every other channel.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from contact_center import ratelimit
from contact_center.appkeys import CHAT, METRICS, SESSIONMAKER, SETTINGS
from contact_center.audit import SYSTEM, record
from contact_center.chat import (
    InboundMessage,
    citizen_messages,
    citizen_state,
    forget_visitor,
    receive_message,
    visitor_expired,
)
from contact_center.web.body_limits import JsonBodyError, query_int, read_json
from contact_center.web.client import client_address
from contact_center.web.errors import InputError, json_error
from contact_center.web.permissions import add_static, permission
from webhooks import chat_ws
from webhooks.chat_visitor import CHANNEL, check_visitor_id, contact_id_for

routes = web.RouteTableDef()

STATIC = Path(__file__).parent / "chat_static"
MAX_TEXT = 2000
MAX_PAYLOAD = 200
MAX_CLIENT_ID = 100
MINUTE = timedelta(minutes=1)
LANGUAGES = ("az", "ru")


def _text_field(body: dict[str, Any], name: str, *, required: bool, max_len: int) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InputError(f"{name} must be a string", field=name)
    value = value.strip()
    if not value:
        if required:
            raise InputError(f"{name} must not be empty", field=name)
        return None
    if len(value) > max_len:
        raise InputError(f"{name} is longer than {max_len} characters", field=name)
    return value


def parse_message(body: object) -> tuple[str, str, str | None, str | None, str | None]:
    """-> (visitor_id, text, payload, client_message_id, language) or InputError naming the field."""
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object", field=None)
    visitor_id = check_visitor_id(body.get("visitor_id"))
    text = _text_field(body, "text", required=True, max_len=MAX_TEXT)
    payload = _text_field(body, "payload", required=False, max_len=MAX_PAYLOAD)
    client_id = _text_field(body, "client_message_id", required=False, max_len=MAX_CLIENT_ID)
    language = body.get("language")
    if language is not None and language not in LANGUAGES:
        raise InputError("language must be \"az\" or \"ru\"", field="language")
    assert text is not None
    return visitor_id, text, payload, client_id, language


async def check_rate(request: web.Request, limits: list[tuple[ratelimit.Limit, str]]) -> web.Response | None:
    """Count the request against each limit in one short transaction; 429 when any is exceeded."""
    async with request.app[SESSIONMAKER].begin() as session:
        verdicts = [await ratelimit.hit(session, limit, subject) for limit, subject in limits]
    refused = [v for v in verdicts if not v.allowed]
    if not refused:
        return None
    retry = max(v.retry_after_seconds for v in refused)
    resp = json_error(429, "rate_limited", "too many messages; try again later", retry_after=retry)
    resp.headers["Retry-After"] = str(retry)
    return resp


@routes.post("/api/v1/chat/messages", name="chat_messages")
@permission("public")
async def post_message(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    try:
        body = await read_json(request)
    except JsonBodyError as exc:
        metrics.count_chat_message(CHANNEL, "rejected")
        return exc.response()
    try:
        visitor_id, text, payload, client_id, language = parse_message(body)
    except InputError as exc:
        metrics.count_chat_message(CHANNEL, "rejected")
        return exc.response(422)
    settings = request.app[SETTINGS]
    contact_id = contact_id_for(visitor_id)
    refused = await check_rate(request, [
        (ratelimit.Limit("chat-ip", settings.chat_rate_per_ip, MINUTE), client_address(request)),
        (ratelimit.Limit("chat-visitor", settings.chat_rate_per_visitor, MINUTE), contact_id),
    ])
    if refused is not None:
        metrics.count_chat_message(CHANNEL, "rate_limited")
        return refused
    await _forget_if_expired(request, contact_id)  # a new person at a shared computer starts afresh
    msg = InboundMessage(
        channel=CHANNEL,
        contact_id=contact_id,
        account_id=None,
        text=text,
        # Scoped to the visitor, so nobody can collide with another visitor's ids.
        external_id=f"{contact_id[:32]}:{client_id}" if client_id else None,
        payload={"button": payload} if payload else None,
        bot_text=payload,
        language=language,
    )
    result = await receive_message(request.app[CHAT], msg)
    response = web.json_response(result.as_dict())
    if result.timings:
        response.headers["Server-Timing"] = ", ".join(f"{k};dur={v:.1f}" for k, v in result.timings.items())
    return response


@routes.get("/api/v1/chat/history", name="chat_history")
@permission("public")
async def get_history(request: web.Request) -> web.Response:
    try:
        visitor_id = check_visitor_id(
            request.headers.get("X-Visitor-Id") or request.query.get("visitor_id"), "visitor_id"
        )
        after = query_int(request, "after", 0)
    except InputError as exc:
        return exc.response(422)
    settings = request.app[SETTINGS]
    refused = await check_rate(
        request, [(ratelimit.Limit("chat-ip", settings.chat_rate_per_ip, MINUTE), client_address(request))]
    )
    if refused is not None:
        return refused
    contact_id = contact_id_for(visitor_id)
    if await _forget_if_expired(request, contact_id):
        return json_error(410, "visitor_expired", "this chat was idle too long and is closed; start a new one")
    async with request.app[SESSIONMAKER]() as session:
        state = await citizen_state(session, CHANNEL, contact_id)
        messages = await citizen_messages(session, CHANNEL, contact_id, after_id=after)
    return web.json_response({"state": state, "messages": messages})


async def _forget_if_expired(request: web.Request, contact_id: str) -> bool:
    """A token idle past CHAT_VISITOR_TTL_HOURS is forgotten; True when it was."""
    ttl = request.app[SETTINGS].chat_visitor_ttl_hours
    async with request.app[SESSIONMAKER].begin() as session:
        if not await visitor_expired(session, CHANNEL, contact_id, ttl):
            return False
        ids = await forget_visitor(session, CHANNEL, contact_id)
        await record(session, SYSTEM, "chat_forgotten", object_type="web_chat_visitor",
                     details={"conversations": ids, "why": "idle"})
    return True


@routes.post("/api/v1/chat/forget", name="chat_forget")
@permission("public")
async def forget(request: web.Request) -> web.Response:
    """End the chat and forget this device: the token no longer leads to anything."""
    try:
        body = await read_json(request)
    except JsonBodyError as exc:
        return exc.response()
    try:
        if not isinstance(body, dict):
            raise InputError("the body must be a JSON object", field=None)
        visitor_id = check_visitor_id(body.get("visitor_id"))
    except InputError as exc:
        return exc.response(422)
    settings = request.app[SETTINGS]
    refused = await check_rate(
        request, [(ratelimit.Limit("chat-ip", settings.chat_rate_per_ip, MINUTE), client_address(request))]
    )
    if refused is not None:
        return refused
    async with request.app[SESSIONMAKER].begin() as session:
        ids = await forget_visitor(session, CHANNEL, contact_id_for(visitor_id))
        await record(session, SYSTEM, "chat_forgotten", object_type="web_chat_visitor",
                     details={"conversations": ids, "why": "citizen"})
    return web.json_response({"forgotten": True, "conversations": len(ids)})


def _file(name: str, content_type: str) -> web.FileResponse:
    resp = web.FileResponse(STATIC / name, headers={"Content-Type": content_type})
    resp.headers["Cache-Control"] = "no-cache"  # revalidate (ETag): a deploy shows at once
    return resp


@routes.get("/chat", name="chat_page")
@permission("public")
async def chat_page(request: web.Request) -> web.StreamResponse:
    return _file("chat.html", "text/html; charset=utf-8")


@routes.get("/chat/widget.js", name="chat_widget_js")
@permission("public")
async def widget_js(request: web.Request) -> web.StreamResponse:
    return _file("widget.js", "text/javascript; charset=utf-8")


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    add_static(app, "/chat/static", STATIC, name="chat_static")
    chat_ws.setup(app)
