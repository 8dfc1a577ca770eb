"""What is waiting, read from the database when /metrics is scraped: the same
figures whichever process answers, and never stale.

One statement; every count runs on a partial index of the waiting rows
(outbox and conversations by status, callbacks open by due time, the Meta
inbox's unprocessed rows), so a scrape costs the same with five years of data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contact_center.db.models import Callback, Conversation, MetaInboxItem, OutboxItem, StatsState

OPEN_CALLBACK = ("open", "claimed")


@dataclass(frozen=True)
class Backlog:
    meta_outbox_pending: int  # Facebook/Instagram replies not yet accepted by the Send API
    meta_inbox_waiting: int  # Meta webhook items not yet turned into chat messages
    chats_pending: int  # conversations handed to the agents that nobody took yet
    chats_oldest_wait_seconds: float | None  # since the oldest of them was handed over
    callbacks_open: int
    callbacks_due: int  # open callbacks past their due time
    rollup_lag_seconds: float | None  # changes newer than this are not in the statistics rollups yet


HELP = {
    "meta_outbox_pending": "Facebook and Instagram replies waiting to be sent (outbox, pending)",
    "meta_inbox_waiting": "Meta webhook items received and not yet processed",
    "chats_pending": "Chat conversations waiting for an agent",
    "chats_oldest_wait_seconds": "Seconds the longest-waiting chat has waited for an agent since the hand-off",
    "callbacks_open": "Callback requests open (waiting or claimed)",
    "callbacks_due": "Open callback requests past their due time",
    "rollup_lag_seconds": "Seconds between now and the statistics rollups' watermark",
}


def _count(model: type, *where: object) -> object:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()  # type: ignore[arg-type]


def _seconds_since(column: object) -> object:
    return extract("epoch", func.now() - column)  # type: ignore[operator]


async def read_backlog(session: AsyncSession) -> Backlog:
    pending_chat = Conversation.status == "pending"
    open_callback = Callback.status.in_(OPEN_CALLBACK)
    row = (await session.execute(select(
        _count(OutboxItem, OutboxItem.status == "pending"),
        _count(MetaInboxItem, MetaInboxItem.processed_at.is_(None)),
        _count(Conversation, pending_chat),
        select(_seconds_since(func.min(Conversation.handoff_at))).where(pending_chat).scalar_subquery(),
        _count(Callback, open_callback),
        _count(Callback, open_callback, Callback.due_at <= func.now()),
        select(_seconds_since(StatsState.watermark)).where(StatsState.id == 1).scalar_subquery(),
    ))).one()
    return Backlog(
        int(row[0]), int(row[1]), int(row[2]), None if row[3] is None else max(0.0, float(row[3])),
        int(row[4]), int(row[5]), None if row[6] is None else max(0.0, float(row[6])),
    )


class BacklogCollector(Collector):
    """One scrape's figures as gauges (cc142_<name>); an unknown figure is left out."""

    def __init__(self, backlog: Backlog) -> None:
        self.backlog = backlog

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for f in fields(self.backlog):
            value = getattr(self.backlog, f.name)
            if value is not None:
                yield GaugeMetricFamily(f"cc142_{f.name}", HELP[f.name], value=value)
