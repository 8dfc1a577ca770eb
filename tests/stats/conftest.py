from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.config import Settings
from contact_center.db.driver import driver_connection
from contact_center.stats.rollups import refresh
from tests.plugins.backend import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def stats_settings(settings: Settings) -> Settings:
    # No background refresher: each test decides when the rollups refresh.
    return settings.with_(stats_refresh_seconds=0)


@pytest.fixture
async def stats_client(make_client: Any, stats_settings: Settings) -> TestClient:
    return await make_client(stats_settings)


async def refresh_now(engine: AsyncEngine, settings: Settings, today: date = date(2030, 1, 1)) -> Any:
    async with driver_connection(engine) as conn:
        return await refresh(conn, settings.tz, today=today)


async def summary(client: TestClient, **params: str) -> dict[str, Any]:
    resp = await client.get("/api/v1/stats/summary", params=params, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    # Where and when it was read (tests/scale/test_read_replica.py covers the replica): not a figure.
    assert body.pop("read_from") == "primary" and body.pop("as_of")
    return body  # type: ignore[no-any-return]
