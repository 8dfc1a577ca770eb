"""One entry point for a summary request (the API and `cc142 stats` share it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from contact_center.config import Settings
from contact_center.stats.filters import FilterError, parse_filters, parse_period
from contact_center.stats.summary import build_summary, load_labels

SUMMARY_PARAMS = ("from", "to", "channel", "queue", "agent", "direction", "district")


def check_params(query: Mapping[str, str]) -> None:
    for name in query:
        if name not in SUMMARY_PARAMS:
            raise FilterError(name, f"unknown parameter {name!r}")


async def summary_from_query(conn: asyncpg.Connection, settings: Settings, query: Mapping[str, str]) -> dict[str, Any]:
    """Raises FilterError naming the bad parameter."""
    check_params(query)
    date_from, date_to = parse_period(query)
    labels = await load_labels(conn)
    filters = parse_filters(query, labels.reference())
    return await build_summary(conn, settings, date_from, date_to, filters, labels=labels)
