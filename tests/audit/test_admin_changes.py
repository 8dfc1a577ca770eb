"""Admin changes and registrations in the audit trail, made through the console as
a user would: one entry each, the right actor, object and address, before/after
of non-personal fields and only the *names* of personal ones."""

from __future__ import annotations

import json

from sqlalchemy import select

from contact_center.db.models import CannedResponse
from tests.helpers import audit_entries
from tests.plugins.console import login

ADDRESS = "127.0.0.1"  # the test client's own address (no trusted proxy)
FORM = {"direction": "employment", "call_type": "information", "district": "baku_xetai",
        "outcome": "fully_answered", "citizen_name": "Aysel Məmmədova", "note": "Vakansiyalar barədə",
        "phone": "050 765 43 21"}


def _no_personal_data(entries) -> None:
    text = json.dumps([[e.actor_name, e.object_id, e.details] for e in entries], ensure_ascii=False)
    for secret in ("Aysel Məmmədova", "Vakansiya", "7654321", "Kamran Əliyev", "Yeni-parol-142"):
        assert secret not in text, secret


async def test_creating_and_changing_a_user(client, make_user, sessionmaker):
    root = await make_user("root", role="admin")
    token = await login(client, "root")
    resp = await client.post("/console/admin/users", allow_redirects=False, data={
        "csrf_token": token, "username": "kamran", "full_name": "Kamran Əliyev", "role": "agent",
        "extension": "1002", "password": "Yeni-parol-142"})
    assert resp.status == 303
    *_fixture, created = await audit_entries(sessionmaker, "user_created")  # make_user: the system
    assert (created.actor_id, created.actor_name, created.address) == (root.id, "root", ADDRESS)
    assert created.object_type == "user"
    assert created.details == {"username": "kamran", "role": "agent", "extension": "1002"}
    kamran_id = int(created.object_id)

    resp = await client.post(f"/console/admin/users/{kamran_id}", allow_redirects=False, data={
        "csrf_token": token, "role": "supervisor", "extension": "1002", "full_name": "Kamran Əliyev-Quliyev"})
    assert resp.status == 303  # and no "active": deactivated
    resp = await client.post(f"/console/admin/users/{kamran_id}/password", allow_redirects=False, data={
        "csrf_token": token, "password": "Yeni-parol-142", "password2": "Yeni-parol-142"})
    assert resp.status == 303
    changed, reset = await audit_entries(sessionmaker, "user_changed")
    assert (changed.actor_name, changed.object_id, changed.address) == ("root", str(kamran_id), ADDRESS)
    assert changed.details == {
        "changed": {"role": {"before": "agent", "after": "supervisor"}, "active": {"before": True, "after": False}},
        "personal_fields_changed": ["full_name"],
    }
    assert (reset.object_id, reset.details) == (str(kamran_id), {"password_reset": True})
    _no_personal_data(await audit_entries(sessionmaker))


async def test_a_save_without_changes_is_not_an_entry(client, make_user, sessionmaker):
    await make_user("root", role="admin")
    aysel = await make_user("aysel", extension="1001")
    token = await login(client, "root")
    await client.post(f"/console/admin/users/{aysel.id}", data={
        "csrf_token": token, "role": "agent", "extension": "1001", "full_name": "Aysel", "active": "1"})
    assert await audit_entries(sessionmaker, "user_changed") == []


async def test_reference_lists_and_canned_replies(client, make_user, sessionmaker, restore_reference):
    root = await make_user("root", role="admin")
    token = await login(client, "root")
    await client.post("/console/admin/reference/districts/quba",
                      data={"csrf_token": token, "label": "Quba rayonu (yeni)", "sort_order": "5", "active": "1"})
    [ref] = await audit_entries(sessionmaker, "reference_changed")
    assert (ref.actor_id, ref.object_type, ref.object_id, ref.address) == (root.id, "districts", "quba", ADDRESS)
    assert ref.details["changed"]["label"]["after"] == "Quba rayonu (yeni)"
    assert ref.details["changed"]["sort_order"]["after"] == 5

    await client.post("/console/admin/canned", data={"csrf_token": token, "title": "Salam", "text": "Salam!"})
    async with sessionmaker() as session:
        canned = (await session.execute(select(CannedResponse))).scalar_one()
    await client.post(f"/console/admin/canned/{canned.id}",
                      data={"csrf_token": token, "title": "Salam", "text": "Salam! Buyurun."})
    created, changed = await audit_entries(sessionmaker, "canned_reply_changed")
    assert (created.object_type, created.object_id, created.actor_name) == ("canned_reply", str(canned.id), "root")
    assert created.details["changed"]["title"] == {"before": None, "after": "Salam"}
    assert changed.details == {"changed": {
        "text": {"before": "Salam!", "after": "Salam! Buyurun."},
        "active": {"before": True, "after": False}}}


async def test_registrations_created_and_changed(client, make_user, sessionmaker):
    aysel = await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    resp = await client.post("/console/calls/new", data=FORM | {"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    reg_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    edit = FORM | {"csrf_token": token, "outcome": "refused", "note": "Başqa qeyd"}
    assert (await client.post(f"/console/calls/{reg_id}/edit", data=edit, allow_redirects=False)).status == 303
    [created] = await audit_entries(sessionmaker, "registration_created")
    [changed] = await audit_entries(sessionmaker, "registration_changed")
    for entry in (created, changed):
        assert (entry.actor_id, entry.actor_name, entry.address) == (aysel.id, "aysel", ADDRESS)
        assert (entry.object_type, entry.object_id) == ("registration", str(reg_id))
    assert created.details["changed"]["direction"] == {"before": None, "after": "employment"}
    assert created.details["personal_fields_changed"] == ["citizen_name", "note", "phone"]
    assert changed.details == {"changed": {"outcome": {"before": "fully_answered", "after": "refused"}},
                               "personal_fields_changed": ["note"]}
    # The registration's own visible history is kept as before.
    page = await (await client.get(f"/console/calls/{reg_id}")).text()
    assert "Başqa qeyd" in page
    _no_personal_data([created, changed])
