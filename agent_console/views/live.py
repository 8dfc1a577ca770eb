"""Live updates for console pages: a WebSocket, and long polling as the fallback.

Both deliver the events of the process's LiveHub that the signed-in user
may see (see contact_center.events for audiences). The client sends the last
`cursor` it saw and the server `epoch`; missed events are replayed when this
process still has them, otherwise the client is told to resync.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import WSCloseCode, WSMsgType, web

from agent_console.security import current_user
from contact_center.accounts import CurrentUser
from contact_center.appkeys import LIVE_HUB, METRICS, WEBSOCKETS
from contact_center.events import SESSION_CLOSED, console_may_see
from contact_center.live import LiveEvent
from contact_center.web.permissions import permission

routes = web.RouteTableDef()

MAX_POLL_WAIT = 25


def _filter(user: CurrentUser):  # type: ignore[no-untyped-def]
    def accepts(event: LiveEvent) -> bool:
        return console_may_see(event.audience, user_id=user.id, role=user.role, extension=user.extension)

    return accepts


def _cursor(request: web.Request) -> int:
    raw = request.query.get("cursor", "0")
    return int(raw) if raw.isdigit() else 0


@routes.get("/console/live/ws", name="console_live_ws")
@permission("agent")
async def live_ws(request: web.Request) -> web.WebSocketResponse:
    user = current_user(request)
    hub = request.app[LIVE_HUB]
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)
    request.app[WEBSOCKETS].add(ws)  # closed by the runtime at shutdown
    accepts = _filter(user)
    with hub.subscribe(accepts) as sub, request.app[METRICS].live_socket("console"):
        # No await between subscribing and the snapshot: nothing slips between them.
        cursor, epoch = _cursor(request), request.query.get("epoch", "")
        replay: list[LiveEvent] | None = []
        if cursor and epoch == hub.epoch:
            replay = hub.since(cursor, accepts)
        await ws.send_json(
            {"type": "hello", "epoch": hub.epoch, "cursor": hub.seq, "listening": hub.listening,
             "resync": replay is None}
        )
        for event in replay or []:
            await ws.send_json({"type": "event", **event.wire()})
        sender = asyncio.create_task(_pump(sub.queue, ws, lambda: sub.overflowed, user.session_id))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT and msg.data == "ping":
                    await ws.send_str('{"type":"pong"}')
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
    return ws


async def _pump(queue: asyncio.Queue[LiveEvent], ws: web.WebSocketResponse, overflowed, session_id: int) -> None:  # type: ignore[no-untyped-def]
    while not ws.closed:
        event = await queue.get()
        if overflowed():
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")
            return
        if event.topic == SESSION_CLOSED and event.data.get("session_id") in (None, session_id):
            # Signed out (or deactivated): this connection carries nothing more.
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"signed out")
            return
        try:
            await ws.send_json({"type": "event", **event.wire()})
        except (ConnectionError, RuntimeError):
            return


@routes.get("/console/live/poll", name="console_live_poll")
@permission("agent")
async def live_poll(request: web.Request) -> web.Response:
    """Long poll: answers at once when there are events after `cursor`, else waits."""
    user = current_user(request)
    hub = request.app[LIVE_HUB]
    accepts = _filter(user)
    cursor, epoch = _cursor(request), request.query.get("epoch", "")
    raw_wait = request.query.get("wait", "0")
    wait = min(int(raw_wait), MAX_POLL_WAIT) if raw_wait.isdigit() else 0
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
