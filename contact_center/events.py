"""Live events: the one contract between the writers and everyone who listens.

Topics, the payload of each, who may hear it (its audience), how it is
encoded, and the one way to publish it all live here. A writer builds an
`Event` with a builder below and hands it to `publish()` inside its own
transaction (an SQLAlchemy session, or the asyncpg connection of the hot
ingest path, contact_center/db/driver.py); SQL returns ids and rows, never
events. PostgreSQL delivers a NOTIFY only when the transaction commits, so
a console never hears of a change that was rolled back, and every backend
process LISTENs on CHANNEL (contact_center/live.py, started by the runtime),
so an event published by any process reaches the consoles and chat widgets
connected to every other one.

Payloads stay small (ids, not records): NOTIFY payloads are limited to 8000
bytes. Listeners get `{"seq", "topic", "data"}`; the audience never leaves
the server.

Topics and their data (audience in brackets):

    call.answered       {call_id, caller, wait_seconds, answered_at}        [the answering extension]
    callback.created    {id, source, due_at}                                [agents]
    callback.changed    {id, status, claimed_by? | attempts?}               [agents]
    registration.created {id, call_id, agent_id}                            [supervisors, the agent]
    agent.status        {user_id, username, extension, status}              [supervisors]
    agent.state         {agent, state, reason, since}  the merged live state (exchange + console)  [supervisors]
    chat.message        {conversation_id, message_id, channel, contact_id, sender, kind, status}
                        [everyone while pending; else supervisors and the holder]
    chat.conversation   {conversation_id, channel, contact_id, status, urgent, assigned_to, event}  [everyone]
    chat.urgent         {conversation_id, channel, reason}                  [supervisors]
    chat.routing        {reason}  who sees which waiting chat may have changed (an agent with
                        skills became available or not, skills were edited): inboxes re-read   [agents]
    chat.typing         {conversation_id, channel, contact_id, who}         [the holder, or the widget]
    chat.delivery       {conversation_id, message_id, status}               [agents]
    session.closed      {session_id (None: all of the user's)}              [the user]
    user.changed        {user_id}  role or extension changed: live sockets re-check the session  [the user]
    live.resync         {}  the hub itself: events may have been missed, reload what you show
    live.listener       {listening}  the hub itself: the database side went down / came back

The chat widget matches `chat.*` events on `contact_id` instead of an audience.

Audiences (any one matching key grants it; no audience = every signed-in console user):

    {"user": 7}                 one user id
    {"users": [7, 9]}           several users
    {"extension": "1001"}       the user whose extension it is (screen pops)
    {"role": "supervisor"}      that role and above (agent < supervisor < admin)
    {"conversation": 12}        not a console key: for other subscribers to match on
    {"contact": "<id>"}         not a console key: only the citizen's widget hears it
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import Conversation, Message

CHANNEL = "cc142_events"

CALL_ANSWERED = "call.answered"
CALLBACK_CREATED = "callback.created"
CALLBACK_CHANGED = "callback.changed"
REGISTRATION_CREATED = "registration.created"
AGENT_STATUS = "agent.status"
AGENT_STATE = "agent.state"
CHAT_MESSAGE = "chat.message"
CHAT_CONVERSATION = "chat.conversation"
CHAT_URGENT = "chat.urgent"
CHAT_ROUTING = "chat.routing"
CHAT_TYPING = "chat.typing"
CHAT_DELIVERY = "chat.delivery"
SESSION_CLOSED = "session.closed"
USER_CHANGED = "user.changed"
# Emitted by the LISTEN hub itself, never published.
RESYNC = "live.resync"
LISTENER = "live.listener"

Audience = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Event:
    topic: str
    data: dict[str, Any]
    audience: Audience | None = None

    def encode(self) -> str:
        """The NOTIFY payload: {"topic", "data"} with the audience inside data."""
        data = self.data if self.audience is None else {**self.data, "audience": self.audience}
        return json.dumps({"topic": self.topic, "data": data}, default=str, separators=(",", ":"))


def decode(payload: str) -> Event:
    """A NOTIFY payload back into an Event; ValueError when it is not one."""
    try:
        message = json.loads(payload)
        topic = str(message["topic"])
        data = dict(message.get("data") or {})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a live event: {payload[:200]!r}") from exc
    audience = data.pop("audience", None)
    return Event(topic, data, audience if isinstance(audience, dict) else None)


# --- audiences -----------------------------------------------------------------------------
ROLE_RANK = {"agent": 1, "supervisor": 2, "admin": 3}


def for_user(*user_ids: int) -> Audience:
    return {"users": list(user_ids)} if len(user_ids) != 1 else {"user": user_ids[0]}


def for_extension(extension: str) -> Audience:
    return {"extension": extension}


def for_role(role: str) -> Audience:
    return {"role": role}


def console_may_see(audience: Audience | None, *, user_id: int, role: str, extension: str | None) -> bool:
    """The console's rule: does this signed-in user get an event with this audience?"""
    if audience is None:
        return True
    if audience.get("user") == user_id:
        return True
    users = audience.get("users")
    if isinstance(users, list) and user_id in users:
        return True
    if extension and audience.get("extension") == extension:
        return True
    wanted = audience.get("role")
    if isinstance(wanted, str) and ROLE_RANK.get(role, 0) >= ROLE_RANK.get(wanted, 99):
        return True
    return False


# --- publishing ------------------------------------------------------------------------------
_NOTIFY_SQL = "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p"
_NOTIFY = text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p")


async def publish(conn: AsyncSession | asyncpg.Connection, *events: Event) -> None:
    """Queue events for delivery when the caller's transaction commits (one round trip).

    `conn`: the session of a service, or the asyncpg connection of the driver
    paths (inside their transaction)."""
    if not events:
        return
    payloads = [e.encode() for e in events]
    if isinstance(conn, AsyncSession):
        await conn.execute(_NOTIFY, {"channel": CHANNEL, "payloads": payloads})
    else:
        await conn.execute(_NOTIFY_SQL, CHANNEL, payloads)


# --- payloads --------------------------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def call_answered(
    call_id: int, caller: str | None, wait_seconds: float | None, answered_at: datetime | None, extension: str
) -> Event:
    """A screen pop for the agent on `extension`."""
    return Event(
        CALL_ANSWERED,
        {"call_id": call_id, "caller": caller, "wait_seconds": wait_seconds, "answered_at": _iso(answered_at)},
        for_extension(extension),
    )


def callback_created(callback_id: int, source: str, due_at: datetime) -> Event:
    return Event(CALLBACK_CREATED, {"id": callback_id, "source": source, "due_at": _iso(due_at)}, for_role("agent"))


def callback_changed(callback_id: int, status: str, **extra: Any) -> Event:
    """`extra`: claimed_by (a claim), attempts (a failed attempt)."""
    return Event(CALLBACK_CHANGED, {"id": callback_id, "status": status, **extra}, for_role("agent"))


def registration_created(registration_id: int, call_id: int | None, agent_id: int) -> Event:
    return Event(
        REGISTRATION_CREATED,
        {"id": registration_id, "call_id": call_id, "agent_id": agent_id},
        for_role("supervisor") | {"user": agent_id},
    )


def agent_status(user_id: int, username: str, extension: str | None, status: str) -> Event:
    return Event(
        AGENT_STATUS,
        {"user_id": user_id, "username": username, "extension": extension, "status": status},
        for_role("supervisor"),
    )


def agent_state(agent: str, state: str, reason: str | None, since: datetime) -> Event:
    """An agent's live state changed (contact_center/accounts/agent_states.py)."""
    return Event(AGENT_STATE, {"agent": agent, "state": state, "reason": reason, "since": _iso(since)},
                 for_role("supervisor"))


def chat_message_audience(conv: Conversation) -> Audience | None:
    """Every agent hears the messages of pending conversations (the queue); an open
    or resolved conversation's go to its agent and the supervisors; bot
    conversations' only to the supervisors."""
    if conv.status == "pending":
        return None
    holder = conv.assigned_to or conv.resolved_by
    return for_role("supervisor") | ({"user": holder} if holder else {})


def chat_message(conv: Conversation, message: Message) -> Event:
    return Event(
        CHAT_MESSAGE,
        {
            "conversation_id": conv.id,
            "message_id": message.id,
            "channel": conv.channel,
            "contact_id": conv.contact_id,
            "sender": message.sender,
            "kind": message.kind,
            "status": conv.status,
        },
        chat_message_audience(conv),
    )


def chat_conversation(conv: Conversation, event: str) -> Event:
    """A change of a conversation (`event`: handoff, claimed, resolved, ...): every agent hears it."""
    return Event(
        CHAT_CONVERSATION,
        {
            "conversation_id": conv.id,
            "channel": conv.channel,
            "contact_id": conv.contact_id,
            "status": conv.status,
            "urgent": conv.urgent,
            "assigned_to": conv.assigned_to,
            "event": event,
        },
    )


def chat_routing(reason: str) -> Event:
    """The inboxes' visibility rule may give another answer now (contact_center/chat/routing.py):
    `reason` "availability" (a skilled agent's status changed) or "skills" (an admin edited them)."""
    return Event(CHAT_ROUTING, {"reason": reason}, for_role("agent"))


def chat_urgent(conv: Conversation, reason: str) -> Event:
    return Event(CHAT_URGENT, {"conversation_id": conv.id, "channel": conv.channel, "reason": reason},
                 for_role("supervisor"))


def chat_typing(conversation_id: int, channel: str, contact_id: str, who: str, agent_id: int | None) -> Event:
    """who = "citizen" (heard by the agent holding the conversation) or "agent" (heard by the widget)."""
    # {"contact": ...} matches no console user: only the widget (matching contact_id) hears it.
    audience = {"user": agent_id} if who == "citizen" and agent_id else {"contact": contact_id}
    return Event(
        CHAT_TYPING,
        {"conversation_id": conversation_id, "channel": channel, "contact_id": contact_id, "who": who},
        audience,
    )


def chat_delivery(conversation_id: int, message_id: int, status: str) -> Event:
    """The Meta worker learnt a message's fate; "chat.*" so the inbox's live refresh
    picks it up. Agents only (the citizen's widget ignores it)."""
    return Event(
        CHAT_DELIVERY,
        {"conversation_id": conversation_id, "message_id": message_id, "status": status},
        for_role("agent") | {"conversation": conversation_id},
    )


def session_closed(session_id: int | None, user_id: int) -> Event:
    """Live connections of that session (None: every session of the user) close."""
    return Event(SESSION_CLOSED, {"session_id": session_id}, for_user(user_id))


def user_changed(user_id: int) -> Event:
    """The user's role or extension changed: their live sockets re-read who they are."""
    return Event(USER_CHANGED, {"user_id": user_id}, for_user(user_id))
