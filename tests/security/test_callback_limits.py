"""One callback limiter for the API, the form and the bot; the source is the server's (issue 13)."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from contact_center.db.models import Callback, Message
from tests.fakes.rasa_server import FakeRasa

PHONE = "050 123 45 67"


@pytest.fixture
async def callback_bot() -> AsyncIterator[str]:
    """A fake Rasa on loopback: every message is a callback request for PHONE."""
    bot = await FakeRasa(replies=[
        {"recipient_id": "x", "text": "Sorğunuzu qəbul etdim."},
        {"recipient_id": "x", "custom": {"cc142": {
            "intent": "callback", "confidence": 0.99, "handoff": False, "urgent": False,
            "callback": {"phone": "+994501234567", "district": None, "name": None, "direction": None}}}},
    ]).start()
    yield bot.url
    await bot.stop()


async def _callbacks(sessionmaker) -> list[tuple[str, str]]:
    async with sessionmaker() as s:
        return [(r.source, r.phone) for r in (await s.scalars(select(Callback))).all()]


async def test_the_api_decides_the_source(client, sessionmaker):
    resp = await client.post("/api/v1/callbacks", json={"phone": PHONE, "source": "bot"})
    assert resp.status == 201, await resp.text()
    assert await _callbacks(sessionmaker) == [("web", "+994501234567")]


async def _form(client, phone: str):
    page = await client.get("/callback")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    return await client.post("/callback", data={"phone": phone, "csrf_token": token})


async def test_api_form_and_bot_share_the_per_phone_limit(make_client, settings, sessionmaker, callback_bot):
    client = await make_client(settings.with_(callback_rate_per_phone=2, rasa_url=callback_bot))
    # Two requests for one number, each spelled differently: the limit is per number.
    assert (await client.post("/api/v1/callbacks", json={"phone": PHONE})).status == 201
    assert (await _form(client, "+994501234567")).status == 200  # enriches the open callback
    # Third time, from the API, the form and the bot: refused.
    resp = await client.post("/api/v1/callbacks", json={"phone": "0501234567"})
    assert resp.status == 429 and (await resp.json())["error"] == "rate_limited"
    assert (await _form(client, PHONE)).status == 429
    visitor = "v-" + secrets.token_hex(12)
    resp = await client.post("/api/v1/chat/messages", json={"visitor_id": visitor, "text": "Mənə zəng edin"})
    assert resp.status == 200, await resp.text()
    async with sessionmaker() as s:
        notes = (await s.scalars(select(Message.text).where(Message.kind == "note"))).all()
        assert await s.scalar(select(func.count()).select_from(Callback)) == 1
    # The bot's refused callback reaches a person instead of vanishing.
    assert any("çox sayda sorğu" in n for n in notes), notes


async def test_the_bot_is_limited_per_chat_contact_too(make_client, settings, sessionmaker, callback_bot):
    client = await make_client(settings.with_(callback_rate_per_ip=1, callback_rate_per_phone=100,
                                              rasa_url=callback_bot))
    visitor = "v-" + secrets.token_hex(12)
    for text in ("Mənə zəng edin", "Yenə zəng edin"):
        resp = await client.post("/api/v1/chat/messages", json={"visitor_id": visitor, "text": text})
        assert resp.status == 200
    async with sessionmaker() as s:
        notes = (await s.scalars(select(Message.text).where(Message.kind == "note"))).all()
    assert len([n for n in notes if "çox sayda sorğu" in n]) == 1
