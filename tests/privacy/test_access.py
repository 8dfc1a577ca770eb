"""The access policy's masks and rules, and a supervisor's audited reveal."""

from __future__ import annotations

from sqlalchemy import select

from contact_center.db.models import AuditEntry
from contact_center.privacy import access
from contact_center.privacy.pseudonym import pseudonym
from tests.plugins.console import login
from tests.privacy.conftest import KEY
from tests.privacy.scenario import build_world


def test_masks():
    assert access.mask_phone("050 123 45 67") == "+994 50 ••• •• 67"
    assert access.mask_phone("+994551234599") == "+994 55 ••• •• 99"
    assert access.mask_phone("ph:0123456789abcdef") == "•••89"  # a keyed hash shows nothing useful either
    assert access.mask_phone(None) == "—"
    assert access.mask_name("Aysel  Məmmədova") == "A•••• M••••"
    assert access.format_phone("0501234567") == "+994 50 123 45 67"
    text_ = "Nömrəm 050 123 45 67, evdə +994 12 555 44 33; FİN 5ABC123, 2024-ci il, 12 manat"
    assert access.mask_numbers_in_text(text_) == (
        "Nömrəm +994 50 ••• •• 67, evdə +994 12 ••• •• 33; FİN 5ABC123, 2024-ci il, 12 manat")


class Viewer:
    def __init__(self, id: int, role: str = "agent", extension: str | None = None) -> None:
        self.id, self.role, self.extension = id, role, extension


def test_rules():
    agent, other, sup = Viewer(1, extension="1001"), Viewer(2, extension="1002"), Viewer(3, "supervisor", "2001")
    assert access.may_open_call(agent, "1001", None) and not access.may_open_call(other, "1001", None)
    assert access.call_number_full(agent, "1001", None) and not access.call_number_full(sup, "1001", None)
    assert access.may_open_call(sup, "1001", None)  # supervisors see it, masked
    assert access.may_take_call(agent, None, None) and not access.may_take_call(agent, None, 2)
    assert access.call_is_mine(other, None, 2) and not access.may_open_call(agent, None, 2)
    assert access.may_view_callback(agent, "open", None) and not access.may_view_callback(agent, "claimed", 2)
    assert access.callback_number_full(agent, "claimed", 1) and not access.callback_number_full(agent, "open", None)
    assert not access.callback_number_full(sup, "claimed", 1)
    assert access.may_view_registration(agent, 1) and not access.may_view_registration(agent, 2)
    assert access.registration_number_full(agent, 1, editing=True)
    assert not access.registration_number_full(agent, 1, editing=False)
    assert not access.registration_number_full(sup, 1, editing=True)
    assert access.may_view_conversation(agent, "pending", None, None)
    assert not access.may_view_conversation(agent, "open", 2, None)
    assert access.may_view_conversation(agent, "resolved", 2, 1)
    assert not access.conversation_text_full(sup, "open", 2) and access.conversation_text_full(other, "open", 2)


async def test_a_supervisor_reveals_one_number_with_a_reason(make_client, privacy_settings, db, sessionmaker,
                                                            make_user):
    client = await make_client(privacy_settings)
    w = await build_world(client, db, sessionmaker, make_user)
    token = await login(client, "rena")
    page = await client.get(f"/console/callbacks/{w.callbacks['cb_b']}")
    assert "+994 50 ••• •• 55" in await page.text() and 'name="reason"' in await page.text()
    short = await client.post("/console/reveal", data={"csrf_token": token, "kind": "callback",
                                                       "id": str(w.callbacks["cb_b"]), "reason": "bax"})
    assert short.status == 422
    shown = await client.post("/console/reveal", data={
        "csrf_token": token, "kind": "callback", "id": str(w.callbacks["cb_b"]),
        "reason": "Vətəndaş şikayət edib, yoxlama"})
    assert shown.status == 200
    body = await shown.text()
    assert "+994 50 555 55 55" in body and "Orxan Quliyev" in body
    as_json = await client.post("/console/reveal", headers={"Accept": "application/json"}, data={
        "csrf_token": token, "kind": "registration", "id": str(w.registrations["reg_b"]),
        "reason": "Keyfiyyət yoxlaması № 12"})
    assert await as_json.json() == {"phone": "+994508888888", "name": "Tural Məmmədov"}
    missing = await client.post("/console/reveal", data={"csrf_token": token, "kind": "call", "id": "999999",
                                                         "reason": "Keyfiyyət yoxlaması"})
    assert missing.status == 404
    # digits that str.isdigit() takes but are not an id: a clear 422, not a 500 (the fuzzer found '²')
    for odd in ("²", "１", "٣"):
        weird = await client.post("/console/reveal", data={"csrf_token": token, "kind": "callback", "id": odd,
                                                           "reason": "Keyfiyyət yoxlaması"})
        assert weird.status == 422, odd
    async with sessionmaker() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "number_revealed")
                                         .order_by(AuditEntry.id))).all()
    assert [(e.object_type, e.details["reason"]) for e in entries] == [
        ("callback", "Vətəndaş şikayət edib, yoxlama"), ("registration", "Keyfiyyət yoxlaması № 12")]
    assert entries[0].details["phone"] == pseudonym("+994505555555", KEY)
    assert "5555555" not in str([e.details for e in entries])
    # agents cannot reveal
    client.session.cookie_jar.clear()
    agent_token = await login(client, "aysel")
    refused = await client.post("/console/reveal", data={"csrf_token": agent_token, "kind": "callback",
                                                         "id": str(w.callbacks["cb_b"]), "reason": "x" * 20})
    assert refused.status == 403
