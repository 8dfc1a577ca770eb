"""The Rasa bot, reached over HTTP like any other outside service.

`POST {RASA_URL}/webhooks/rest/webhook {"sender", "message", "metadata"}`
answers a list: text messages (optional `buttons`) and, last, one custom
message `{"custom": {"cc142": {...}}}` with the classification. Any failure
(connection refused, timeout, HTTP error, a body we cannot read) raises
`BotUnavailable`: the caller hands the conversation to a human.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

DIRECTION_CODES = frozenset(
    {"social_protection", "employment", "disability", "labour_relations", "certificates", "vem", "general"}
)
LANGUAGES = frozenset({"az", "ru"})
HANDOFF_REASONS = frozenset({"requested", "low_confidence", "urgent"})
# Rasa's FallbackClassifier intent: the bot did not understand this turn.
FALLBACK_INTENT = "nlu_fallback"
# /readyz asks Rasa at most this often; a health check must not load the bot.
HEALTH_TTL_SECONDS = 5.0
# Rasa loads TensorFlow and the model for about a minute: not answering before
# that (and never answered yet) is "starting", later "unavailable".
STARTUP_GRACE_SECONDS = 300.0
HEALTH_PROBE_TIMEOUT = aiohttp.ClientTimeout(total=2)


class BotUnavailable(Exception):
    """Rasa could not be reached or answered something unusable."""


@dataclass(frozen=True)
class BotButton:
    title: str
    payload: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class BotText:
    text: str
    buttons: tuple[BotButton, ...] = ()


@dataclass(frozen=True)
class CallbackRequest:
    phone: str
    district: str | None = None
    name: str | None = None
    direction: str | None = None


@dataclass(frozen=True)
class BotReply:
    messages: tuple[BotText, ...] = ()
    intent: str | None = None
    confidence: float | None = None
    direction: str | None = None
    handoff: bool = False
    urgent: bool = False
    handoff_reason: str | None = None
    callback: CallbackRequest | None = None
    # Contract 2: the knowledge-base key of the first text message (the backend
    # renders it from its own copy, contact_center.knowledge) and the language
    # the bot answered in ("az" | "ru"; None from a contract-1 bot).
    answer_key: str | None = None
    language: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # the cc142 payload as received

    @property
    def low_confidence(self) -> bool:
        return self.intent == FALLBACK_INTENT or self.handoff_reason == "low_confidence"


def _str_or_none(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _buttons(raw: object) -> tuple[BotButton, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for b in raw:
        if isinstance(b, dict) and isinstance(b.get("title"), str):
            payload = b.get("payload")
            out.append(BotButton(b["title"], payload if isinstance(payload, str) else b["title"]))
    return tuple(out)


def _callback(raw: object) -> CallbackRequest | None:
    if not isinstance(raw, dict):
        return None
    phone = _str_or_none(raw.get("phone"))
    if not phone:
        return None
    direction = _str_or_none(raw.get("direction"))
    return CallbackRequest(
        phone=phone,
        district=_str_or_none(raw.get("district")),
        name=_str_or_none(raw.get("name")),
        direction=direction if direction in DIRECTION_CODES else None,
    )


def parse_reply(body: object) -> BotReply:
    """Read Rasa's answer. Unknown items are ignored; a non-list raises BotUnavailable."""
    if not isinstance(body, list):
        raise BotUnavailable(f"unexpected Rasa answer: {type(body).__name__}")
    texts: list[BotText] = []
    info: dict[str, Any] = {}
    for item in body:
        if not isinstance(item, dict):
            continue
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("cc142"), dict):
            info = custom["cc142"]  # the last one wins: the contract puts it last
            continue
        text = item.get("text")
        buttons = _buttons(item.get("buttons"))
        if isinstance(text, str) and text.strip():
            texts.append(BotText(text.strip(), buttons))
        elif buttons:
            texts.append(BotText("", buttons))
    direction = _str_or_none(info.get("direction"))
    language = _str_or_none(info.get("language"))
    reason = _str_or_none(info.get("handoff_reason"))
    confidence = info.get("confidence")
    urgent = info.get("urgent") is True
    handoff = info.get("handoff") is True or urgent
    return BotReply(
        messages=tuple(texts),
        intent=_str_or_none(info.get("intent")),
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        direction=direction if direction in DIRECTION_CODES else None,
        handoff=handoff,
        urgent=urgent,
        handoff_reason=(reason if reason in HANDOFF_REASONS else ("urgent" if urgent else None)),
        callback=_callback(info.get("callback")),
        answer_key=_str_or_none(info.get("answer_key")),
        language=language if language in LANGUAGES else None,
        raw=info,
    )


class BotClient:
    """One aiohttp ClientSession (a pooled keep-alive connection) for every call."""

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._created = time.monotonic()
        self._health: tuple[float, str] | None = None  # (checked at, status)
        self._ever_ready = False

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30),
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def health(self) -> str:
        """``"ready" | "starting" | "unavailable"``, cached for HEALTH_TTL_SECONDS."""
        now = time.monotonic()
        if self._health is not None and now - self._health[0] < HEALTH_TTL_SECONDS:
            return self._health[1]
        if self._session is None:
            await self.start()
        assert self._session is not None
        try:
            # Rasa's root answers once the server (and so the model) is up.
            async with self._session.get(f"{self.base_url}/", timeout=HEALTH_PROBE_TIMEOUT) as resp:
                answered = resp.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            answered = False
        if answered:
            self._ever_ready = True
            status = "ready"
        elif not self._ever_ready and now - self._created < STARTUP_GRACE_SECONDS:
            status = "starting"
        else:
            status = "unavailable"
        self._health = (time.monotonic(), status)
        return status

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> BotReply:
        if self._session is None:
            await self.start()
        assert self._session is not None
        url = f"{self.base_url}/webhooks/rest/webhook"
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        try:
            async with self._session.post(url, json=body) as resp:
                if resp.status != 200:
                    raise BotUnavailable(f"Rasa answered HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except BotUnavailable:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise BotUnavailable(f"Rasa unreachable: {exc!r}") from exc
        return parse_reply(data)
