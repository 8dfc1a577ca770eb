"""Health endpoints, the call-records API and the Baku day boundary."""

from __future__ import annotations

from tests.helpers import event, post_pbx
from tests.plugins.backend import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).status == 200
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert (await resp.json())["status"] == "ready"


async def test_a_call_at_two_in_the_morning_baku_time_belongs_to_that_day(client):
    # 02:00 on 1 March in Baku is 22:00 on 29 February in UTC.
    await post_pbx(client, [
        event("tz-1", "tz", "enqueued", "2024-02-29T22:00:00Z", caller="+994501234567"),
        event("tz-2", "tz", "answered", "2024-02-29T22:00:09Z", agent="1001"),
    ])
    march = await (await client.get("/api/v1/calls?from=2024-03-01&to=2024-03-31", headers=AUTH)).json()
    assert march["total"] == 1
    assert march["calls"][0]["local_date"] == "2024-03-01"
    assert march["calls"][0]["wait_seconds"] == 9
    feb = await (await client.get("/api/v1/calls?from=2024-02-01&to=2024-02-29", headers=AUTH)).json()
    assert feb["total"] == 0


async def test_the_day_follows_the_configured_time_zone(make_client, settings):
    client = await make_client(settings.with_(timezone="UTC"))
    await post_pbx(client, event("tz-1", "tz", "enqueued", "2024-02-29T22:00:00Z"))
    feb = await (await client.get("/api/v1/calls?from=2024-02-29&to=2024-02-29", headers=AUTH)).json()
    assert feb["total"] == 1 and feb["calls"][0]["local_date"] == "2024-02-29"


async def test_calls_api_needs_a_token_and_good_dates(client):
    assert (await client.get("/api/v1/calls?from=2024-03-01&to=2024-03-01")).status == 401
    bad = await client.get("/api/v1/calls?from=2024-03-01&to=2024-02-01", headers=AUTH)
    assert bad.status == 422 and (await bad.json())["field"] == "to"
    bad = await client.get("/api/v1/calls?from=March&to=2024-02-01", headers=AUTH)
    assert bad.status == 422 and "'from'" in (await bad.json())["message"]
    wrong = {"Authorization": "Bearer nope"}
    assert (await client.get("/api/v1/calls?from=2024-03-01&to=2024-03-01", headers=wrong)).status == 401
