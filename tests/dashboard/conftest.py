"""Dashboard tests: a supervisor signed in on a test client, and the small
August 2024 of the statistics tests (tests/stats/fixture_august.py)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from contact_center.config import Settings
from tests.plugins.console import login
from tests.stats.fixture_august import August, seed_august

AUGUST = {"period": "custom", "from": "2024-08-01", "to": "2024-08-31"}


@pytest.fixture
def dash_settings(settings: Settings) -> Settings:
    # No background rollup refresh: figures come from the records (exact either way).
    return settings.with_(stats_refresh_seconds=0)


@pytest.fixture
async def dash_client(make_client: Any, dash_settings: Settings) -> TestClient:
    return await make_client(dash_settings)


@pytest.fixture
async def supervisor(dash_client: TestClient, make_user: Any) -> TestClient:
    """dash_client signed in as supervisor "boss"."""
    await make_user("boss", role="supervisor", full_name="Rəşad Quliyev")
    await login(dash_client, "boss")
    return dash_client


@pytest.fixture
async def august(stats_data: Any) -> August:
    return await seed_august(stats_data)


async def get_html(client: TestClient, path: str, params: dict[str, Any] | None = None, status: int = 200) -> str:
    resp = await client.get(path, params=params)
    body = await resp.text()
    assert resp.status == status, body[:2000]
    return body


def tile(html: str, key: str) -> dict[str, Any]:
    """A KPI tile of the dashboard: its value attribute, texts and links."""
    m = re.search(rf'<article class="tile" data-tile="{key}" data-value="([^"]*)">(.*?)</article>', html, re.S)
    assert m, f"no tile {key}"
    body = m.group(2)
    value_text = re.search(r'<p class="tile-value">(.*?)</p>', body, re.S).group(1)
    return {
        "raw": m.group(1),
        "value": unescape(re.sub(r"<[^>]+>", "", value_text.split('<span class="tile-rate">')[0])).strip(),
        "rate": (unescape(r.group(1)) if (r := re.search(r'<span class="tile-rate">(.*?)</span>', body)) else None),
        "href": unescape(h.group(1)) if (h := re.search(r'<a href="([^"]+)" data-drill', body)) else None,
        "yoy": {k: unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", v))).strip()
                for _, k, v in re.findall(r'<p class="yoy yoy-(\w+)" data-yoy="([^"]+)">(.*?)</p>', body, re.S)},
        "tone": {k: tone for tone, k, _ in re.findall(r'<p class="yoy yoy-(\w+)" data-yoy="([^"]+)">(.*?)</p>', body,
                                                      re.S)},
        "lines": [(unescape(h) if h else None, unescape(t).strip()) for h, t in
                  re.findall(r'<p class="tile-line">(?:<a href="([^"]+)">)?(.*?)(?:</a>)?</p>', body, re.S)],
    }


def list_ids(html: str, attr: str) -> list[int]:
    """The record ids of a drill-down list (data-call, data-conversation, data-callback)."""
    return [int(i) for i in re.findall(rf'<tr {attr}="(\d+)"', html)]


def total(html: str) -> int:
    return int(re.search(r'<strong id="total">(\d+)</strong>', html).group(1))
