"""How one stored Meta webhook item reaches the chat core.

The runtime hands `handle_item` to the Meta worker with the process's
ChatContext bound (contact_center/runtime.py)."""

from __future__ import annotations

from datetime import datetime

from contact_center.chat import ChatContext, InboundMessage, receive_message
from contact_center.social.echoes import record_outgoing_echo
from contact_center.social.outbox import sending_now
from contact_center.social.webhook_inbox import ClaimedItem
from contact_center.social.worker import DEFER


def _at(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


async def handle_item(ctx: ChatContext, item: ClaimedItem) -> str:
    """Feed a citizen message to the chat core (bot or agent), or record an echo."""
    fields = dict(item.message)
    if item.kind == "echo":
        async with ctx.sessionmaker.begin() as session:
            # Our own reply whose Send API answer is not recorded yet: wait for
            # it, else the echo would pass for a message typed in Meta's apps.
            if await sending_now(session, item.channel, item.contact_id):
                return DEFER
            stored = await record_outgoing_echo(
                session,
                item.channel,
                fields["contact_id"],
                fields.get("account_id"),
                fields["text"],
                fields["external_id"],
                _at(fields.get("at")),
            )
        return "echo_stored" if stored else "echo_ours"
    fields["at"] = _at(fields.get("at"))
    result = await receive_message(ctx, InboundMessage(**fields))
    return "duplicate" if result.duplicate else "stored"
