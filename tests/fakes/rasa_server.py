"""A stand-in Rasa on loopback (the REST channel and the root health check), for
tests about the backend's side of the bot: replicas, failures, fixed replies.
The real bot is tests/plugins/rasa_server.py."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class FakeRasa:
    """Answers "<name>: <message>" (+ a contract-2 payload), or `replies` as given."""

    name: str = "rasa"
    status: int = 200
    delay: float = 0.0
    replies: list[dict[str, Any]] | None = None
    senders: Counter[str] = field(default_factory=Counter)
    server: TestServer | None = None
    url: str = ""

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.senders[body["sender"]] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.Response(status=self.status)
        if self.replies is not None:
            return web.json_response(self.replies)
        return web.json_response([
            {"recipient_id": body["sender"], "text": f"{self.name}: {body['message']}"},
            {"recipient_id": body["sender"], "custom": {"cc142": {"contract": 2, "intent": "greet"}}},
        ])

    async def hello(self, _request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def start(self) -> FakeRasa:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_get("/", self.hello)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        self.url = str(self.server.make_url("")).rstrip("/")
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()
