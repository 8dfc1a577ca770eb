"""Reads of citizens' records in the audit trail, done through HTTP: a transcript,
a call's pop/form, a registration page, token reads of the record APIs (one
entry per request, with the filter and the row count, never the number)."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.helpers import audit_entries
from tests.plugins.backend import API_TOKEN
from tests.plugins.console import login

BEARER = {"Authorization": f"Bearer {API_TOKEN}"}
KEY = "audit-read-key"


async def test_a_supervisor_reading_a_transcript(client, make_user, stats_data, sessionmaker):
    rena = await make_user("rena", role="supervisor")
    cid = await stats_data.conversation("web_chat", "2026-11-20 10:00:00", messages=[("citizen", "2026-11-20 10:00:01")])
    await login(client, "rena")
    assert (await client.get(f"/console/inbox/{cid}")).status == 200
    # The open page refreshes itself as messages arrive: still one view.
    assert (await client.get(f"/console/inbox/{cid}", headers={"X-Live-Refresh": "1"})).status == 200
    [entry] = await audit_entries(sessionmaker, "transcript_viewed")
    assert (entry.actor_id, entry.actor_name, entry.address) == (rena.id, "rena", "127.0.0.1")
    assert (entry.object_type, entry.object_id) == ("conversation", str(cid))
    # an unknown conversation is no read
    assert (await client.get("/console/inbox/999999")).status == 404
    assert len(await audit_entries(sessionmaker, "transcript_viewed")) == 1


async def test_an_agent_opening_a_call_and_its_registration(client, make_user, stats_data, sessionmaker):
    aysel = await make_user("aysel", extension="1001")
    call_id = await stats_data.call("2026-11-20 10:00:00", wait=10, talk=60, agent="1001")
    await login(client, "aysel")
    assert (await client.get(f"/console/pbx-calls/{call_id}/pop")).status == 200
    assert (await client.get(f"/console/calls/new?call={call_id}")).status == 200
    reg_id = await stats_data.register(aysel.id, call_id=call_id)
    assert (await client.get(f"/console/calls/{reg_id}")).status == 200
    # the pop and then the form of the same call are one view of that call
    pop, reg = await audit_entries(sessionmaker, "call_record_viewed")
    for entry in (pop, reg):
        assert (entry.actor_id, entry.address) == (aysel.id, "127.0.0.1")
    assert (pop.object_type, pop.object_id, pop.details["view"]) == ("call", str(call_id), "pop")
    assert (reg.object_type, reg.object_id, reg.details["call_id"]) == ("registration", str(reg_id), call_id)


async def test_a_view_counts_again_after_a_while_and_for_each_user(client, make_user, stats_data, sessionmaker):
    await make_user("rena", role="supervisor")
    await make_user("boss", role="admin")
    cid = await stats_data.conversation("web_chat", "2026-11-20 10:00:00")
    await login(client, "rena")
    await client.get(f"/console/inbox/{cid}")
    async with sessionmaker.begin() as s:  # the view was 11 minutes ago (a test may move time; nobody else)
        await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        await s.execute(text("UPDATE audit_log SET at = at - interval '11 minutes'"))
        await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    await client.get(f"/console/inbox/{cid}")
    client.session.cookie_jar.clear()
    await login(client, "boss")
    await client.get(f"/console/inbox/{cid}")
    assert [e.actor_name for e in await audit_entries(sessionmaker, "transcript_viewed")] == ["rena", "rena", "boss"]


async def test_another_agents_call_is_refused_and_not_a_read(client, make_user, stats_data, sessionmaker):
    await make_user("aysel", extension="1001")
    call_id = await stats_data.call("2026-11-20 10:00:00", wait=10, talk=60, agent="1002")
    await login(client, "aysel")
    assert (await client.get(f"/console/pbx-calls/{call_id}/pop")).status == 403
    assert await audit_entries(sessionmaker, "call_record_viewed") == []


async def test_token_reads_are_one_entry_per_request_with_query_and_rows(make_client, settings, stats_data,
                                                                         sessionmaker):
    client = await make_client(settings.with_(pseudonym_key=KEY))
    agent = await stats_data.user("1001")
    for n in range(3):
        call_id = await stats_data.call(f"2026-11-20 10:0{n}:00", wait=5, talk=30, agent="1001")
        await stats_data.register(agent, call_id=call_id)
    resp = await client.get("/api/v1/registrations?from=2026-11-01&to=2026-11-30&phone=0501234567&limit=2",
                            headers=BEARER)
    assert resp.status == 200 and len((await resp.json())["registrations"]) == 2
    resp = await client.get("/api/v1/calls?cursor=0", headers=BEARER)
    assert resp.status == 200
    registrations, calls = await audit_entries(sessionmaker, "api_read")
    assert (registrations.actor_kind, registrations.actor_name, registrations.address) == (
        "api-token", "api-token", "127.0.0.1")
    assert registrations.object_type == "registrations"
    assert registrations.details["rows"] == 2
    query = registrations.details["query"]
    assert query["from"] == "2026-11-01" and query["limit"] == "2"
    assert query["phone"].startswith("ph:")  # the number's keyed hash, never the number
    assert "1234567" not in json.dumps(registrations.details)
    assert (calls.object_type, calls.details) == ("calls", {"query": {"cursor": "0"}, "rows": 3})


async def test_a_supervisor_session_read_names_the_supervisor(client, make_user, sessionmaker):
    rena = await make_user("rena", role="supervisor")
    await login(client, "rena")
    assert (await client.get("/api/v1/callbacks?from=2026-11-01&to=2026-11-30")).status == 200
    [entry] = await audit_entries(sessionmaker, "api_read")
    assert (entry.actor_kind, entry.actor_id, entry.object_type, entry.details["rows"]) == (
        "user", rena.id, "callbacks", 0)


async def test_a_refused_query_is_no_read(client, sessionmaker):
    assert (await client.get("/api/v1/calls?limit=0", headers=BEARER)).status == 422
    assert (await client.get("/api/v1/calls")).status == 401
    assert await audit_entries(sessionmaker, "api_read") == []


async def test_a_monthly_report_download_is_an_export(client, make_user, sessionmaker):
    rena = await make_user("rena", role="supervisor")
    await login(client, "rena")
    resp = await client.get("/api/v1/stats/report", params={"month": "2026-10", "format": "csv"})
    assert resp.status == 200 and await resp.read()
    assert (await client.get("/api/v1/stats/report", params={"month": "2026-10"})).status == 200  # JSON: no file
    [entry] = await audit_entries(sessionmaker, "export")
    assert (entry.actor_id, entry.object_type, entry.address) == (rena.id, "monthly_report", "127.0.0.1")
    assert entry.details == {"month": "2026-10", "format": "csv"}
