"""What else happens when the PBX changes calls (every ingest path runs this
through contact_center.calls.pbx_record.record).

Runs inside the ingest transaction, so its effects commit or roll back with
the events themselves. It receives the driver connection of the hot ingest
path (contact_center/db/driver.py), so it stays cheap: deciding what to do
is plain Python over the changed calls, most calls need nothing (no
statement at all), and each kind of work is one statement for the whole batch:

- screen pop: a call answered just now on an extension -> `call.answered`
  to that extension's console (contact_center.events; one NOTIFY statement
  for every pop of the batch);
- abandoned call: a caller who gave up after waiting at least
  SHORT_ABANDON_SECONDS gets a callback, unless the call already had one
  or the number already has one open (one INSERT ... ON CONFLICT DO NOTHING,
  then one NOTIFY statement announcing the new callbacks).

Old history (a queue_log import of last month, demo data) pops nothing and
queues no callbacks: only calls answered in the last POP_MAX_AGE and
abandoned in the last ABANDON_MAX_AGE count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import asyncpg

from contact_center.callbacks import create_for_abandoned_calls, due_time
from contact_center.calls.pbx_ingest import ChangedCall
from contact_center.config import Settings
from contact_center.db.models.calls import UNANSWERED_TYPES
from contact_center.events import Event, call_answered, publish
from contact_center.reference.calendar import days_off_from_driver
from contact_center.text import normalize_phone

POP_MAX_AGE = timedelta(minutes=10)
ABANDON_MAX_AGE = timedelta(hours=24)
_UNANSWERED = frozenset(UNANSWERED_TYPES)


def is_short_abandon(call: ChangedCall, settings: Settings) -> bool:
    """Hung up within SHORT_ABANDON_SECONDS: a misdial or a change of mind, not a lost citizen."""
    return call.wait_seconds is not None and call.wait_seconds < settings.short_abandon_seconds


async def calls_changed(
    conn: asyncpg.Connection, settings: Settings, calls: Sequence[ChangedCall]
) -> None:
    if not calls:
        return
    now = datetime.now(UTC)
    pops: list[Event] = []
    abandons: list[tuple[int, str, datetime]] = []
    days_off: frozenset[date] | None = None  # read once, and only when a call needs a callback
    for call in calls:
        if call.answered_now:
            if call.agent and call.answered_at is not None and now - call.answered_at <= POP_MAX_AGE:
                pops.append(call_answered(call.id, call.caller, call.wait_seconds, call.answered_at, call.agent))
        elif (
            call.status in _UNANSWERED
            and call.wait_seconds is not None
            and not is_short_abandon(call, settings)
            and call.ended_at is not None
            and now - call.ended_at <= ABANDON_MAX_AGE
            and call.caller
        ):
            phone = normalize_phone(call.caller)
            if phone is not None:  # withheld or foreign numbers cannot be called back from here
                if days_off is None:
                    days_off = await days_off_from_driver(conn, (now - ABANDON_MAX_AGE).astimezone(settings.tz).date())
                abandons.append((call.id, phone, due_time(call.ended_at, settings, days_off=days_off)))
    await publish(conn, *pops)
    if abandons:
        await create_for_abandoned_calls(conn, abandons)
