"""The record APIs' incremental cursor never skips a row, even when transactions
commit in the opposite order of their start; changes (an erasure too) come again;
the console lists' filters apply; numbers are masked."""

from __future__ import annotations

import asyncpg
from sqlalchemy import text

from contact_center.db.driver import driver_dsn
from contact_center.privacy import citizen
from tests.plugins.backend import API_TOKEN
from tests.privacy.conftest import KEY

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
INSERT = ("INSERT INTO call_registrations (channel, agent_id, phone, citizen_name, direction, call_type, district, "
          "outcome, note, occurred_at) VALUES ('phone', $1, $2, 'Ad Soyad', $3, 'information', 'baku_xetai', "
          "'fully_answered', '', now()) RETURNING id")


async def _poll(client, cursor: str, **params: str) -> tuple[list[dict], str]:
    resp = await client.get("/api/v1/registrations", params={"cursor": cursor, **params}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return body["registrations"], body["next_cursor"]


async def test_transactions_committing_out_of_order_are_never_skipped(client, make_user, db, engine, sessionmaker):
    agent = await make_user("aysel", extension="1001")
    dsn = driver_dsn(engine.url)
    t1, t2 = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        _, cursor = await _poll(client, "0")
        tx1, tx2 = t1.transaction(), t2.transaction()
        await tx1.start()
        first = await t1.fetchval(INSERT, agent.id, "+994501111111", "employment")  # starts first ...
        await tx2.start()
        second = await t2.fetchval(INSERT, agent.id, "+994502222222", "employment")
        await tx2.commit()  # ... commits last
        seen, cursor = await _poll(client, cursor)
        # The later transaction committed, but an older one is still open: nothing
        # at or above its id is served yet (a plain id or updated_at cursor would
        # serve `second` now and skip `first` for ever).
        assert seen == []
        await tx1.commit()
        seen, cursor = await _poll(client, cursor)
        assert [r["id"] for r in seen] == [first, second]
        assert (await _poll(client, cursor))[0] == []
    finally:
        await t1.close()
        await t2.close()

    # A change (here a citizen's erasure) brings the row again, anonymised.
    async with sessionmaker.begin() as session:
        await citizen.erase(session, "+994501111111", KEY)
    seen, cursor = await _poll(client, cursor)
    assert [r["id"] for r in seen] == [first]
    assert seen[0]["citizen_name"] is None and seen[0]["phone"].startswith("•••")


async def test_paging_filters_and_masking(client, make_user, db, engine):
    agent = await make_user("aysel", extension="1001")
    async with engine.begin() as conn:
        for i, direction in enumerate(["employment", "disability", "employment"]):
            await conn.execute(text(INSERT.replace("$1", ":a").replace("$2", ":p").replace("$3", ":d")),
                               {"a": agent.id, "p": f"+99450123456{i}", "d": direction})
    page1, cursor = await _poll(client, "0", limit="1", direction="employment")
    page2, cursor = await _poll(client, cursor, limit="1", direction="employment")
    page3, _ = await _poll(client, cursor, limit="1", direction="employment")
    assert len(page1) == len(page2) == 1 and page3 == []
    assert {page1[0]["phone"], page2[0]["phone"]} == {"+994 50 ••• •• 60", "+994 50 ••• •• 62"}
    assert page1[0]["citizen_name"] == "A•••• S••••"
    for bad in ({"cursor": "abc"}, {"cursor": "0", "offset": "5"}, {"cursor": "0", "colour": "red"},
                {"from": "2026-01-01"}, {"cursor": "0", "limit": "5000"}):
        resp = await client.get("/api/v1/registrations", params=bad, headers=AUTH)
        assert resp.status == 422, bad
        assert set(await resp.json()) >= {"error", "message", "field"}
    period = await client.get("/api/v1/callbacks", params={"from": "2026-01-01", "to": "2026-01-02"}, headers=AUTH)
    assert period.status == 200 and await period.json() == {"total": 0, "callbacks": []}
    assert (await client.get("/api/v1/conversations", params={"cursor": "0"})).status == 401
