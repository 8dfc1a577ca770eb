"""Registering calls: from the screen pop or by hand, validation, audit trail, edit window, list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from contact_center.db.models import Call, CallRegistration, RegistrationChange
from tests.helpers import event, post_pbx
from tests.plugins.console import login

FORM = {"direction": "employment", "call_type": "information", "district": "baku_xetai",
        "outcome": "fully_answered", "citizen_name": "Aysel Məmmədova", "note": "Vakansiyalar barədə"}


async def _answered_call(client, sessionmaker, call_id="c1", agent="1001", caller="050 123 45 67") -> int:
    now = datetime.now(UTC)
    resp = await post_pbx(client, [
        event(f"{call_id}-e", call_id, "enqueued", (now - timedelta(seconds=25)).isoformat(), caller=caller),
        event(f"{call_id}-a", call_id, "answered", now.isoformat(), agent=agent),
    ])
    assert resp.status == 202
    async with sessionmaker() as session:
        return (await session.execute(select(Call.id).where(Call.pbx_call_id == call_id))).scalar_one()


async def test_register_a_pbx_call_from_the_screen_pop(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    call_id = await _answered_call(client, sessionmaker)
    pop = await client.get(f"/console/pbx-calls/{call_id}/pop")
    assert pop.status == 200
    html = await pop.text()
    assert "+994 50 123 45 67" in html and "25 san" in html
    resp = await client.post(f"/console/calls/new?call={call_id}", data=FORM | {"csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 303
    async with sessionmaker() as session:
        reg = (await session.execute(select(CallRegistration))).scalar_one()
        changes = list((await session.execute(select(RegistrationChange))).scalars())
    assert (reg.call_id, reg.phone, reg.channel, reg.direction, reg.district, reg.citizen_name) == (
        call_id, "+994501234567", "phone", "employment", "baku_xetai", "Aysel Məmmədova")
    assert len(changes) == 1 and changes[0].before is None and changes[0].after["outcome"] == "fully_answered"
    # The same call cannot be registered twice.
    again = await client.post(f"/console/calls/new?call={call_id}", data=FORM | {"csrf_token": token},
                              allow_redirects=False)
    assert again.status == 303 and again.headers["Location"] == f"/console/calls/{reg.id}"
    async with sessionmaker() as session:
        assert len((await session.execute(select(CallRegistration))).all()) == 1


async def test_the_pop_shows_the_callers_earlier_requests(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    first = await _answered_call(client, sessionmaker, "c1")
    await client.post(f"/console/calls/new?call={first}", data=FORM | {"csrf_token": token})
    assert (await client.post("/api/v1/callbacks", json={"phone": "0501234567"})).status == 201
    second = await _answered_call(client, sessionmaker, "c2")
    html = await (await client.get(f"/console/pbx-calls/{second}/pop")).text()
    assert "Məşğulluq" in html and "Vakansiyalar barədə" in html  # the earlier registration
    assert "Geri zəng sorğusu" in html  # and the open callback


async def test_an_agent_cannot_take_another_agents_call(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    call_id = await _answered_call(client, sessionmaker, agent="1002")
    assert (await client.get(f"/console/pbx-calls/{call_id}/pop")).status == 403
    resp = await client.post(f"/console/calls/new?call={call_id}", data=FORM | {"csrf_token": token})
    assert resp.status == 403
    async with sessionmaker() as session:
        assert (await session.execute(select(CallRegistration))).first() is None


async def test_validation_messages_are_azerbaijani_and_nothing_is_saved(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    resp = await client.post("/console/calls/new", data={"csrf_token": token, "district": "atlantis",
                                                         "phone": "123", "note": "x" * 4001})
    assert resp.status == 422
    html = await resp.text()
    for message in ("İstiqaməti seçin.", "Müraciətin növünü seçin.", "Seçilmiş dəyər siyahıda yoxdur",
                    "Nəticəni seçin.", "Telefon nömrəsi düzgün deyil", "Qeyd 4000 simvoldan uzun ola bilməz"):
        assert message in html, message
    missing_phone = await client.post("/console/calls/new", data=FORM | {"csrf_token": token})
    assert "Vətəndaşın telefon nömrəsini yazın." in await missing_phone.text()
    async with sessionmaker() as session:
        assert (await session.execute(select(CallRegistration))).first() is None


async def test_a_call_registered_by_hand(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    token = await login(client, "aysel")
    resp = await client.post("/console/calls/new", data=FORM | {"csrf_token": token, "phone": "(055) 111-22-33"},
                             allow_redirects=False)
    assert resp.status == 303
    async with sessionmaker() as session:
        reg = (await session.execute(select(CallRegistration))).scalar_one()
    assert reg.call_id is None and reg.phone == "+994551112233" and reg.channel == "phone"


async def _register(client, token, **extra) -> int:
    resp = await client.post("/console/calls/new", data=FORM | {"csrf_token": token, "phone": "0551112233"} | extra,
                             allow_redirects=False)
    assert resp.status == 303
    return int(re.search(r"/console/calls/(\d+)", resp.headers["Location"]).group(1))


async def test_every_change_is_audited_and_the_history_is_visible(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001", full_name="Aysel Məmmədova")
    token = await login(client, "aysel")
    reg_id = await _register(client, token)
    edit = FORM | {"csrf_token": token, "outcome": "sent_to_office", "district": "quba", "note": "Ərizə göndərildi"}
    resp = await client.post(f"/console/calls/{reg_id}/edit", data=edit, allow_redirects=False)
    assert resp.status == 303
    unchanged = await client.post(f"/console/calls/{reg_id}/edit", data=edit)
    assert "Heç nə dəyişmədi." in await unchanged.text()
    async with sessionmaker() as session:
        changes = list((await session.execute(
            select(RegistrationChange).order_by(RegistrationChange.id))).scalars())
    assert len(changes) == 2  # created, then one real change (the no-op edit left no trace)
    before, after = changes[1].before, changes[1].after
    assert (before["outcome"], after["outcome"]) == ("fully_answered", "sent_to_office")
    assert (before["district"], after["district"]) == ("baku_xetai", "quba")
    assert before["phone"] == after["phone"] == "+994551112233"
    page = await (await client.get(f"/console/calls/{reg_id}")).text()
    history = page[page.index('id="history"'):]
    assert "Aysel Məmmədova" in history and "yaradıldı" in history and "dəyişdirildi" in history
    assert "<del>Tam cavablandırıldı</del> → <ins>Kargüzarlığa göndərildi</ins>" in history
    assert "<del>Xətai rayonu</del> → <ins>Quba rayonu</ins>" in history


async def test_agents_edit_until_the_end_of_the_day_supervisors_always(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    await make_user("boss", role="supervisor")
    token = await login(client, "aysel")
    reg_id = await _register(client, token)
    # Made yesterday (Baku time): the agent's window has closed.
    async with sessionmaker.begin() as session:
        await session.execute(update(CallRegistration).where(CallRegistration.id == reg_id)
                              .values(created_at=datetime.now(UTC) - timedelta(days=1, hours=1)))
    assert (await client.get(f"/console/calls/{reg_id}/edit")).status == 403
    refused = await client.post(f"/console/calls/{reg_id}/edit",
                                data=FORM | {"csrf_token": token, "outcome": "refused"})
    assert refused.status == 403
    assert "yalnız həmin gün" in await refused.text()
    client.session.cookie_jar.clear()
    boss_token = await login(client, "boss")
    ok = await client.post(f"/console/calls/{reg_id}/edit", data=FORM | {"csrf_token": boss_token, "outcome": "refused"},
                           allow_redirects=False)
    assert ok.status == 303
    async with sessionmaker() as session:
        reg = await session.get(CallRegistration, reg_id)
        assert reg.outcome == "refused"
        last = (await session.execute(select(RegistrationChange).order_by(RegistrationChange.id.desc()))).scalars().first()
    assert last.before["outcome"] == "fully_answered" and last.after["outcome"] == "refused"


async def test_agents_see_only_their_own_registrations(client, make_user, sessionmaker):
    await make_user("aysel", extension="1001")
    await make_user("murad", extension="1002")
    token = await login(client, "aysel")
    mine = await _register(client, token)
    client.session.cookie_jar.clear()
    token = await login(client, "murad")
    assert (await client.get(f"/console/calls/{mine}")).status == 403
    assert (await client.post(f"/console/calls/{mine}/edit", data=FORM | {"csrf_token": token})).status == 403
    listing = await (await client.get("/console/calls?agent=1")).text()
    assert 'id="total">0<' in listing


async def test_the_list_filters_and_pages(make_client, settings, make_user, sessionmaker):
    client = await make_client(settings)
    await make_user("aysel", extension="1001")
    boss = await make_user("boss", role="supervisor")
    token = await login(client, "aysel")
    for n in range(53):
        await _register(client, token, phone=f"05500000{n:02d}",
                        direction="employment" if n % 2 else "disability",
                        district="quba" if n < 3 else "baku_xetai")
    client.session.cookie_jar.clear()
    await login(client, "boss")
    today = datetime.now(settings.tz).date().isoformat()

    async def total(query: str) -> int:
        html = await (await client.get(f"/console/calls?from={today}&to={today}&{query}")).text()
        return int(re.search(r'id="total">(\d+)<', html).group(1))

    assert await total("") == 53
    assert await total("direction=employment") == 26
    assert await total("district=quba") == 3
    assert await total("district=quba&direction=disability") == 2
    assert await total("phone=0550000007") == 1
    assert await total("phone=07") == 1  # the last digits
    assert await total(f"agent={boss.id}") == 0
    assert await total("outcome=refused") == 0
    page2 = await (await client.get(f"/console/calls?from={today}&to={today}&page=2")).text()
    assert "Səhifə 2 / 2" in page2 and len(re.findall(r'href="/console/calls/\d+"', page2)) == 3
    bad = await (await client.get("/console/calls?from=25.11.2026")).text()
    assert "Tarixi İİİİ-AA-GG formatında yazın." in bad
