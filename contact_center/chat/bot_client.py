"""The Rasa bot, reached over HTTP like any other outside service.

`POST {RASA_URL}/webhooks/rest/webhook {"sender", "message", "metadata"}`
answers a list: text messages (optional `buttons`) and, last, one custom
message `{"custom": {"cc142": {...}}}` with the classification. Any failure
(connection refused, timeout, HTTP error, a body we cannot read) raises
`BotUnavailable`: the caller hands the conversation to a human.

RASA_URL may list several Rasa replicas (comma-separated) sharing one tracker
store and lock store. A conversation goes to the first replica of its own
order (rendezvous hashing on the sender id: stable while the set is healthy,
and only the conversations of a failed replica move). A replica that refuses
the connection or drops it is skipped for CIRCUIT_OPEN_SECONDS (the circuit
breaker) and the message goes to the next one: Rasa saves a tracker only after
a message is handled, so the next replica sees the conversation as it was. A
timeout is not retried elsewhere (the first replica may still finish the
turn); it opens the circuit and the caller hands over as before.
"""

from __future__ import annotations

import asyncio
import hashlib
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
HANDOFF_REASONS = frozenset({"requested", "low_confidence", "urgent", "frustration"})
# Rasa's FallbackClassifier intent: the bot did not understand this turn.
FALLBACK_INTENT = "nlu_fallback"
# /readyz asks Rasa at most this often; a health check must not load the bot.
HEALTH_TTL_SECONDS = 5.0
# Rasa loads TensorFlow and the model for about a minute: not answering before
# that (and never answered yet) is "starting", later "unavailable".
STARTUP_GRACE_SECONDS = 300.0
HEALTH_PROBE_TIMEOUT = aiohttp.ClientTimeout(total=2)
# A replica that failed is not asked again for this long (then one message tries it).
CIRCUIT_OPEN_SECONDS = 10.0
# HTTP answers that mean "this replica did not handle it" (a proxy in front of a dead one).
_NOT_HANDLED = frozenset({502, 503, 504})


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


def split_urls(value: str) -> tuple[str, ...]:
    """RASA_URL's replicas: comma-separated, blanks and trailing slashes dropped."""
    urls = tuple(dict.fromkeys(u.strip().rstrip("/") for u in value.split(",") if u.strip()))
    if not urls:
        raise ValueError("RASA_URL names no Rasa server")
    return urls


class _NotHandled(Exception):
    """This replica did not take the message (refused, dropped, 502-504): another may."""


@dataclass
class _Replica:
    url: str
    created: float
    health: tuple[float, str] | None = None  # (checked at, status)
    ever_ready: bool = False
    open_until: float = 0.0  # circuit breaker: skipped until then

    def is_open(self, now: float) -> bool:
        return now < self.open_until

    def trip(self, now: float) -> None:
        self.open_until = now + CIRCUIT_OPEN_SECONDS
        self.health = (now, "unavailable" if self.ever_ready else self._early_status(now))

    def close(self) -> None:
        self.open_until = 0.0

    def _early_status(self, now: float) -> str:
        return "starting" if now - self.created < STARTUP_GRACE_SECONDS else "unavailable"


class BotClient:
    """One aiohttp ClientSession (a pooled keep-alive connection) for every call,
    over one or several Rasa replicas (``base_url`` as RASA_URL: comma-separated)."""

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.urls = split_urls(base_url)
        self.base_url = self.urls[0]
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        now = time.monotonic()
        self._replicas = [_Replica(url, now) for url in self.urls]

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

    async def _replica_health(self, replica: _Replica) -> str:
        now = time.monotonic()
        if replica.health is not None and now - replica.health[0] < HEALTH_TTL_SECONDS:
            return replica.health[1]
        if self._session is None:
            await self.start()
        assert self._session is not None
        try:
            # Rasa's root answers once the server (and so the model) is up.
            async with self._session.get(f"{replica.url}/", timeout=HEALTH_PROBE_TIMEOUT) as resp:
                answered = resp.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            answered = False
        if answered:
            replica.ever_ready = True
            replica.close()
            status = "ready"
        elif not replica.ever_ready:
            status = replica._early_status(now)
        else:
            status = "unavailable"
            replica.trip(now)
        replica.health = (time.monotonic(), status)
        return status

    async def replica_health(self) -> list[str]:
        """Each replica's ``"ready" | "starting" | "unavailable"``, in RASA_URL's order."""
        return list(await asyncio.gather(*(self._replica_health(r) for r in self._replicas)))

    async def health(self) -> str:
        """``"ready" | "degraded" | "starting" | "unavailable"``, each replica cached for
        HEALTH_TTL_SECONDS: ready when all answer, degraded when some do (chats still
        reach the bot), else starting while none ever answered, then unavailable."""
        statuses = await self.replica_health()
        if all(s == "ready" for s in statuses):
            return "ready"
        if "ready" in statuses:
            return "degraded"
        return "starting" if "starting" in statuses else "unavailable"

    def order(self, sender: str) -> list[str]:
        """The replicas this conversation tries, in order: its rendezvous order,
        those with an open circuit last (still tried when nothing else is left)."""
        now = time.monotonic()

        def weight(replica: _Replica) -> bytes:
            return hashlib.blake2b(f"{replica.url}\0{sender}".encode(), digest_size=8).digest()

        ranked = sorted(self._replicas, key=weight, reverse=True)
        ranked.sort(key=lambda r: r.is_open(now))  # stable: keeps the rendezvous order within
        return [r.url for r in ranked]

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> BotReply:
        if self._session is None:
            await self.start()
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        by_url = {r.url: r for r in self._replicas}
        failures: list[str] = []
        for url in self.order(sender):
            replica = by_url[url]
            try:
                data = await self._post(replica, body)
            except _NotHandled as exc:
                replica.trip(time.monotonic())
                failures.append(f"{url}: {exc}")
                if len(self._replicas) > 1:
                    log.warning("Rasa replica %s did not take the message (%s); circuit open for %.0f s",
                                url, exc, CIRCUIT_OPEN_SECONDS)
                continue
            except BotUnavailable:
                replica.trip(time.monotonic())
                raise
            replica.close()
            replica.ever_ready = True  # it answered: a later failure is "unavailable"
            return parse_reply(data)
        raise BotUnavailable("Rasa unreachable: " + "; ".join(failures))

    async def _post(self, replica: _Replica, body: dict[str, Any]) -> object:
        assert self._session is not None
        try:
            async with self._session.post(f"{replica.url}/webhooks/rest/webhook", json=body) as resp:
                if resp.status in _NOT_HANDLED:
                    raise _NotHandled(f"HTTP {resp.status}")
                if resp.status != 200:
                    raise BotUnavailable(f"Rasa answered HTTP {resp.status}")
                return await resp.json(content_type=None)
        except (BotUnavailable, _NotHandled):
            raise
        except (aiohttp.ServerTimeoutError, asyncio.TimeoutError) as exc:
            raise BotUnavailable(f"Rasa did not answer in time: {exc!r}") from exc
        except aiohttp.ClientConnectionError as exc:
            # refused, reset, dropped, or a dead keep-alive connection: the replica
            # did not finish this turn (Rasa saves the tracker at the end of one)
            raise _NotHandled(repr(exc)) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise BotUnavailable(f"Rasa unreachable: {exc!r}") from exc
