"""An abandoned call (not a short one) queues a callback for the caller, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from contact_center.db.models import Callback
from tests.helpers import event, post_pbx


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def _abandon(client, call_id: str, caller: str, *, wait: float, ago: timedelta = timedelta(minutes=5),
                   direction: str = "inbound"):
    start = datetime.now(UTC) - ago
    events = [
        event(f"{call_id}-e", call_id, "enqueued", _iso(start), caller=caller, queue="142", direction=direction),
        event(f"{call_id}-x", call_id, "abandoned", _iso(start + timedelta(seconds=wait)), direction=direction),
    ]
    resp = await post_pbx(client, events)
    assert resp.status == 202, await resp.text()


async def _callbacks(sessionmaker) -> list[Callback]:
    async with sessionmaker() as session:
        return list((await session.execute(select(Callback).order_by(Callback.id))).scalars())


async def test_an_abandoned_call_queues_one_callback(client, sessionmaker, settings):
    await _abandon(client, "c1", "050 123 45 67", wait=45)
    [cb] = await _callbacks(sessionmaker)
    assert cb.phone == "+994501234567"
    assert cb.source == "abandoned_call" and cb.status == "open" and cb.attempts == 0
    assert cb.abandoned_call_id is not None
    assert cb.due_at > cb.created_at


async def test_a_short_abandon_queues_nothing(client, sessionmaker, settings):
    await _abandon(client, "c1", "+994501234567", wait=settings.short_abandon_seconds - 1)
    assert await _callbacks(sessionmaker) == []
    # The boundary: exactly SHORT_ABANDON_SECONDS is no longer short.
    await _abandon(client, "c2", "+994501234567", wait=settings.short_abandon_seconds)
    assert len(await _callbacks(sessionmaker)) == 1


async def test_one_open_callback_per_number(client, sessionmaker):
    await _abandon(client, "c1", "0501234567", wait=30)
    await _abandon(client, "c2", "+994 50 123 45 67", wait=60)  # the same caller again
    await _abandon(client, "c3", "0551112233", wait=60)  # someone else
    rows = await _callbacks(sessionmaker)
    assert [r.phone for r in rows] == ["+994501234567", "+994551112233"]


async def test_the_same_call_reported_again_after_its_callback_closed_queues_nothing(client, sessionmaker):
    await _abandon(client, "c1", "0501234567", wait=30)
    async with sessionmaker.begin() as session:
        cb = (await session.execute(select(Callback))).scalar_one()
        cb.status = "reached"
    # A late, out-of-order event of the same call touches it again.
    late = event("c1-late", "c1", "ringing", _iso(datetime.now(UTC) - timedelta(minutes=5, seconds=-2)))
    assert (await post_pbx(client, late)).status == 202
    assert len(await _callbacks(sessionmaker)) == 1
    # A new abandoned call from the same number does queue a new one.
    await _abandon(client, "c2", "0501234567", wait=30)
    assert [c.status for c in await _callbacks(sessionmaker)] == ["reached", "open"]


async def test_old_history_outbound_and_unknown_numbers_queue_nothing(client, sessionmaker):
    await _abandon(client, "old", "0501234567", wait=30, ago=timedelta(days=3))
    await _abandon(client, "out", "0501234568", wait=30, direction="outbound")
    await _abandon(client, "anon", "anonymous", wait=30)
    await _abandon(client, "foreign", "+74951234567", wait=30)
    assert await _callbacks(sessionmaker) == []


async def test_a_batch_with_one_caller_twice_queues_one(client, sessionmaker):
    start = datetime.now(UTC) - timedelta(minutes=3)
    batch = []
    for n in (1, 2):
        batch += [
            event(f"b{n}-e", f"b{n}", "enqueued", _iso(start), caller="0501234567"),
            event(f"b{n}-x", f"b{n}", "abandoned", _iso(start + timedelta(seconds=40))),
        ]
    assert (await post_pbx(client, batch)).status == 202
    assert len(await _callbacks(sessionmaker)) == 1


async def test_an_answered_call_queues_nothing(client, sessionmaker):
    start = datetime.now(UTC) - timedelta(minutes=3)
    events = [
        event("a-e", "a", "enqueued", _iso(start), caller="0501234567"),
        event("a-a", "a", "answered", _iso(start + timedelta(seconds=40)), agent="1001"),
        event("a-c", "a", "completed", _iso(start + timedelta(seconds=200)), agent="1001"),
    ]
    assert (await post_pbx(client, events)).status == 202
    assert await _callbacks(sessionmaker) == []
