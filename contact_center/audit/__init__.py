"""The audit trail: who did what to which object, from where.

One function writes it: `record(conn, actor, action, ...)`. A change is
audited inside the change's own transaction (pass the same session or
connection): the change and its trace commit together, and when the entry
cannot be written the change fails too. A read (a transcript view, an export,
a token read of record-level data) is audited with `record_read`, in a short
transaction of its own on the primary database, whichever database served
the read.

Entries never hold message texts, phone numbers, citizens' names or notes:
`details` carries ids, non-personal before/after values and the *names* of
changed personal fields (`changes()`); where an action is about a number
(a reveal, a citizen's request) the entry holds its keyed hash
(`contact_center.privacy.pseudonym`). So erasing a citizen's data never has to
touch the trail. The table is append-only (a trigger; see migration 0006);
`purge(conn, keep_days)` is the retention run's one way to remove old entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# Every action the trail knows; `record` refuses others, so a typo is an error, not a lost trace.
ACTIONS = frozenset({
    "sign_in", "sign_in_failed", "sign_out",
    "user_created", "user_changed", "account_unlocked",
    "reference_changed", "canned_reply_changed",
    "registration_created", "registration_changed",
    "transcript_viewed", "call_record_viewed",
    "export", "api_read",
    "number_revealed", "chat_transferred", "kb_changed",
    "retention_run", "citizen_export", "citizen_erase", "call_taken", "chat_forgotten",
})


@dataclass(frozen=True)
class Actor:
    """Who acted: a console user (id and username at the time), the system, or the API token."""

    kind: str  # "user" | "system" | "api-token" | "anonymous"
    name: str
    user_id: int | None = None

    @classmethod
    def user(cls, user_id: int, username: str) -> Actor:
        return cls("user", username, user_id)


SYSTEM = Actor("system", "system")
API_TOKEN = Actor("api-token", "api-token")
# Nobody signed in: a failed sign-in (its object says which account, or a keyed hash of the name).
ANONYMOUS = Actor("anonymous", "anonymous")

_INSERT_SQL = (
    "INSERT INTO audit_log (actor_kind, actor_id, actor_name, address, action, object_type, object_id, details) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)"
)
_INSERT = text(
    "INSERT INTO audit_log (actor_kind, actor_id, actor_name, address, action, object_type, object_id, details) "
    "VALUES (:kind, :actor_id, :name, :address, :action, :object_type, :object_id, CAST(:details AS jsonb))"
)


async def record(
    conn: AsyncSession | asyncpg.Connection,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    details: Mapping[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Append one entry in the caller's transaction (a session of a service, or the
    asyncpg connection of the driver paths)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    values = (
        actor.kind, actor.user_id, _text(actor.name)[:64], (address or None) and _text(address)[:64], action,
        object_type, None if object_id is None else _text(str(object_id))[:80],
        json.dumps(_no_nul(dict(details or {})), default=str, ensure_ascii=False),
    )
    if isinstance(conn, AsyncSession):
        keys = ("kind", "actor_id", "name", "address", "action", "object_type", "object_id", "details")
        await conn.execute(_INSERT, dict(zip(keys, values, strict=True)))
    else:
        await conn.execute(_INSERT_SQL, *values)


def _text(value: str) -> str:
    """PostgreSQL text (and jsonb) cannot hold NUL: a typed or fuzzed one must not lose the entry."""
    return value.replace("\x00", "\ufffd")


def _no_nul(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        return {_text(str(k)): _no_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nul(v) for v in value]
    return value


_SEEN = text(
    "SELECT 1 FROM audit_log WHERE actor_id = :actor_id AND at > now() - make_interval(secs => :secs) "
    "AND action = :action AND object_type = :object_type AND object_id = :object_id LIMIT 1"
)


async def record_read(
    sessionmaker: async_sessionmaker[AsyncSession], actor: Actor, action: str, *,
    once_within: timedelta | None = None, **fields: Any,
) -> None:
    """Audit a read in a short transaction of its own (on the primary database).

    `once_within`: a user's view of the same object again within that time is the
    same view (an open page refreshing itself as messages arrive), not a new entry.
    """
    async with sessionmaker.begin() as session:
        if once_within is not None and actor.user_id is not None and fields.get("object_id") is not None:
            seen = await session.execute(_SEEN, {
                "actor_id": actor.user_id, "secs": once_within.total_seconds(), "action": action,
                "object_type": fields.get("object_type"), "object_id": str(fields["object_id"])[:80],
            })
            if seen.first() is not None:
                return
        await record(session, actor, action, **fields)


def changes(before: Mapping[str, Any], after: Mapping[str, Any], personal: Iterable[str] = ()) -> dict[str, Any]:
    """`details` for a change: before/after of the non-personal fields that changed,
    and only the names of the personal ones (phone, citizen name, notes)."""
    personal = set(personal)
    changed: dict[str, dict[str, Any]] = {}
    personal_changed: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in personal:
            personal_changed.append(name)
        else:
            changed[name] = {"before": old, "after": new}
    out: dict[str, Any] = {"changed": changed}
    if personal_changed:
        out["personal_fields_changed"] = personal_changed
    return out


async def purge(conn: AsyncSession, keep_days: int) -> int:
    """Remove entries older than `keep_days` (the retention run); returns how many."""
    return int((await conn.execute(text("SELECT audit_purge(:days)"), {"days": keep_days})).scalar_one())
