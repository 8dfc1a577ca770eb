"""The widget's WebSocket: live agent replies, "an agent joined", typing, the
end of the conversation (and the CSAT prompt).

    GET /chat/ws
    client -> {"type": "hello", "visitor_id": "...", "after": <last message id seen>}
    server -> {"type": "state", ...}            the conversation's status (contact_center.chat.citizen_state)
              {"type": "message", "message": {...}}   every message after `after`, then live
              {"type": "typing", "who": "agent"}
    client -> {"type": "typing"}                tells the agent (only while an agent has the chat)
              {"type": "ping"}                  -> {"type": "pong"}

Bounded and supervised (issue 13): at most CHAT_WS_PER_ADDRESS / _PER_VISITOR /
_TOTAL open sockets (more: closed with 4429); a socket with no message either
way for CHAT_WS_IDLE_MINUTES is closed with 4408 (the widget reconnects when the
citizen comes back); an error in any of a socket's tasks closes it with 1011
(logged) instead of leaving a silent socket, and the widget reconnects with
`after` = the last message it has, so it misses nothing; at shutdown the
runtime closes every socket with 1001.

Messages are sent by the JSON API (POST /api/v1/chat/messages) so that every
front end uses one path; this socket only listens. It also tells the
backend the citizen is still there (citizen_seen_at), which postpones
abandonment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import timedelta

from aiohttp import WSCloseCode, WSMsgType, web

from contact_center import ratelimit
from contact_center.appkeys import CHAT_SOCKETS, LIVE_HUB, METRICS, SESSIONMAKER, SETTINGS, WEBSOCKETS
from contact_center.chat import citizen_messages, citizen_state, citizen_typing, mark_citizen_seen, visitor_expired
from contact_center.events import RESYNC
from contact_center.live import LiveEvent, Subscription
from contact_center.web.client import client_address
from contact_center.web.errors import InputError
from contact_center.web.permissions import permission
from contact_center.chat.socket_caps import SocketRefused
from webhooks.chat_visitor import CHANNEL, check_visitor_id, contact_id_for

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

HELLO_TIMEOUT = 10
PRESENCE_SECONDS = 60
TYPING_MIN_INTERVAL = 2.0
CLOSE_BAD_HELLO = 4400
CLOSE_RATE_LIMITED = 4429
CLOSE_EXPIRED = 4410  # the token was idle past CHAT_VISITOR_TTL_HOURS: start afresh
CLOSE_IDLE = 4408  # nothing either way for CHAT_WS_IDLE_MINUTES: reconnect on the citizen's next move


class _Visitor:
    def __init__(self, request: web.Request, ws: web.WebSocketResponse, contact_id: str, after: int) -> None:
        self.request = request
        self.ws = ws
        self.contact_id = contact_id
        self.last_id = after
        self.last_typing = 0.0
        self.last_activity = time.monotonic()

    @property
    def sessionmaker(self):  # type: ignore[no-untyped-def]
        return self.request.app[SESSIONMAKER]

    async def send_news(self) -> None:
        """Everything after the last message sent, and the conversation's state."""
        async with self.sessionmaker() as session:
            messages = await citizen_messages(session, CHANNEL, self.contact_id, after_id=self.last_id)
            state = await citizen_state(session, CHANNEL, self.contact_id)
        for m in messages:
            await self.ws.send_json({"type": "message", "message": m})
            self.last_id = max(self.last_id, m["id"])
            self.last_activity = time.monotonic()
        await self.ws.send_json({"type": "state", **state})

    async def seen(self) -> None:
        async with self.sessionmaker.begin() as session:
            await mark_citizen_seen(session, CHANNEL, self.contact_id)

    async def typing(self) -> None:
        now = time.monotonic()
        if now - self.last_typing < TYPING_MIN_INTERVAL:
            return
        self.last_typing = now
        async with self.sessionmaker.begin() as session:
            await citizen_typing(session, CHANNEL, self.contact_id)

    async def read_client(self) -> None:
        async for msg in self.ws:
            if msg.type != WSMsgType.TEXT:
                continue
            self.last_activity = time.monotonic()
            try:
                data = json.loads(msg.data)
            except ValueError:
                continue
            kind = data.get("type") if isinstance(data, dict) else None
            if kind == "typing":
                await self.typing()
            elif kind == "ping":
                await self.ws.send_json({"type": "pong"})

    def accepts(self, event: LiveEvent) -> bool:
        if event.topic == RESYNC:
            return True
        return event.topic.startswith("chat.") and event.data.get("contact_id") == self.contact_id

    async def forward_events(self, sub: Subscription) -> None:
        queue = sub.queue
        while True:
            event = await queue.get()
            # Coalesce a burst (a bot reply is several messages): one read for all.
            batch = [event]
            while not queue.empty():
                batch.append(queue.get_nowait())
            sub.overflowed = False  # we re-read from the database anyway
            if any(e.topic == "chat.typing" and e.data.get("who") == "agent" for e in batch):
                await self.ws.send_json({"type": "typing", "who": "agent"})
            if any(e.topic != "chat.typing" for e in batch):
                await self.send_news()

    async def keep_presence(self) -> None:
        while True:
            await self.seen()
            await asyncio.sleep(PRESENCE_SECONDS)

    async def watch_idle(self, idle_seconds: float) -> None:
        """Returns once nothing went either way for `idle_seconds`."""
        while (left := self.last_activity + idle_seconds - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 60.0))


async def _hello(ws: web.WebSocketResponse) -> tuple[str, int] | None:
    try:
        msg = await ws.receive(timeout=HELLO_TIMEOUT)
        data = json.loads(msg.data) if msg.type == WSMsgType.TEXT else None
    except (asyncio.TimeoutError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("type") != "hello":
        return None
    try:
        visitor_id = check_visitor_id(data.get("visitor_id"))
    except InputError:
        return None
    after = data.get("after")
    return visitor_id, after if isinstance(after, int) and after > 0 else 0


@routes.get("/chat/ws", name="chat_ws")
@permission("public")
async def chat_ws(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=25)
    await ws.prepare(request)
    request.app[WEBSOCKETS].add(ws)  # closed (1001) by the runtime at shutdown
    settings = request.app[SETTINGS]
    address = client_address(request)
    async with request.app[SESSIONMAKER].begin() as session:
        verdict = await ratelimit.hit(
            session, ratelimit.Limit("chat-ws-ip", settings.chat_rate_per_ip, timedelta(minutes=1)), address,
        )
    if not verdict.allowed:
        await ws.close(code=CLOSE_RATE_LIMITED, message=b"rate limited")
        return ws
    hello = await _hello(ws)
    if hello is None:
        await ws.close(code=CLOSE_BAD_HELLO, message=b"expected {type: hello, visitor_id}")
        return ws
    visitor_id, after = hello
    contact_id = contact_id_for(visitor_id)
    async with request.app[SESSIONMAKER]() as session:
        expired = await visitor_expired(session, CHANNEL, contact_id, settings.chat_visitor_ttl_hours)
    if expired:  # the history API forgets it; the socket only refuses
        await ws.close(code=CLOSE_EXPIRED, message=b"visitor expired")
        return ws
    caps = {"address": (address, settings.chat_ws_per_address), "visitor": (contact_id, settings.chat_ws_per_visitor)}
    try:
        with request.app[CHAT_SOCKETS].hold(caps, settings.chat_ws_total):
            await _serve(request, ws, _Visitor(request, ws, contact_id, after))
    except SocketRefused as exc:
        await ws.close(code=CLOSE_RATE_LIMITED, message=str(exc).encode())
    return ws


async def _serve(request: web.Request, ws: web.WebSocketResponse, visitor: _Visitor) -> None:
    """The socket's tasks, supervised: the first to end ends the socket, with a code that says why."""
    idle_seconds = request.app[SETTINGS].chat_ws_idle_minutes * 60
    tasks: dict[asyncio.Task[None], str] = {}
    # Subscribed before the first read: nothing published in between is missed.
    with request.app[LIVE_HUB].subscribe(visitor.accepts) as sub, request.app[METRICS].live_socket("chat"):
        try:
            await visitor.send_news()
            tasks = {
                asyncio.create_task(visitor.read_client()): "reader",
                asyncio.create_task(visitor.forward_events(sub)): "events",
                asyncio.create_task(visitor.keep_presence()): "presence",
                asyncio.create_task(visitor.watch_idle(idle_seconds)): "idle",
            }
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            code, reason = None, b""
            for task in done:
                if task.exception() is not None:
                    log.error("chat socket task %s failed; closing the socket (the widget reconnects)",
                              tasks[task], exc_info=task.exception())
                    code, reason = WSCloseCode.INTERNAL_ERROR, b"server error; reconnect"
                elif tasks[task] == "idle":
                    code, reason = CLOSE_IDLE, b"idle"
        except Exception:
            log.exception("chat socket failed; closing it (the widget reconnects)")
            code, reason = WSCloseCode.INTERNAL_ERROR, b"server error; reconnect"
        finally:
            await _finish(visitor, list(tasks))
        if code is not None and not ws.closed:
            await ws.close(code=code, message=reason)


async def _finish(visitor: _Visitor, tasks: list[asyncio.Task[None]]) -> None:
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await t
    # The citizen left now: the abandonment clock starts from here.
    with contextlib.suppress(Exception):
        await visitor.seen()


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
