"""The dashboard and the summary API read one question (contact_center/stats/params.py):
the same parameters with the same meaning, the same refusals naming the same field
(the API in English JSON, the page in Azerbaijani)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

import pytest

from tests.dashboard.conftest import get_html, tile
from tests.stats.conftest import refresh_now

AUG = {"from": "2024-08-01", "to": "2024-08-31"}


def _form(html: str) -> dict[str, str]:
    """The period the page answered, as its form shows it."""
    return {name: re.search(rf'id="d-{name}" name="{name}" value="([^"]*)"', html).group(1) for name in ("from", "to")}


@pytest.mark.parametrize("params", [
    {},  # today
    {"period": "week"},
    {"period": "month"},
    {"period": "cumulative"},
    AUG,  # custom, without saying so
    {"period": "custom", "from": " 2024-08-01 ", "to": "2024-08-31 "},
    {"period": "today", **AUG},  # from and to belong to custom only
    {"period": "custom", **AUG, "district": "gence", "channel": "", "queue": " "},
    {**AUG, "agent": "1002", "channel": "phone"},
])
async def test_the_same_parameters_mean_the_same(supervisor, august, db, dash_settings, params):
    today = datetime.now(dash_settings.tz).date()
    await refresh_now(db, dash_settings, today=today)  # cumulative spans years
    resp = await supervisor.get("/api/v1/stats/summary", params=params)  # the supervisor's session
    assert resp.status == 200, await resp.text()
    api = await resp.json()
    html = await get_html(supervisor, "/console/stats", params)
    assert _form(html) == {"from": api["from"], "to": api["to"]}
    assert tile(html, "offered")["raw"] == str(api["calls"]["offered"])
    assert tile(html, "chats")["raw"] == str(api["chats"]["conversations"]["total"])
    if "period" not in params and "from" not in params:
        assert api["from"] == api["to"] == today.isoformat()
    if params.get("period") == "week":
        assert api["from"] == (today - timedelta(days=today.weekday())).isoformat()
    if params.get("period") == "cumulative":
        assert api["from"] == "2023-08-10"  # the fixture's first call
    if "district" in params:
        assert api["filters"]["district"] == "gence" and api["calls"]["offered"] == 1


@pytest.mark.parametrize("params, field", [
    ({"period": "yesterday"}, "period"),
    ({"to": "2024-08-31"}, "from"),
    ({"from": "2024-08-01"}, "to"),
    ({"period": "custom"}, "from"),
    ({"from": "2024-08-31", "to": "2024-08-01"}, "to"),
    ({"from": "31.08.2024", "to": "2024-08-31"}, "from"),
    ({"from": "1900-01-01", "to": "2024-08-01"}, "to"),  # longer than 25 years
    ({"from": "1960-01-01", "to": "1960-01-31"}, "from"),  # before 1971
    ({**AUG, "channel": "telegram"}, "channel"),
    ({**AUG, "direction": "astrology"}, "direction"),
    ({**AUG, "district": "atlantis"}, "district"),
    ({**AUG, "queue": "x" * 65}, "queue"),
    ({**AUG, "agent": "10:01"}, "agent"),
    ({"period": "month", "agnet": "1001"}, "agnet"),  # a misspelt filter is not silently ignored
    ({"from": "2023-01-01", "to": "2024-12-31", "queue": "142", "agent": "1001"}, "agent"),  # > 400 days
])
async def test_the_same_refusals(supervisor, params, field):
    resp = await supervisor.get("/api/v1/stats/summary", params=params)
    assert resp.status == 422
    body = await resp.json()
    assert (body["error"], body["field"]) == ("invalid_input", field)
    html = await get_html(supervisor, "/console/stats", params, status=422)
    assert 'data-tile="offered"' not in html
    [(shown, message)] = re.findall(r'<p data-field="([^"]+)">([^<]+)</p>', html)
    assert shown == field
    assert unescape(message) != body["message"] and re.search(r"[əüöğışç]", unescape(message))  # in Azerbaijani
