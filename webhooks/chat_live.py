"""Chat live events for this process: one PostgreSQL LISTEN connection,
fanned out to the widget WebSockets of the contact an event is about.

Events are published with pg_notify at commit (contact_center.events), so a
reply stored by any backend process reaches the widget connected to this
one. After a reconnect every subscriber gets a "resync" item: it may have
missed events, and re-reads from its last message id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from aiohttp import web

from contact_center.appkeys import ENGINE
from contact_center.events import CHANNEL

log = logging.getLogger(__name__)

RESYNC: dict[str, Any] = {"topic": "resync", "data": {}}
QUEUE_SIZE = 100


class ChatEventHub:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._by_contact: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def subscribe(self, contact_id: str) -> asyncio.Queue[dict[str, Any]]:
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._by_contact[contact_id].add(q)
        return q

    def unsubscribe(self, contact_id: str, q: asyncio.Queue[dict[str, Any]]) -> None:
        subs = self._by_contact.get(contact_id)
        if subs is not None:
            subs.discard(q)
            if not subs:
                del self._by_contact[contact_id]

    @staticmethod
    def _put(q: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
        try:
            q.put_nowait(event)
        except asyncio.QueueFull:
            # A slow socket: it re-reads everything from its last id anyway.
            with contextlib.suppress(asyncio.QueueEmpty):
                while True:
                    q.get_nowait()
            q.put_nowait(RESYNC)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = json.loads(payload)
        except ValueError:
            return
        if not str(event.get("topic", "")).startswith("chat."):
            return
        contact = (event.get("data") or {}).get("contact_id")
        for q in list(self._by_contact.get(contact, ())):
            self._put(q, event)

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn)
                closed = asyncio.Event()
                conn.add_termination_listener(lambda _c: closed.set())
                await conn.add_listener(CHANNEL, self._on_notify)
                self.connected.set()
                for subs in list(self._by_contact.values()):
                    for q in list(subs):
                        self._put(q, RESYNC)
                backoff = 0.5
                await closed.wait()
            except asyncio.CancelledError:
                if conn is not None and not conn.is_closed():
                    await conn.close()
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening whatever happened
                log.warning("chat LISTEN connection failed: %r", exc)
            self.connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


CHAT_HUB = web.AppKey("chat_hub", ChatEventHub)


async def chat_hub_ctx(app: web.Application) -> AsyncIterator[None]:
    url = app[ENGINE].url.set(drivername="postgresql")
    hub = ChatEventHub(url.render_as_string(hide_password=False))
    hub.start()
    app[CHAT_HUB] = hub
    yield
    await hub.stop()
