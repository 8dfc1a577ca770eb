"""A NUL character (which PostgreSQL text cannot hold) gets a clear refusal or is
dropped, never a 500: in console forms, the callback API and citizens' chat."""

from __future__ import annotations

from sqlalchemy import func, select

from contact_center.db.models import CallRegistration, Callback, Message
from tests.plugins.console import login


async def test_a_console_form_with_a_nul_is_refused_clearly(client, make_user, sessionmaker):
    await make_user("aysel", role="agent", extension="1001")
    token = await login(client, "aysel")
    resp = await client.post("/console/calls/new", data={
        "csrf_token": token, "phone": "0501234567", "direction": "employment", "call_type": "information",
        "district": "baku_yasamal", "outcome": "fully_answered", "note": "bad\x00note",
    })
    assert resp.status == 400
    assert "icazə verilməyən simvol" in await resp.text()
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(CallRegistration)) == 0


async def test_the_callback_api_names_the_field(client, sessionmaker):
    resp = await client.post("/api/v1/callbacks", json={"phone": "0501234567", "name": "Ay\x00sel"})
    assert resp.status == 422 and (await resp.json())["field"] == "name"
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Callback)) == 0


async def test_a_chat_message_keeps_its_text_without_the_nul(make_client, settings, sessionmaker):
    from tests.plugins.backend import free_port

    client = await make_client(settings.with_(rasa_url=f"http://127.0.0.1:{free_port()}"))
    resp = await client.post("/api/v1/chat/messages", json={"visitor_id": "v-nul-0123456789", "text": "sa\x00lam"})
    assert resp.status == 200
    async with sessionmaker() as s:
        texts = (await s.scalars(select(Message.text).where(Message.sender == "citizen"))).all()
    assert texts == ["salam"]
