"""The durable outbox for Facebook and Instagram replies.

`queue_message` is the channel sender of both channels: it runs inside the
transaction that stores the bot's or agent's message and adds an `outbox`
row beside it, so the reply survives a crash or a Meta outage. The worker
(contact_center.social.worker) claims due rows with `FOR UPDATE SKIP LOCKED`,
sends them through the Send API and records the result here:

- success: the message becomes `sent` and takes the `message_id` Meta returned
  as its external_id, so the echo Meta sends back is recognised as ours;
- a temporary error (5xx, network, rate limits 4/17/32/613): retried with
  exponential back-off, up to RetryPolicy.max_attempts;
- a permanent error (10/2018278 outside the 24-hour window, 190 invalid
  token, other 4xx): the message becomes `failed` and `delivery_error` tells
  the agent why.

A recipient's messages go out one at a time, in order: only the oldest
pending row of a recipient can be claimed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center import events
from contact_center.chat import InboxError, delivery
from contact_center.config import Settings
from contact_center.db.models.conversations import Conversation, Message, OutboxItem
from contact_center.social.graph_client import GraphError, SendOk
from contact_center.social.window import META_CHANNELS, ReplyWindow, text_too_long, window_for

# Woken at commit by the sender, so an idle worker sends without waiting for its poll.
NOTIFY_CHANNEL = "cc142_meta_outbox"

QUICK_REPLY_TITLE = 20  # Send API limit
QUICK_REPLY_PAYLOAD = 1000
MAX_QUICK_REPLIES = 13


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_delay_seconds: float = 300.0
    max_attempts: int = 10  # about 25 minutes of tries with the defaults
    lease: timedelta = timedelta(seconds=60)  # > the Send API timeout

    def delay(self, attempts: int) -> timedelta:
        """Exponential back-off with ±20 % jitter, so retries of many rows spread out."""
        seconds = min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_delay_seconds)
        return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def page_token(settings: Settings, account_id: str | None) -> str | None:
    """The page's own token (META_PAGE_TOKENS), else META_PAGE_ACCESS_TOKEN."""
    if account_id and account_id in settings.meta_page_tokens:
        return settings.meta_page_tokens[account_id]
    return settings.meta_page_access_token or None


def _quick_replies(buttons: Any) -> list[dict[str, str]]:
    if not isinstance(buttons, list):
        return []
    replies = []
    for button in buttons[:MAX_QUICK_REPLIES]:
        if not isinstance(button, dict):
            continue
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if not title:
            continue
        if len(title) > QUICK_REPLY_TITLE:
            title = title[: QUICK_REPLY_TITLE - 1].rstrip() + "…"
        replies.append({"content_type": "text", "title": title, "payload": payload[:QUICK_REPLY_PAYLOAD]})
    return replies


def build_body(recipient_id: str, message: Message, window: ReplyWindow) -> dict[str, Any]:
    """The Send API request body for one stored message."""
    content: dict[str, Any] = {"text": message.text}
    quick = _quick_replies((message.payload or {}).get("buttons"))
    if quick:
        content["quick_replies"] = quick
    return {"recipient": {"id": recipient_id}, **window.send_fields(), "message": content}


def _refused(message: Message, reason: str) -> None:
    # The chat core publishes the new message right after; no event of our own.
    message.delivery_status = "failed"
    message.delivery_error = reason


async def queue_message(session: AsyncSession, settings: Settings, conversation: Conversation, message: Message) -> None:
    """The channel sender for `facebook` and `instagram` (conversations' delivery registry).

    Runs in the caller's transaction; never calls Meta itself. An agent's reply
    that Meta would refuse (outside the 24-hour window, too long) is refused
    here with an InboxError, so the console shows the reason and nothing is
    stored; a bot or system message Meta would refuse is stored as `failed`
    with the reason (the flow that produced it must not break)."""
    if message.id is None:
        await session.flush()
    refusal = text_too_long(conversation.channel, message.text)
    if not message.text.strip() and not (message.payload or {}).get("buttons"):
        refusal = "Boş mesaj göndərilə bilməz"
    human = message.sender == "agent"
    window = await window_for(session, settings, conversation, human=human)
    if refusal is None and not window.allowed:
        refusal = window.reason or "Meta pəncərəsi bağlıdır"
    if refusal is not None:
        if human:
            raise InboxError("meta_refused", refusal, field="text")
        # Meta would refuse it: say so on the message now instead of calling.
        _refused(message, refusal)
        return
    session.add(
        OutboxItem(
            message_id=message.id,
            channel=conversation.channel,
            account_id=conversation.account_id,
            recipient_id=conversation.contact_id,
            body=build_body(conversation.contact_id, message, window),
            status="pending",
            attempts=0,
        )
    )
    message.delivery_status = "pending"
    message.delivery_error = None
    await session.execute(text("SELECT pg_notify(:c, '')"), {"c": NOTIFY_CHANNEL})


@dataclass(frozen=True)
class ClaimedSend:
    id: int
    message_id: int
    channel: str
    account_id: str | None
    recipient_id: str
    body: dict[str, Any]
    attempts: int


_CLAIM = text(
    """
UPDATE outbox AS o
SET claimed_at = now(), next_attempt_at = now() + make_interval(secs => :lease), attempts = o.attempts + 1
WHERE o.id IN (
    SELECT i.id FROM outbox AS i
    WHERE i.status = 'pending' AND i.next_attempt_at <= now()
      AND i.channel IN ('facebook', 'instagram')
      AND NOT EXISTS (
          SELECT 1 FROM outbox AS e
          WHERE e.status = 'pending' AND e.channel = i.channel
            AND e.recipient_id = i.recipient_id AND e.id < i.id
      )
    ORDER BY i.next_attempt_at, i.id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
RETURNING o.id, o.message_id, o.channel, o.account_id, o.recipient_id, o.body, o.attempts
"""
)


async def claim(session: AsyncSession, *, limit: int, lease: timedelta) -> list[ClaimedSend]:
    """Take up to `limit` due rows (the oldest pending one per recipient) for sending."""
    rows = await session.execute(_CLAIM, {"lease": lease.total_seconds(), "limit": limit})
    return [ClaimedSend(**row._mapping) for row in rows]


_SET_MESSAGE = text(
    """
UPDATE messages SET delivery_status = :status, delivery_error = :error,
    external_id = COALESCE(:external_id, external_id)
WHERE id = :id
RETURNING conversation_id
"""
)
# An echo that overtook the Send API's answer was stored as a message typed in
# Meta's apps; it is really this message, so that copy goes.
_DROP_ECHO_COPY = text(
    """
DELETE FROM messages
WHERE channel = :channel AND external_id = :external_id AND id <> :id
  AND sender = 'agent' AND agent_id IS NULL
"""
)


async def _set_message(
    session: AsyncSession, message_id: int, status: str, error: str | None, external_id: str | None = None
) -> None:
    conversation_id = (
        await session.execute(
            _SET_MESSAGE, {"id": message_id, "status": status, "error": error, "external_id": external_id}
        )
    ).scalar_one_or_none()
    if conversation_id is not None:
        await events.publish(session, events.chat_delivery(conversation_id, message_id, status))


async def record_sent(session: AsyncSession, item: ClaimedSend, ok: SendOk) -> None:
    if ok.message_id:
        await session.execute(
            _DROP_ECHO_COPY, {"channel": item.channel, "external_id": ok.message_id, "id": item.message_id}
        )
    await session.execute(
        text("UPDATE outbox SET status = 'sent', sent_at = now(), claimed_at = NULL, last_error = NULL WHERE id = :id"),
        {"id": item.id},
    )
    await _set_message(session, item.message_id, "sent", None, ok.message_id)


async def record_retry(session: AsyncSession, item: ClaimedSend, error: str, delay: timedelta) -> None:
    """A temporary failure: the row waits `delay`, the message stays `pending`."""
    await session.execute(
        text(
            "UPDATE outbox SET next_attempt_at = now() + make_interval(secs => :delay),"
            " claimed_at = NULL, last_error = :error WHERE id = :id"
        ),
        {"id": item.id, "delay": delay.total_seconds(), "error": error},
    )


async def record_failed(session: AsyncSession, item: ClaimedSend, error: str) -> None:
    await session.execute(
        text("UPDATE outbox SET status = 'failed', claimed_at = NULL, last_error = :error WHERE id = :id"),
        {"id": item.id, "error": error},
    )
    await _set_message(session, item.message_id, "failed", error)


def failure_text(exc: GraphError, attempts: int, policy: RetryPolicy) -> tuple[bool, str]:
    """(retry?, what to record) for a failed Send API call."""
    if exc.temporary and attempts < policy.max_attempts:
        return True, exc.describe()
    if exc.temporary:
        return False, f"{attempts} cəhddən sonra göndərilmədi: {exc.describe()}"
    return False, exc.describe()


async def sending_now(session: AsyncSession, channel: str, recipient_id: str) -> bool:
    """Is a message to this recipient on its way (claimed, answer not yet recorded)?"""
    stmt = text(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND channel = :c"
        " AND recipient_id = :r AND claimed_at IS NOT NULL AND next_attempt_at > now())"
    )
    return bool((await session.execute(stmt, {"c": channel, "r": recipient_id})).scalar_one())


def register_senders() -> None:
    """Make the outbox the sender of both channels in the chat's delivery registry
    (the runtime does it at start-up): the Send API carries both, Instagram
    through its connected page."""
    for channel in META_CHANNELS:
        delivery.register_sender(channel, queue_message)


# --- operations (cc142 meta-status / meta-retry) ---------------------------------


@dataclass(frozen=True)
class OutboxFailure:
    message_id: int
    conversation_id: int
    channel: str
    recipient_id: str
    attempts: int
    error: str | None
    created_at: datetime


async def failures(session: AsyncSession, *, limit: int = 20) -> list[OutboxFailure]:
    """The latest messages Meta did not take, newest first."""
    rows = await session.execute(
        text(
            "SELECT o.message_id, m.conversation_id, o.channel, o.recipient_id, o.attempts,"
            " o.last_error AS error, o.created_at"
            " FROM outbox o JOIN messages m ON m.id = o.message_id"
            " WHERE o.status = 'failed' ORDER BY o.id DESC LIMIT :limit"
        ),
        {"limit": limit},
    )
    return [OutboxFailure(**row._mapping) for row in rows]


async def requeue_failed(session: AsyncSession, *, since: datetime) -> int:
    """Send again what failed since `since` (e.g. after a page token was fixed).

    A failed message never reached the citizen, so this cannot duplicate one;
    what Meta refuses for the 24-hour window simply fails again."""
    result = await session.execute(
        text(
            "WITH again AS ("
            "  UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = now(),"
            "         claimed_at = NULL, last_error = NULL"
            "  WHERE status = 'failed' AND created_at >= :since RETURNING message_id)"
            " UPDATE messages SET delivery_status = 'pending', delivery_error = NULL"
            " WHERE id IN (SELECT message_id FROM again)"
        ),
        {"since": since},
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        await session.execute(text("SELECT pg_notify(:c, '')"), {"c": NOTIFY_CHANNEL})
    return count
