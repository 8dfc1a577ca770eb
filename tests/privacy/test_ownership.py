"""Authorisation by ownership (issue 13), through the one access policy: for each
object type, another agent's id answers 403/404; a call no extension answered is
taken explicitly, audited, and is then the taker's alone."""

from __future__ import annotations

from sqlalchemy import select

from contact_center.db.models import AuditEntry, Call
from tests.plugins.console import login
from tests.privacy.scenario import P, build_world, forms


async def test_another_agents_records_are_closed(make_client, settings, db, sessionmaker, make_user):
    client = await make_client(settings)
    w = await build_world(client, db, sessionmaker, make_user)
    token = await login(client, "aysel")
    # call: answered on another extension
    assert (await client.get(f"/console/pbx-calls/{w.calls['call_b']}/pop")).status == 403
    assert (await client.get(f"/console/calls/new?call={w.calls['call_b']}")).status == 403
    posted = await client.post(f"/console/calls/new?call={w.calls['call_b']}", allow_redirects=False, data={
        "csrf_token": token, "direction": "employment", "call_type": "information", "district": "baku_xetai",
        "outcome": "fully_answered"})
    assert posted.status == 403
    # registration: another agent's
    assert (await client.get(f"/console/calls/{w.registrations['reg_b']}")).status == 403
    assert (await client.get(f"/console/calls/{w.registrations['reg_b']}/edit")).status == 403
    # callback: claimed by another agent
    assert (await client.get(f"/console/callbacks/{w.callbacks['cb_b']}")).status == 404
    assert (await client.get(f"/console/calls/new?callback={w.callbacks['cb_b']}")).status == 404
    # conversation: assigned to another agent
    assert (await client.get(f"/console/inbox/{w.conversations['chat_b']}")).status == 404
    reply = await client.post(f"/console/inbox/{w.conversations['chat_b']}/reply", json={"text": "salam"},
                              headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert reply.status == 403
    # ... while their own are open, with the number in full
    pop = await client.get(f"/console/pbx-calls/{w.calls['call_a']}/pop")
    assert pop.status == 200 and "+994 50 111 11 11" in await pop.text()
    cb = await client.get(f"/console/callbacks/{w.callbacks['cb_a']}")
    assert cb.status == 200 and "+994 50 444 44 44" in await cb.text() and "Leyla Həsənova" in await cb.text()
    edit = await client.get(f"/console/calls/{w.registrations['reg_a']}/edit")
    assert edit.status == 200 and P["reg_a"] in await edit.text()


async def test_a_call_nobody_answered_is_taken_explicitly_and_audited(make_client, settings, db, sessionmaker,
                                                                     make_user):
    client = await make_client(settings)
    w = await build_world(client, db, sessionmaker, make_user)
    token = await login(client, "aysel")
    call = w.calls["call_free"]
    offer = await client.get(f"/console/calls/new?call={call}")
    assert offer.status == 403
    page = await offer.text()
    assert "Zəngi götür" in page and not any(f in page for f in forms(P["call_free"]))  # masked until taken
    taken = await client.post(f"/console/pbx-calls/{call}/take", data={"csrf_token": token}, allow_redirects=False)
    assert taken.status == 303
    form = await client.get(f"/console/calls/new?call={call}")
    assert form.status == 200 and "+994 50 333 33 33" in await form.text()
    async with sessionmaker() as session:
        assert (await session.get(Call, call)).taken_by == w.users["aysel"]
        [entry] = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "call_taken"))).all()
    assert entry.actor_id == w.users["aysel"] and entry.object_id == str(call)
    other = await make_client(settings)
    other_token = await login(other, "kamran")
    assert (await other.get(f"/console/calls/new?call={call}")).status == 403
    again = await other.post(f"/console/pbx-calls/{call}/take", data={"csrf_token": other_token})
    assert again.status == 409
