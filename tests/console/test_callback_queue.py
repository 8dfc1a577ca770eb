"""The callback queue: one holder per callback, attempts, unreachable, reached -> registration."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from contact_center.callbacks import queue as service
from contact_center.db.models import Callback, CallbackAttempt, CallRegistration
from tests.plugins.console import login

FORM = {"direction": "social_protection", "call_type": "information", "district": "quba",
        "outcome": "fully_answered", "note": "Pensiya barədə"}


async def _request(client, phone="0501234567", **extra) -> int:
    resp = await client.post("/api/v1/callbacks", json={"phone": phone} | extra)
    assert resp.status == 201
    return (await resp.json())["id"]


async def test_the_queue_is_ordered_by_due_time(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    await login(client, "aysel")
    first = await _request(client, "0501111111")
    second = await _request(client, "0502222222")
    async with sessionmaker.begin() as session:
        cb = await session.get(Callback, second)
        cb.due_at = cb.due_at.replace(year=cb.due_at.year - 1)  # long overdue
    html = await (await client.get("/console/callbacks")).text()
    assert html.index(f'data-callback="{second}"') < html.index(f'data-callback="{first}"')
    assert "vaxtı keçib" in html


async def test_only_one_agent_can_hold_a_callback(client, make_user, sessionmaker):
    a = await make_user("aysel", extension="1001")
    b = await make_user("murad", extension="1002")
    cb_id = await _request(client)

    async def take(user_id: int) -> bool:
        async with sessionmaker.begin() as session:
            return await service.claim(session, cb_id, user_id)

    # Two agents press "Götür" at the same moment: exactly one gets it.
    results = await asyncio.gather(*(take(u) for u in [a.id, b.id] * 4))
    assert results.count(True) == 1
    token = await login(client, "murad")
    async with sessionmaker() as session:
        holder = (await session.get(Callback, cb_id)).claimed_by
    if holder == b.id:  # make the web test deterministic: aysel holds it
        async with sessionmaker.begin() as session:
            await service.release(session, cb_id, b.id)
            await service.claim(session, cb_id, a.id)
    late = await client.post(f"/console/callbacks/{cb_id}/claim", data={"csrf_token": token})
    assert "artıq başqa əməkdaş götürüb" in await late.text()
    # Someone who does not hold it cannot record attempts on it either.
    refused = await client.post(f"/console/callbacks/{cb_id}/attempts", data={"csrf_token": token, "result": "busy"})
    assert "əvvəlcə özünüzə götürün" in await refused.text()
    async with sessionmaker() as session:
        cb = await session.get(Callback, cb_id)
    assert (cb.status, cb.claimed_by, cb.attempts) == ("claimed", a.id, 0)


async def test_failed_attempts_return_it_to_the_queue_then_close_it(make_client, settings, make_user, sessionmaker):
    client = await make_client(settings.with_(callback_max_attempts=3))
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    cb_id = await _request(client)
    for n, result in enumerate(["no_answer", "busy", "no_answer"], start=1):
        claim = await client.post(f"/console/callbacks/{cb_id}/claim", data={"csrf_token": token},
                                  allow_redirects=False)
        assert claim.status == 303 and claim.headers["Location"] == f"/console/callbacks/{cb_id}"
        done = await client.post(f"/console/callbacks/{cb_id}/attempts",
                                 data={"csrf_token": token, "result": result, "note": f"cəhd {n}"})
        assert done.status == 200
        async with sessionmaker() as session:
            cb = await session.get(Callback, cb_id)
        assert cb.attempts == n
        if n < 3:
            assert (cb.status, cb.claimed_by) == ("open", None)
            assert f"({n}/3)" in await done.text()
    assert cb.status == "unreachable" and cb.closed_at is not None
    assert "çatmaq olmadı" in await done.text()
    async with sessionmaker() as session:
        attempts = [(a.result, a.note) for a in (await session.execute(
            select(CallbackAttempt).order_by(CallbackAttempt.id))).scalars()]
    assert attempts == [("no_answer", "cəhd 1"), ("busy", "cəhd 2"), ("no_answer", "cəhd 3")]
    # Closed: nobody can take it again, and the number may ask anew.
    async with sessionmaker.begin() as session:
        assert not await service.claim(session, cb_id, 1)
    assert (await client.post("/api/v1/callbacks", json={"phone": "0501234567"})).status == 201


async def test_reaching_the_citizen_registers_the_call_and_links_it(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    cb_id = await _request(client, name="Aysel", district="quba", direction="social_protection")
    await client.post(f"/console/callbacks/{cb_id}/claim", data={"csrf_token": token})
    reached = await client.post(f"/console/callbacks/{cb_id}/attempts",
                                data={"csrf_token": token, "result": "reached"}, allow_redirects=False)
    assert reached.headers["Location"] == f"/console/calls/new?callback={cb_id}"
    form = await (await client.get(reached.headers["Location"])).text()
    assert 'value="quba" selected' in form and "+994 50 123 45 67" in form  # what the citizen told us
    saved = await client.post(f"/console/calls/new?callback={cb_id}", data=FORM | {"csrf_token": token},
                              allow_redirects=False)
    assert saved.status == 303
    async with sessionmaker() as session:
        cb = await session.get(Callback, cb_id)
        reg = (await session.execute(select(CallRegistration))).scalar_one()
        attempts = list((await session.execute(select(CallbackAttempt))).scalars())
    assert (cb.status, cb.attempts, cb.registration_id) == ("reached", 1, reg.id)
    assert (reg.channel, reg.phone, reg.call_id) == ("callback", "+994501234567", None)
    assert [a.result for a in attempts] == ["reached"]
    # A second registration for the same callback is refused.
    again = await client.post(f"/console/calls/new?callback={cb_id}", data=FORM | {"csrf_token": token})
    assert again.status == 409


async def test_supervisors_release_and_cancel(client, make_user, sessionmaker):
    agent = await make_user("aysel", extension="1001")
    await make_user("boss", role="supervisor")
    cb_id = await _request(client)
    async with sessionmaker.begin() as session:
        assert await service.claim(session, cb_id, agent.id)
    token = await login(client, "boss")
    await client.post(f"/console/callbacks/{cb_id}/release", data={"csrf_token": token})
    async with sessionmaker() as session:
        assert (await session.get(Callback, cb_id)).status == "open"
    await client.post(f"/console/callbacks/{cb_id}/cancel", data={"csrf_token": token})
    async with sessionmaker() as session:
        assert (await session.get(Callback, cb_id)).status == "cancelled"
    client.session.cookie_jar.clear()
    token = await login(client, "aysel")
    assert (await client.post(f"/console/callbacks/{cb_id}/cancel", data={"csrf_token": token})).status == 403
