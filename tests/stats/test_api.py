"""The summary API: who may call it, clear 422s, the OpenAPI description."""

from __future__ import annotations

import pytest

from tests.stats.conftest import AUTH, summary


async def test_needs_a_token(stats_client):
    resp = await stats_client.get("/api/v1/stats/summary", params={"from": "2024-08-01", "to": "2024-08-31"})
    assert resp.status == 401
    assert (await resp.json())["error"] == "unauthorized"
    resp = await stats_client.get("/api/v1/stats/summary", params={"from": "2024-08-01", "to": "2024-08-31"},
                                  headers={"Authorization": "Bearer wrong"})
    assert resp.status == 401


@pytest.mark.parametrize(
    "params, field",
    [
        ({"to": "2024-08-31"}, "from"),
        ({"from": "2024-08-01"}, "to"),
        ({"from": "2024-13-01", "to": "2024-08-31"}, "from"),
        ({"from": "2024-08-01", "to": "31.08.2024"}, "to"),
        ({"from": "2024-08-31", "to": "2024-08-01"}, "to"),
        ({"from": "1900-01-01", "to": "2024-08-01"}, "to"),  # longer than 25 years
        ({"from": "2024-08-01", "to": "2024-08-31", "channel": "telegram"}, "channel"),
        ({"from": "2024-08-01", "to": "2024-08-31", "direction": "astrology"}, "direction"),
        ({"from": "2024-08-01", "to": "2024-08-31", "district": "atlantis"}, "district"),
        ({"from": "2024-08-01", "to": "2024-08-31", "queue": "x" * 65}, "queue"),
        ({"from": "2024-08-01", "to": "2024-08-31", "agnet": "1001"}, "agnet"),
    ],
)
async def test_bad_parameters_are_named(stats_client, params, field):
    resp = await stats_client.get("/api/v1/stats/summary", params=params, headers=AUTH)
    assert resp.status == 422
    body = await resp.json()
    assert body["error"] == "invalid_input" and body["field"] == field
    assert field in body["message"] or body["message"]


async def test_server_timing_and_empty_period(stats_client):
    resp = await stats_client.get("/api/v1/stats/summary", params={"from": "2024-02-01", "to": "2024-02-29"},
                                  headers=AUTH)
    assert resp.status == 200
    assert resp.headers["Server-Timing"].startswith("app;dur=")
    s = await resp.json()
    assert s["calls"]["offered"] == 0 and s["calls"]["answer_rate"] is None
    assert len(s["calls"]["by_day"]) == 29
    assert s["yoy"]["from"] == "2023-02-01" and s["yoy"]["to"] == "2023-02-28"  # no 29 February in 2023


def _check_documented(value, schema, components, path):
    """Every key of the response appears in the schema (following $refs)."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(value, dict):
        props = schema.get("properties")
        if props is None:
            assert "additionalProperties" in schema or schema.get("type") == "object", path
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for k, v in value.items():
                    _check_documented(v, extra, components, f"{path}.{k}")
            return
        for key, v in value.items():
            assert key in props, f"{path}.{key} is not documented"
            assert props[key].get("description") or "$ref" in props[key], f"{path}.{key} has no description"
            _check_documented(v, props[key], components, f"{path}.{key}")
    elif isinstance(value, list) and value:
        _check_documented(value[0], schema["items"], components, f"{path}[0]")


async def test_openapi_documents_every_field(stats_client, stats_data):
    from tests.stats.fixture_august import seed_august

    await seed_august(stats_data)
    resp = await stats_client.get("/api/v1/openapi.json")
    assert resp.status == 200
    spec = await resp.json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/stats/summary", "/api/v1/pbx/events", "/api/v1/pbx/queue-log", "/api/v1/calls",
                 "/healthz", "/readyz"):
        assert path in spec["paths"], path
    op = spec["paths"]["/api/v1/stats/summary"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"period", "from", "to", "channel", "queue", "agent", "direction",
                                                     "district", "language", "include"}
    assert "exit_empty" in spec["components"]["schemas"]["StatsCalls"]["properties"]["abandoned"]["description"]
    s = await summary(stats_client, **{"from": "2024-08-01", "to": "2024-08-31", "include": "agents"})
    assert s["agents"]["included"] is True
    _check_documented(s, op["responses"]["200"]["content"]["application/json"]["schema"],
                      spec["components"]["schemas"], "summary")


async def test_other_areas_register_their_paths(make_client, stats_settings):
    from aiohttp import web

    from contact_center.app import create_app
    from contact_center.web.openapi import register_openapi

    app = create_app(stats_settings)
    register_openapi(app, paths={"/api/v1/chat/ping": {"get": {"operationId": "chat_ping",
                                                               "responses": {"200": {"description": "pong"}}}}},
                     schemas={"ChatPing": {"type": "object"}})
    assert isinstance(app, web.Application)
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(app)) as client:
        spec = await (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/chat/ping" in spec["paths"] and "/api/v1/stats/summary" in spec["paths"]
    assert "ChatPing" in spec["components"]["schemas"]


async def test_long_periods_that_would_need_the_records(stats_client, stats_settings, db):
    from tests.stats.conftest import refresh_now

    # Never built: long periods wait for the first build, short ones are computed.
    resp = await stats_client.get("/api/v1/stats/summary", params={"from": "2024-01-01", "to": "2024-12-31"},
                                  headers=AUTH)
    assert resp.status == 503 and resp.headers["Retry-After"] == "30"
    assert (await resp.json())["error"] == "stats_building"
    assert (await summary(stats_client, **{"from": "2024-08-01", "to": "2024-08-31"}))["calls"]["offered"] == 0
    await refresh_now(db, stats_settings)
    assert (await summary(stats_client, **{"from": "2024-01-01", "to": "2024-12-31"}))["calls"]["offered"] == 0
    # Two rollup filters at once over more than 400 days: the second one is named.
    resp = await stats_client.get("/api/v1/stats/summary", headers=AUTH, params={
        "from": "2023-01-01", "to": "2024-12-31", "queue": "142", "district": "gence"})
    assert resp.status == 422 and (await resp.json())["field"] == "district"


async def test_supervisor_session_but_not_an_agent(stats_client, make_user):
    from tests.plugins.console import login

    await make_user("leyla", role="supervisor")
    await make_user("orxan", role="agent", extension="1009")
    params = {"from": "2024-08-01", "to": "2024-08-31"}
    await login(stats_client, "orxan")
    resp = await stats_client.get("/api/v1/stats/summary", params=params)
    assert resp.status == 401  # an agent's session is not enough
    stats_client.session.cookie_jar.clear()
    await login(stats_client, "leyla")
    resp = await stats_client.get("/api/v1/stats/summary", params=params)
    assert resp.status == 200 and (await resp.json())["calls"]["offered"] == 0
    resp = await stats_client.get("/api/v1/stats/report", params={"month": "2024-08"})
    assert resp.status == 200
