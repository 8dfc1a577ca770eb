"""What the bot's answer does to its conversation (the last step of
contact_center.chat.receive.receive_message), in one transaction.

Hand-off rules: the bot asks for it (explicit request, two low-confidence
turns in a row, urgent); the backend also counts low-confidence turns
(`low_confidence_streak`) so two in a row hand off even if the bot did not
say so; Rasa unreachable or failing -> immediate hand-off with an apology.
Urgent -> `urgent` flag (first in the inbox) and a `chat.urgent` live event
for supervisors. A callback the bot collected is queued
(contact_center.callbacks); one that cannot be is noted for the agents and
the conversation handed off.

Rendering (bot contract 2): the first text of the bot's reply is rendered from
the knowledge base in PostgreSQL by its `answer_key`, in the conversation's
language (contact_center.knowledge.render), so a supervisor's edit is live for
the next answer on every channel; an unknown key keeps the bot's own text.
The conversation keeps the language the bot answered in.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.callbacks import count_callback_request, create_callback
from contact_center.chat.bot_client import BotReply
from contact_center.chat.conversations import Outgoing, add_outgoing, add_outgoing_many, hand_off
from contact_center.chat.texts import TEXTS, say
from contact_center.config import Settings
from contact_center.db.models import Conversation, Message
from contact_center.knowledge.entries import render

log = logging.getLogger(__name__)

LOW_CONFIDENCE_HANDOFF_AFTER = 2

# What the citizen sees, in Azerbaijani (contact_center.chat.texts has both languages).
TEXT_BOT_UNAVAILABLE = TEXTS["bot_unavailable"]["az"]
TEXT_HANDOFF = TEXTS["handoff"]["az"]
# What the agents see (an internal note, Azerbaijani).
TEXT_CALLBACK_FAILED = "Bot geri zəng sorğusunu yarada bilmədi: {error}. Zəhmət olmasa, əl ilə yaradın."


async def apply_bot_reply(
    session: AsyncSession,
    settings: Settings,
    conv: Conversation,
    citizen_id: int,
    citizen_payload: dict[str, Any] | None,
    reply: BotReply | None,
) -> list[Message]:
    """Store and deliver what the bot said (`reply`; None: the bot did not answer)
    and apply what it decided; returns the messages the citizen gets."""
    if reply is None:
        apology = Outgoing("system", say("bot_unavailable", conv.language))
        out = await add_outgoing_many(session, settings, conv, [apology])
        await hand_off(session, conv, reason="bot_unavailable", urgent=False)
        return out

    # The classification goes on the citizen's message (no need to load it).
    await session.execute(
        update(Message)
        .where(Message.id == citizen_id)
        .values(
            intent=reply.intent[:80] if reply.intent else None,
            confidence=reply.confidence,
            direction=reply.direction,
            payload={**(citizen_payload or {}), "bot": reply.raw},
        ),
        execution_options={"synchronize_session": False},
    )
    if reply.language is not None:
        conv.language = reply.language
    items = [
        Outgoing("bot", m.text, payload={"buttons": [b.as_dict() for b in m.buttons]} if m.buttons else None)
        for m in reply.messages
    ]
    if reply.answer_key and items and reply.messages[0].text:
        rendered = await render(session, reply.answer_key, conv.language)
        if rendered is not None:
            items[0] = Outgoing("bot", rendered.text, payload={
                **({"buttons": rendered.buttons} if rendered.buttons else {}), "answer_key": reply.answer_key,
            })
    handoff, reason = reply.handoff, reply.handoff_reason
    streak = conv.low_confidence_streak + 1 if reply.low_confidence else 0
    if not handoff and streak >= LOW_CONFIDENCE_HANDOFF_AFTER:
        handoff, reason = True, "low_confidence"
    if (handoff or reply.urgent) and conv.status == "bot" and not reply.messages:
        items.append(Outgoing("system", say("handoff", conv.language)))
    out = await add_outgoing_many(session, settings, conv, items)

    # Conversation changes last: one UPDATE at commit.
    if reply.direction is not None:
        conv.direction = reply.direction
    conv.low_confidence_streak = streak
    if reply.callback is not None:
        error = await _create_callback(session, settings, conv, reply)
        if error is not None:
            await add_outgoing(
                session, settings, conv, sender="system", kind="note", text=TEXT_CALLBACK_FAILED.format(error=error)
            )
            handoff, reason = True, reason or "callback_failed"
    if handoff or reply.urgent:
        await hand_off(session, conv, reason=reason or "requested", urgent=reply.urgent)
    return out


async def _create_callback(
    session: AsyncSession, settings: Settings, conv: Conversation, reply: BotReply
) -> str | None:
    """Create the callback the bot collected; an error message when it cannot."""
    cb = reply.callback
    assert cb is not None
    # The same limits as the form and the API: per number, and per chat contact
    # (the bot does not see the citizen's address).
    limited = await count_callback_request(
        session, settings, client=f"contact:{conv.channel}:{conv.contact_id}", phone=cb.phone
    )
    if limited is not None:
        log.warning("bot callback for conversation %s refused: too many requests (%s)", conv.id, limited.what)
        return "bu nömrə üçün çox sayda sorğu"
    try:
        async with session.begin_nested():  # a refused callback must not undo the conversation
            await create_callback(
                session,
                settings,
                phone=cb.phone,
                source="bot",
                citizen_name=cb.name,
                district=cb.district,
                direction=cb.direction or reply.direction or conv.direction,
                conversation_id=conv.id,
            )
    except ValueError as exc:  # CallbackInputError: the number is not valid
        log.warning("bot callback for conversation %s refused: %s", conv.id, exc)
        return str(exc) or type(exc).__name__
    except SQLAlchemyError as exc:
        # The savepoint is rolled back; an agent takes over rather than losing the request.
        log.exception("bot callback for conversation %s failed", conv.id)
        return type(exc).__name__
    return None
