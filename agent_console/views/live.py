"""Live updates for console pages: a WebSocket, and long polling as the fallback.

Both deliver the events of the process's LiveHub that the signed-in user
may see (see contact_center.events for audiences). The client sends the last
`cursor` it saw and the server `epoch`; missed events are replayed when this
process still has them, otherwise the client is told to resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
from collections.abc import Awaitable
from datetime import UTC, datetime

from aiohttp import WSCloseCode, WSMsgType, web

from agent_console.security import current_user
from contact_center.accounts import CurrentUser, live_session
from contact_center.appkeys import CONSOLE_SOCKETS, LIVE_HUB, METRICS, SESSIONMAKER, SETTINGS, WEBSOCKETS
from contact_center.chat.socket_caps import SocketRefused
from contact_center.events import SESSION_CLOSED, USER_CHANGED, console_may_see
from contact_center.live import LiveEvent, Subscription
from contact_center.text import ascii_digits
from contact_center.web.permissions import permission

routes = web.RouteTableDef()
log = logging.getLogger(__name__)

CLOSE_RATE_LIMITED = 4429  # more sockets than CONSOLE_WS_PER_SESSION: the page polls instead

MAX_POLL_WAIT = 25


def _may_see(user: CurrentUser, event: LiveEvent) -> bool:
    return console_may_see(event.audience, user_id=user.id, role=user.role, extension=user.extension)


class _Viewer:
    """Who a socket serves; replaced in place when the session is re-checked."""

    def __init__(self, user: CurrentUser, expires_at: datetime) -> None:
        self.user, self.expires_at = user, expires_at

    def accepts(self, event: LiveEvent) -> bool:
        return _may_see(self.user, event)


def _cursor(request: web.Request) -> int:
    raw = request.query.get("cursor", "0")
    return int(raw) if ascii_digits(raw) else 0


@routes.get("/console/live/ws", name="console_live_ws")
@permission("agent")
async def live_ws(request: web.Request) -> web.WebSocketResponse:
    user = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        found = await live_session(session, user.session_id)
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)
    if found is None:  # signed out between the permission check and here
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"signed out")
        return ws
    viewer = _Viewer(*found)
    cap = request.app[SETTINGS].console_ws_per_session
    with contextlib.ExitStack() as place:
        try:
            # Tabs of one browser share a session; a script opening sockets in a loop must not
            # hold a task and a queue each without bound (the page polls when refused).
            place.enter_context(request.app[CONSOLE_SOCKETS].hold({"session": (str(user.session_id), cap)},
                                                                  sys.maxsize))
        except SocketRefused:
            await ws.close(code=CLOSE_RATE_LIMITED, message=b"too many console sockets for this session")
            return ws
        request.app[WEBSOCKETS].add(ws)  # closed by the runtime at shutdown
        await _serve(request, ws, viewer)
    return ws


async def _serve(request: web.Request, ws: web.WebSocketResponse, viewer: _Viewer) -> None:
    hub = request.app[LIVE_HUB]
    with hub.subscribe(viewer.accepts) as sub, request.app[METRICS].live_socket("console"):
        # No await between subscribing and the snapshot: nothing slips between them.
        cursor, epoch = _cursor(request), request.query.get("epoch", "")
        replay: list[LiveEvent] | None = []
        if cursor and epoch == hub.epoch:
            replay = hub.since(cursor, viewer.accepts)
        await ws.send_json(
            {"type": "hello", "epoch": hub.epoch, "cursor": hub.seq, "listening": hub.listening,
             "resync": replay is None}
        )
        for event in replay or []:
            await ws.send_json({"type": "event", **event.wire()})
        sender = asyncio.create_task(_supervised(_pump(request.app, sub, ws, viewer)))
        try:
            while True:
                receiving = asyncio.ensure_future(ws.receive())
                await asyncio.wait({receiving, sender}, return_when=asyncio.FIRST_COMPLETED)
                if not receiving.done():
                    # The pump ended and says why the socket closes. The close is done here, with
                    # no receive pending: closed from the other task, aiohttp drops the transport
                    # before the browser's reply and the console sees 1006, not the reason.
                    receiving.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await receiving
                    reason = sender.result()
                    if reason is not None and not ws.closed:
                        await ws.close(code=reason[0], message=reason[1])
                    break
                msg = receiving.result()
                if msg.type == WSMsgType.TEXT and msg.data == "ping":
                    await ws.send_str('{"type":"pong"}')
                elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender


Close = tuple[int, bytes]  # why the server closes a socket: code, reason


async def _supervised(work: Awaitable[Close | None]) -> Close | None:
    """A failing pump closes its socket (1011) instead of leaving it open and silent:
    the console reconnects and resyncs."""
    try:
        return await work
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("console live socket failed")
        return WSCloseCode.INTERNAL_ERROR, b"server error"


async def _recheck(app: web.Application, viewer: _Viewer) -> bool:
    """Re-read the session: False when it ended (expired, signed out, deactivated)."""
    async with app[SESSIONMAKER]() as session:
        found = await live_session(session, viewer.user.session_id)
    if found is None:
        return False
    viewer.user, viewer.expires_at = found
    return True


async def _pump(
    app: web.Application, sub: Subscription, ws: web.WebSocketResponse, viewer: _Viewer
) -> Close | None:
    """Send the viewer's events until the socket closes (None) or the server must close it (why)."""
    session_id = viewer.user.session_id
    while not ws.closed:
        left = (viewer.expires_at - datetime.now(UTC)).total_seconds()
        try:
            event = await asyncio.wait_for(sub.queue.get(), max(left, 0.0))
        except TimeoutError:
            if not await _recheck(app, viewer):
                return WSCloseCode.POLICY_VIOLATION, b"session expired"
            continue
        if sub.overflowed:
            return WSCloseCode.TRY_AGAIN_LATER, b"too slow"
        if event.topic == SESSION_CLOSED and event.data.get("session_id") in (None, session_id):
            # Signed out (or deactivated): this connection carries nothing more.
            return WSCloseCode.POLICY_VIOLATION, b"signed out"
        if event.topic == USER_CHANGED:
            # Role or extension changed: from now on the new one decides what this socket gets.
            if not await _recheck(app, viewer):
                return WSCloseCode.POLICY_VIOLATION, b"signed out"
        elif not viewer.accepts(event):
            continue  # queued under the old role/extension, before the change was read
        try:
            await ws.send_json({"type": "event", **event.wire()})
        except (ConnectionError, RuntimeError):
            return None
    return None


@routes.get("/console/live/poll", name="console_live_poll")
@permission("agent")
async def live_poll(request: web.Request) -> web.Response:
    """Long poll: answers at once when there are events after `cursor`, else waits."""
    user = current_user(request)
    hub = request.app[LIVE_HUB]
    accepts = functools.partial(_may_see, user)
    cursor, epoch = _cursor(request), request.query.get("epoch", "")
    raw_wait = request.query.get("wait", "0")
    wait = min(int(raw_wait), MAX_POLL_WAIT) if ascii_digits(raw_wait) else 0
    if epoch != hub.epoch:
        # A first poll, or a poll that reached another process: start from now.
        return web.json_response(
            {"epoch": hub.epoch, "cursor": hub.seq, "events": [], "reset": bool(epoch),
             "listening": hub.listening}
        )
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        events = hub.since(cursor, accepts)
        if events is None:
            return web.json_response(
                {"epoch": hub.epoch, "cursor": hub.seq, "events": [], "reset": True, "listening": hub.listening}
            )
        remaining = deadline - asyncio.get_running_loop().time()
        if events or remaining <= 0:
            break
        await hub.wait_for_events(max(cursor, hub.seq), remaining)
    return web.json_response(
        {"epoch": hub.epoch, "cursor": hub.seq, "events": [e.wire() for e in events], "reset": False,
         "listening": hub.listening}
    )


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
