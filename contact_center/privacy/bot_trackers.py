"""The bot's own memory of conversations (Rasa's trackers): deleted when a
citizen's data is erased, and a grace period after a conversation ends.

Rasa keeps a tracker per sender id (`chat.receive.bot_sender_id`:
``<conversation id>-<creation time in µs>``, one per conversation) in its SQL
tracker store: the ``events`` table of the database ``<our database>_rasa``
on our PostgreSQL server (chatbot/manage.py and compose create it; Rasa
creates the table). Deleting a sender's rows is what Rasa itself does to
forget a conversation; the next message of that sender starts a fresh tracker.

- `forget_bot_trackers(url, conversations)`: erasure (privacy/citizen.py)
  hands over the conversations it touched.
- `forget_ended(...)`: trackers idle for BOT_TRACKER_GRACE_HOURS whose
  conversation ended at least that long ago (resolved, or still with the bot:
  a bot conversation ends when the citizen stops writing) or no longer exists.
  Conversations waiting for or talking with a person keep theirs until
  resolved. `forget_forever` runs it hourly in the one process leading
  "bot-trackers".

Without the tracker database (a Rasa with in-memory trackers, e.g. tests of
the bot alone) there is nothing to delete: both return 0.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contact_center.config import Settings
from contact_center.db.driver import driver_dsn
from contact_center.db.leader import run_as_leader
from contact_center.db.models import Conversation
from contact_center.text import ascii_digits

log = logging.getLogger(__name__)

TRACKER_DB_SUFFIX = "_rasa"  # chatbot/manage.py's TRACKER_DB_SUFFIX
LEADER = "bot-trackers"
EVERY_SECONDS = 3600
FIRST_DELAY_SECONDS = 120  # let a starting process settle first


def tracker_dsn(database_url: Any) -> str:
    """Our engine's URL -> asyncpg DSN of the tracker database next to it."""
    return driver_dsn(database_url.set(database=f"{database_url.database}{TRACKER_DB_SUFFIX}"))


def sender_id(conversation_id: int, created_at: datetime) -> str:
    """`chat.receive.bot_sender_id` from its parts (no import: privacy sits below chat)."""
    return f"{conversation_id}-{int(created_at.timestamp() * 1_000_000)}"


def parse_sender(sender: str) -> tuple[int, int] | None:
    """``"12-1700000000000000"`` -> (12, 1700000000000000); None for other senders."""
    head, sep, tail = sender.partition("-")
    if not sep or not ascii_digits(head) or not ascii_digits(tail):
        return None
    return int(head), int(tail)


async def _connect(dsn: str) -> asyncpg.Connection | None:
    try:
        return await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        return None  # no tracker database: Rasa keeps its trackers in memory


async def _delete(conn: asyncpg.Connection, senders: Sequence[str]) -> int:
    if not senders:
        return 0
    try:
        status = await conn.execute("DELETE FROM events WHERE sender_id = ANY($1::text[])", list(senders))
    except asyncpg.UndefinedTableError:
        return 0  # Rasa never started on it
    return int(status.rsplit(" ", 1)[-1])


async def forget_bot_trackers(database_url: Any, conversations: Sequence[tuple[int, datetime]]) -> int:
    """Delete Rasa's trackers of these conversations (id, created_at); returns the
    number of tracker events deleted. ``database_url``: our engine's URL."""
    if not conversations:
        return 0
    conn = await _connect(tracker_dsn(database_url))
    if conn is None:
        log.info("no bot tracker database: nothing to forget for %d conversations", len(conversations))
        return 0
    try:
        deleted = await _delete(conn, [sender_id(i, created) for i, created in conversations])
    finally:
        await conn.close()
    log.info("bot trackers of %d conversations forgotten (%d events)", len(conversations), deleted)
    return deleted


async def forget_ended(session: AsyncSession, database_url: Any, grace: timedelta,
                       now: datetime | None = None) -> int:
    """Delete the trackers idle for ``grace`` whose conversation ended ``grace`` ago
    (or is gone); returns the number of conversations whose tracker was deleted."""
    cutoff = (now or datetime.now(UTC)) - grace
    conn = await _connect(tracker_dsn(database_url))
    if conn is None:
        return 0
    try:
        try:
            rows = await conn.fetch("SELECT sender_id FROM events GROUP BY sender_id HAVING max(timestamp) < $1",
                                    cutoff.timestamp())
        except asyncpg.UndefinedTableError:
            return 0
        idle: dict[int, list[tuple[str, int]]] = {}
        for row in rows:
            parsed = parse_sender(row["sender_id"])
            if parsed is not None:  # not one of ours (a test, `rasa shell`): left alone
                idle.setdefault(parsed[0], []).append((row["sender_id"], parsed[1]))
        if not idle:
            return 0
        ended_at = func.coalesce(Conversation.resolved_at, Conversation.last_citizen_message_at,
                                 Conversation.created_at)
        live = {
            (r.id, int(r.created_at.timestamp() * 1_000_000))
            for r in (await session.execute(
                select(Conversation.id, Conversation.created_at).where(
                    Conversation.id.in_(list(idle)),
                    # waiting for or with a person, or ended less than `grace` ago: kept
                    (Conversation.status.in_(("pending", "open"))) | (ended_at >= cutoff),
                ))).all()
        }
        senders = [s for cid, pairs in idle.items() for s, micros in pairs if (cid, micros) not in live]
        await _delete(conn, senders)
    finally:
        await conn.close()
    if senders:
        log.info("bot trackers of %d ended conversations forgotten", len(senders))
    return len(senders)


async def forget_forever(sessionmaker: async_sessionmaker[AsyncSession], database_url: Any,
                         settings: Settings) -> None:
    """The leader's job: forget ended conversations' trackers now, then hourly."""
    while True:
        try:
            async with sessionmaker() as session:
                await forget_ended(session, database_url, timedelta(hours=settings.bot_tracker_grace_hours))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep the schedule; the next run retries
            log.exception("forgetting bot trackers failed")
        await asyncio.sleep(EVERY_SECONDS)


async def run_hourly(dsn: str, sessionmaker: async_sessionmaker[AsyncSession], database_url: Any,
                     settings: Settings) -> None:
    """In every backend process: contend for the leadership, then forget hourly."""
    await asyncio.sleep(FIRST_DELAY_SECONDS)
    await run_as_leader(dsn, LEADER, lambda: forget_forever(sessionmaker, database_url, settings))
