"""POST /api/v1/callbacks: validation naming the field, dedup per number, rate limits."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from contact_center.db.models import Callback


async def test_a_valid_request_is_queued(client, sessionmaker):
    resp = await client.post("/api/v1/callbacks", json={
        "phone": "050 123 45 67", "name": "  Aysel   Məmmədova ", "district": "baku_nesimi",
        "direction": "employment", "preferred_time": "15:00-dan sonra",
    })
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert set(body) == {"id", "due_at"}
    due = datetime.fromisoformat(body["due_at"])
    async with sessionmaker() as session:
        cb = (await session.execute(select(Callback))).scalar_one()
    assert (cb.id, cb.phone, cb.citizen_name, cb.district, cb.direction, cb.source, cb.status) == (
        body["id"], "+994501234567", "Aysel Məmmədova", "baku_nesimi", "employment", "web", "open")
    assert cb.preferred_time == "15:00-dan sonra"
    assert cb.due_at == due


async def test_a_second_request_for_the_same_number_enriches_the_open_one(client, sessionmaker):
    first = await client.post("/api/v1/callbacks", json={"phone": "+994501234567"})
    second = await client.post("/api/v1/callbacks", json={"phone": "0501234567", "name": "Aysel",
                                                          "district": "quba", "source": "bot"})
    assert first.status == 201 and second.status == 200
    a, b = await first.json(), await second.json()
    assert b == {"id": a["id"], "due_at": a["due_at"], "existing": True}
    async with sessionmaker() as session:
        [cb] = (await session.execute(select(Callback))).scalars()
    assert (cb.citizen_name, cb.district, cb.source) == ("Aysel", "quba", "web")


async def test_bad_input_names_the_field(make_client, settings, sessionmaker):
    client = await make_client(settings.with_(callback_rate_per_ip=100))
    cases = [
        ({}, "phone"),
        ({"phone": ""}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+74951234567"}, "phone"),
        ({"phone": ["0501234567"]}, "phone"),
        ({"phone": "0501234567", "district": "atlantis"}, "district"),
        ({"phone": "0501234567", "direction": "astrology"}, "direction"),
        ({"phone": "0501234567", "name": "x" * 201}, "name"),
        ({"phone": "0501234567", "name": 42}, "name"),
        ({"phone": "0501234567", "preferred_time": "y" * 101}, "preferred_time"),
    ]
    for payload, field in cases:
        resp = await client.post("/api/v1/callbacks", json=payload)
        assert resp.status == 422, payload
        body = await resp.json()
        assert body["error"] == "invalid_input" and body["field"] == field, (payload, body)
        assert body["message"]
    not_json = await client.post("/api/v1/callbacks", data=b"phone=0501234567",
                                 headers={"Content-Type": "application/json"})
    assert not_json.status == 400
    array = await client.post("/api/v1/callbacks", json=["0501234567"])
    assert array.status == 422
    async with sessionmaker() as session:
        assert (await session.execute(select(Callback))).first() is None


async def test_requests_per_phone_are_limited(make_client, settings, sessionmaker):
    client = await make_client(settings.with_(callback_rate_per_phone=2, callback_rate_per_ip=100))
    for _ in range(2):
        assert (await client.post("/api/v1/callbacks", json={"phone": "0501234567"})).status in (200, 201)
    limited = await client.post("/api/v1/callbacks", json={"phone": "+994 50 123 45 67"})
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert (await limited.json())["error"] == "rate_limited"
    # Another number is not affected.
    assert (await client.post("/api/v1/callbacks", json={"phone": "0551234567"})).status == 201


async def test_requests_per_address_are_limited_and_count_bad_ones(make_client, settings):
    client = await make_client(settings.with_(callback_rate_per_ip=3, callback_rate_per_phone=100))
    assert (await client.post("/api/v1/callbacks", json={"phone": "nonsense"})).status == 422
    assert (await client.post("/api/v1/callbacks", json={"phone": "0501111111"})).status == 201
    assert (await client.post("/api/v1/callbacks", json={"phone": "0502222222"})).status == 201
    limited = await client.post("/api/v1/callbacks", json={"phone": "0503333333"})
    assert limited.status == 429 and "Retry-After" in limited.headers


async def test_the_citizens_page(client, sessionmaker):
    page = await client.get("/callback")
    assert page.status == 200
    text = await page.text()
    assert "Sizə zəng edək" in text and 'lang="az"' in text
    from tests.plugins.console import csrf_from

    token = csrf_from(text)
    bad = await client.post("/callback", data={"csrf_token": token, "phone": "123"})
    assert bad.status == 422
    assert "Telefon nömrəsi düzgün deyil" in await bad.text()
    ok = await client.post("/callback", data={"csrf_token": token, "phone": "050 123 45 67", "name": "Aysel",
                                              "district": "baku_xetai", "preferred_time": "Səhər (09:00–12:00)"})
    assert ok.status == 201
    assert "Sorğunuz qəbul edildi" in await ok.text()
    async with sessionmaker() as session:
        cb = (await session.execute(select(Callback))).scalar_one()
    assert (cb.phone, cb.district, cb.preferred_time, cb.source) == (
        "+994501234567", "baku_xetai", "Səhər (09:00–12:00)", "web")


async def test_the_service_other_channels_call(sessionmaker, settings, db):
    """What the chat bot integration does: create_callback() inside its own transaction."""
    from contact_center.callbacks.create import CallbackInputError, create_callback

    async with sessionmaker.begin() as session:
        made = await create_callback(session, settings, phone="+994 70 123 45 67", source="bot",
                                     district="gence", direction="vem", citizen_name="Elnur")
    assert made.created and made.due_at is not None
    for bad in ({"phone": "123"}, {"phone": "0701234568", "district": "atlantis"},
                {"phone": "0701234568", "direction": "astrology"}):
        with pytest.raises(CallbackInputError) as refused:
            async with sessionmaker.begin() as session:
                await create_callback(session, settings, source="bot", **bad)
        assert refused.value.field in bad and refused.value.message_az
    async with sessionmaker() as session:
        assert [c.phone for c in (await session.execute(select(Callback))).scalars()] == ["+994701234567"]


async def test_many_callbacks_on_one_connection(engine, settings, db):
    """PostgreSQL switches to a generic plan after five executions of a prepared
    statement; the partial-index conflict target must still be found then."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from contact_center.callbacks.create import create_callback

    async with engine.connect() as conn:  # one connection: one prepared statement reused
        for i in range(8):
            async with conn.begin():
                made = await create_callback(
                    AsyncSession(bind=conn), settings, phone=f"+99450123450{i}", source="web"
                )
            assert made.created
        async with conn.begin():
            again = await create_callback(AsyncSession(bind=conn), settings, phone="+994501234503", source="bot")
        assert not again.created
