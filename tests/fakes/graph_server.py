"""A stand-in for Meta's Graph API Send endpoint, on loopback.

It speaks the real wire format: `POST /{version}/me/messages?access_token=T`
with a JSON body answers `{"recipient_id", "message_id"}`, errors answer
`{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}` with
the HTTP status Meta uses. It records every request and can be told to fail
the next calls (server error, rate limit, outside the 24-hour window,
invalid token). Only tests use it: Meta is not reachable from here.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

VERSION = "v21.0"

# (HTTP status, error object) per failure kind, as Meta sends them.
FAILURES: dict[str, tuple[int, dict[str, Any]]] = {
    "server_error": (
        500,
        {"message": "An unexpected error has occurred. Please retry your request later.",
         "type": "OAuthException", "code": 2, "is_transient": True},
    ),
    "rate_limit": (
        400,
        {"message": "(#613) Calls to this api have exceeded the rate limit.", "type": "OAuthException", "code": 613},
    ),
    "app_rate_limit": (
        400,
        {"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4,
         "is_transient": True},
    ),
    "outside_window": (
        400,
        {"message": "(#10) This message is sent outside of allowed window. Learn more about the new policy here: "
                    "https://developers.facebook.com/docs/messenger-platform/policy-overview",
         "type": "OAuthException", "code": 10, "error_subcode": 2018278},
    ),
    "invalid_token": (
        400,
        {"message": "Error validating access token: The session has been invalidated because the user changed "
                    "their password or Facebook has changed the session for security reasons.",
         "type": "OAuthException", "code": 190, "error_subcode": 460},
    ),
}


@dataclass
class Received:
    path: str
    token: str | None
    body: Any
    status: int
    answer: dict[str, Any]
    at: float = 0.0  # time.perf_counter() when it arrived


@dataclass
class FakeGraph:
    """`tokens`: the valid page tokens (others get error 190)."""

    tokens: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    _failures: list[str] = field(default_factory=list)
    # Message ids to hand out next (else generated), and a pause before each answer.
    next_message_ids: list[str] = field(default_factory=list)
    delay_seconds: float = 0.0
    _runner: web.AppRunner | None = None
    port: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition | None = None

    @property
    def url(self) -> str:
        """What META_GRAPH_URL should be set to."""
        return f"http://127.0.0.1:{self.port}/{VERSION}"

    def fail_next(self, kind: str, times: int = 1) -> None:
        if kind not in FAILURES:
            raise ValueError(f"unknown failure {kind!r}; one of {', '.join(FAILURES)}")
        self._failures.extend([kind] * times)

    @property
    def delivered(self) -> list[Received]:
        """The requests Meta would have delivered (answered 200)."""
        return [r for r in self.received if r.status == 200]

    async def wait_for(self, count: int, *, delivered: bool = False, timeout: float = 10.0) -> list[Received]:
        """Wait until `count` requests (or delivered ones) have arrived."""
        assert self._changed is not None

        def enough() -> bool:
            return len(self.delivered if delivered else self.received) >= count

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(enough), timeout)
        return self.delivered if delivered else self.received

    def _error(self, status: int, error: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return status, {"error": {**error, "fbtrace_id": "A" + secrets.token_hex(10)}}

    def _answer(self, token: str | None, body: Any) -> tuple[int, dict[str, Any]]:
        if not token:
            return self._error(400, {"message": "An active access token must be used to query information about "
                                     "the current user.", "type": "OAuthException", "code": 2500})
        if self.tokens and token not in self.tokens:
            return self._error(*FAILURES["invalid_token"])
        if self._failures:
            return self._error(*FAILURES[self._failures.pop(0)])
        if not isinstance(body, dict):
            return self._error(400, {"message": "(#100) The parameter recipient is required",
                                     "type": "OAuthException", "code": 100})
        recipient = body.get("recipient")
        if not isinstance(recipient, dict) or not recipient.get("id"):
            return self._error(400, {"message": "(#100) The parameter recipient is required",
                                     "type": "OAuthException", "code": 100})
        message = body.get("message")
        if not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
            return self._error(400, {"message": "(#100) param message must be non-empty.",
                                     "type": "OAuthException", "code": 100})
        if body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return self._error(400, {"message": "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, "
                                     "MESSAGE_TAG}", "type": "OAuthException", "code": 100})
        if body.get("messaging_type") == "MESSAGE_TAG" and not body.get("tag"):
            return self._error(400, {"message": "(#100) Param tag is required for MESSAGE_TAG",
                                     "type": "OAuthException", "code": 100})
        if self.next_message_ids:
            mid = self.next_message_ids.pop(0)
        else:
            mid = f"m_fake_{next(self._ids):06d}_{secrets.token_hex(4)}"
        return 200, {"recipient_id": str(recipient["id"]), "message_id": mid}

    async def _send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token")
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        status, answer = self._answer(token, body)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        assert self._changed is not None
        async with self._changed:
            self.received.append(Received(request.path, token, body, status, answer, time.perf_counter()))
            self._changed.notify_all()
        return web.json_response(answer, status=status)

    async def start(self) -> "FakeGraph":
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post(f"/{VERSION}/me/messages", self._send, name="send")
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
