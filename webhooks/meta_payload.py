"""Meta webhook payloads (Messenger `object: page`, Instagram `object: instagram`)
turned into inbox items; everything else is named and ignored.

The body is trusted once its signature checks out, so a malformed part is
ignored and logged rather than refused: a 4xx would only make Meta redeliver
the same payload again and again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contact_center.attachments import ATTACHMENT_LABELS, UNKNOWN_ATTACHMENT_LABEL
from contact_center.social import MetaInboundItem

CHANNEL_BY_OBJECT = {"page": "facebook", "instagram": "instagram"}

# What agents and the bot see in place of an attachment (Azerbaijani UI): "[Şəkil]".
ATTACHMENT_PLACEHOLDERS = {kind: f"[{label}]" for kind, label in ATTACHMENT_LABELS.items()}
UNKNOWN_ATTACHMENT = f"[{UNKNOWN_ATTACHMENT_LABEL}]"
UNSUPPORTED_MESSAGE = "[Dəstəklənməyən mesaj]"

# Items Meta sends beside messages; accepted and ignored.
IGNORED_ITEM_KEYS = (
    "read",
    "delivery",
    "reaction",
    "referral",
    "optin",
    "account_linking",
    "policy_enforcement",
    "pass_thread_control",
    "take_thread_control",
    "request_thread_control",
    "app_roles",
    "message_edit",
)

MAX_ID = 200


@dataclass(frozen=True)
class Ignored:
    what: str  # "read", "delivery", "reaction", "unknown_object", "changes", "malformed", ...
    detail: str


@dataclass
class ParsedWebhook:
    object: str
    items: list[MetaInboundItem] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)


def _id(value: Any) -> str | None:
    """A Meta id: a string (or, defensively, an integer) of digits/letters."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if value and len(value) <= MAX_ID else None


def _party(item: dict[str, Any], name: str) -> str | None:
    part = item.get(name)
    return _id(part.get("id")) if isinstance(part, dict) else None


def _moment(value: Any) -> datetime | None:
    """Meta timestamps are milliseconds since the epoch."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _attachments(message: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Links to keep and the placeholders to show, one per attachment."""
    raw = message.get("attachments")
    if not isinstance(raw, list):
        return [], []
    links: list[dict[str, Any]] = []
    labels: list[str] = []
    for att in raw:
        if not isinstance(att, dict):
            continue
        kind = att.get("type") if isinstance(att.get("type"), str) else "unknown"
        payload = att.get("payload") if isinstance(att.get("payload"), dict) else {}
        if kind == "image" and payload.get("sticker_id") is not None:
            kind = "sticker"
        link: dict[str, Any] = {"type": kind}
        url = payload.get("url") or att.get("url")
        if isinstance(url, str) and url:
            link["url"] = url
        title = payload.get("title") or att.get("title")
        if isinstance(title, str) and title:
            link["title"] = title
        coords = payload.get("coordinates")
        if isinstance(coords, dict):
            link["coordinates"] = {k: coords[k] for k in ("lat", "long") if k in coords}
        links.append(link)
        labels.append(ATTACHMENT_PLACEHOLDERS.get(kind, UNKNOWN_ATTACHMENT))
    return links, labels


# Payloads our own buttons carry: Rasa commands ("/request_human") and the
# chat core's own ("cc142:csat:5", the rating buttons).
OWN_PAYLOAD_PREFIXES = ("/", "cc142:")


def _bot_choice(payload: Any, title: Any) -> str | None:
    """What the bot gets for a tapped button: one of our own payloads as it is,
    otherwise the human title; a payload of another kind (e.g. a page menu's
    "GET_STARTED") means nothing to the bot's language model, so it gets the
    title when there is one."""
    if isinstance(payload, str) and payload.startswith(OWN_PAYLOAD_PREFIXES):
        return payload
    if isinstance(title, str) and title.strip():
        return title.strip()
    if isinstance(payload, str) and payload.strip():
        return payload.strip()
    return None


def _message_item(
    channel: str, account_id: str | None, item: dict[str, Any], at: datetime | None
) -> MetaInboundItem | Ignored:
    message = item["message"]
    if not isinstance(message, dict):
        return Ignored("malformed", "'message' is not an object")
    mid = _id(message.get("mid"))
    if mid is None:
        return Ignored("malformed", "message without 'mid'")
    if message.get("is_deleted"):
        return Ignored("message_deleted", f"mid {mid}")
    sender, recipient = _party(item, "sender"), _party(item, "recipient")
    is_echo = bool(message.get("is_echo"))
    # On an echo the page is the sender and the citizen the recipient.
    contact_id = recipient if is_echo else sender
    account = account_id or (sender if is_echo else recipient)
    if contact_id is None:
        return Ignored("malformed", f"mid {mid}: no {'recipient' if is_echo else 'sender'} id")

    body = message.get("text") if isinstance(message.get("text"), str) else ""
    links, labels = _attachments(message)
    shown = " ".join(part for part in [body.strip(), *labels] if part) or UNSUPPORTED_MESSAGE
    payload: dict[str, Any] = {}
    if links:
        payload["attachments"] = links
    bot_text: str | None = None
    quick = message.get("quick_reply")
    if isinstance(quick, dict) and not is_echo:
        payload["quick_reply"] = {"payload": quick.get("payload"), "title": body or None}
        choice = _bot_choice(quick.get("payload"), body)
        bot_text = choice if choice != shown else None
    if is_echo and isinstance(message.get("app_id"), (int, str)):
        payload["app_id"] = str(message["app_id"])

    fields: dict[str, Any] = {
        "channel": channel,
        "contact_id": contact_id,
        "account_id": account,
        "text": shown,
        "external_id": mid,
        "at": at.isoformat() if at else None,
    }
    if is_echo:
        return MetaInboundItem("echo", channel, mid, contact_id, account, fields, item)
    fields["payload"] = payload or None
    fields["bot_text"] = bot_text
    return MetaInboundItem("message", channel, mid, contact_id, account, fields, item)


def _postback_item(
    channel: str, account_id: str | None, item: dict[str, Any], at: datetime | None
) -> MetaInboundItem | Ignored:
    postback = item["postback"]
    if not isinstance(postback, dict):
        return Ignored("malformed", "'postback' is not an object")
    sender = _party(item, "sender")
    if sender is None:
        return Ignored("malformed", "postback without a sender id")
    title = postback.get("title") if isinstance(postback.get("title"), str) else ""
    raw_payload = postback.get("payload")
    # Older postbacks carry no mid: the sender and the timestamp identify a
    # redelivery just as well.
    mid = _id(postback.get("mid")) or f"postback:{sender}:{item.get('timestamp')}"
    shown = title.strip() or (raw_payload if isinstance(raw_payload, str) else "") or UNSUPPORTED_MESSAGE
    choice = _bot_choice(raw_payload, title)
    fields: dict[str, Any] = {
        "channel": channel,
        "contact_id": sender,
        "account_id": account_id or _party(item, "recipient"),
        "text": shown,
        "external_id": mid,
        "payload": {"postback": {"payload": raw_payload, "title": title or None}},
        "bot_text": choice if choice and choice != shown else None,
        "at": at.isoformat() if at else None,
    }
    return MetaInboundItem("message", channel, mid, sender, fields["account_id"], fields, item)


def parse_webhook(payload: Any) -> ParsedWebhook:
    """Every entry and every `messaging` item of the body, in order."""
    if not isinstance(payload, dict):
        return ParsedWebhook("?", ignored=[Ignored("malformed", "the body is not a JSON object")])
    obj = payload.get("object")
    channel = CHANNEL_BY_OBJECT.get(obj) if isinstance(obj, str) else None
    parsed = ParsedWebhook(obj if isinstance(obj, str) else "?")
    if channel is None:
        parsed.ignored.append(Ignored("unknown_object", f"object {str(obj)[:40]!r}"))
        return parsed
    entries = payload.get("entry")
    if not isinstance(entries, list):
        parsed.ignored.append(Ignored("malformed", "'entry' is not a list"))
        return parsed
    for entry in entries:
        if not isinstance(entry, dict):
            parsed.ignored.append(Ignored("malformed", "an entry is not an object"))
            continue
        account_id = _id(entry.get("id"))
        for key in ("changes", "standby"):
            if isinstance(entry.get(key), list):
                for change in entry[key]:
                    what = change.get("field") if isinstance(change, dict) else None
                    parsed.ignored.append(Ignored(key, f"account {account_id}: {what or key}"))
        messaging = entry.get("messaging")
        if messaging is None:
            continue
        if not isinstance(messaging, list):
            parsed.ignored.append(Ignored("malformed", f"account {account_id}: 'messaging' is not a list"))
            continue
        for item in messaging:
            parsed_item = _item(channel, account_id, item)
            if isinstance(parsed_item, Ignored):
                parsed.ignored.append(parsed_item)
            else:
                parsed.items.append(parsed_item)
    return parsed


def _item(channel: str, account_id: str | None, item: Any) -> MetaInboundItem | Ignored:
    if not isinstance(item, dict):
        return Ignored("malformed", "a messaging item is not an object")
    at = _moment(item.get("timestamp"))
    if "message" in item:
        return _message_item(channel, account_id, item, at)
    if "postback" in item:
        return _postback_item(channel, account_id, item, at)
    for key in IGNORED_ITEM_KEYS:
        if key in item:
            return Ignored(key, f"from {_party(item, 'sender')}")
    keys = ",".join(sorted(k for k in item if k not in ("sender", "recipient", "timestamp")))
    return Ignored("unknown_item", keys[:100] or "empty")
