"""Live events: published inside the writer's transaction with pg_notify.

PostgreSQL delivers a NOTIFY only when the transaction commits, so a console
never hears of a change that was rolled back, and every backend process that
LISTENs on the channel (one per process) hears every event.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "cc142_events"

_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


async def publish(session: AsyncSession, topic: str, data: dict[str, Any]) -> None:
    """Queue an event for delivery at commit. Keep `data` small (ids, not records):
    NOTIFY payloads are limited to 8000 bytes."""
    payload = json.dumps({"topic": topic, "data": data}, default=str, separators=(",", ":"))
    await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})


async def publish_many(session: AsyncSession, items: list[tuple[str, dict[str, Any]]]) -> None:
    """Several events in one round trip (same delivery rules as `publish`)."""
    if not items:
        return
    calls = ", ".join(f"pg_notify(:channel, :p{i})" for i in range(len(items)))
    params: dict[str, Any] = {"channel": CHANNEL}
    for i, (topic, data) in enumerate(items):
        params[f"p{i}"] = json.dumps({"topic": topic, "data": data}, default=str, separators=(",", ":"))
    await session.execute(text(f"SELECT {calls}"), params)
