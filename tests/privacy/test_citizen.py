"""The citizen's request: everything held about a number as JSON and a readable
Azerbaijani PDF; erasure anonymises all of it at once with the retention rules,
every statistic unchanged; both audited with the number's keyed hash only."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from pypdf import PdfReader
from sqlalchemy import select, text

from contact_center.db.models import AuditEntry
from contact_center.privacy import citizen
from contact_center.privacy.pseudonym import pseudonym
from contact_center.privacy.retention import MARKER
from tests.plugins.backend import ROOT
from tests.plugins.console import login
from tests.privacy.conftest import KEY, seed_year
from tests.privacy.test_retention import _figures

# In the seeded year: a caller (calls, registrations, an abandoned-call callback) ...
CALLER = "+994503000003"
# ... a caller who hung up (calls, callbacks with attempts) ...
ABANDONED = "+994503000005"
# ... and a number given in Facebook conversations' callback requests.
CHAT_NUMBER = "+994554000001"


async def test_export_holds_everything_about_the_number(db, sessionmaker):
    await seed_year(db)
    async with sessionmaker() as session:
        data = await citizen.collect(session, "050 300 00 03", KEY)
    assert data["phone"] == CALLER
    assert data["calls"] and all(c["caller"] == CALLER for c in data["calls"])
    assert all(c["events"] for c in data["calls"])
    assert data["registrations"] and data["registrations"][0]["citizen_name"].startswith("Vətəndaş")
    assert data["registrations"][0]["changes"][0]["after"]["phone"] == CALLER
    async with sessionmaker() as session:
        left = await citizen.collect(session, ABANDONED, KEY)
    assert left["callbacks"] and left["callbacks"][0]["attempts"] and left["calls"]
    async with db.connect() as conn:
        expected = (await conn.execute(text("SELECT count(*) FROM calls WHERE caller = :p"), {"p": CALLER})).scalar()
    assert len(data["calls"]) == expected
    async with sessionmaker() as session:
        chat = await citizen.collect(session, CHAT_NUMBER, KEY)
    assert chat["conversations"] and all(v["csat_score"] for v in chat["conversations"])
    assert any("Salam" in m["text"] for v in chat["conversations"] for m in v["messages"])
    json.dumps(data)  # JSON all the way


async def test_erase_anonymises_it_all_and_keeps_the_statistics(db, sessionmaker, privacy_settings):
    await seed_year(db)
    before = await _figures(db, privacy_settings)
    async with sessionmaker.begin() as session:
        done = await citizen.erase(session, CALLER, KEY)
        hung_up = await citizen.erase(session, ABANDONED, KEY)
        chat = await citizen.erase(session, CHAT_NUMBER, KEY)
    assert done.counts["calls"] > 0 and done.counts["call_registrations"] > 0
    assert hung_up.counts["callbacks"] > 0 and hung_up.counts["callback_attempts"] > 0
    assert chat.counts["conversations"] > 0 and chat.counts["messages"] > 0 and chat.counts["meta_inbox"] > 0
    assert await _figures(db, privacy_settings) == before
    async with db.connect() as conn:
        left = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM calls WHERE caller = :p) + (SELECT count(*) FROM pbx_events WHERE caller = :p)"
            " + (SELECT count(*) FROM call_registrations WHERE phone = :p OR note LIKE '%' || :p || '%')"
            " + (SELECT count(*) FROM callbacks WHERE phone IN (:p, :q, :r) OR note LIKE '%' || :r || '%')"
            " + (SELECT count(*) FROM registration_changes WHERE after::text LIKE '%' || :p || '%')"),
            {"p": CALLER, "q": CHAT_NUMBER, "r": ABANDONED})).scalar()
        assert left == 0
        hashed = (await conn.execute(text("SELECT count(*) FROM calls WHERE caller = :h"),
                                     {"h": pseudonym(CALLER, KEY)})).scalar()
        assert hashed == done.counts["calls"]
        texts = {r[0] for r in (await conn.execute(text(
            "SELECT m.text FROM messages m WHERE m.conversation_id = ANY(:ids)"), {"ids": chat.conversation_ids}))}
        assert texts == {MARKER}
        others = (await conn.execute(text(
            "SELECT count(*) FROM messages WHERE text <> :m"), {"m": MARKER})).scalar()
        assert others > 0  # nobody else's conversations were touched
    # the same request again finds only what is left: records by the keyed hash, nothing personal
    async with sessionmaker() as session:
        again = await citizen.collect(session, CALLER, KEY)
    assert len(again["calls"]) == done.counts["calls"]
    assert all(r["citizen_name"] is None and r["note"] == MARKER for r in again["registrations"])


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "CC142_PSEUDONYM_KEY": KEY}
    return subprocess.run([sys.executable, "-m", "contact_center", *args], cwd=ROOT, env=env, capture_output=True,
                          timeout=120)


async def test_the_cli_exports_json_and_pdf_then_erases(db, database_url, sessionmaker, tmp_path):
    await seed_year(db)
    out = _cli(database_url, "citizen", "export", "--phone", "0503000003")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["phone"] == CALLER
    pdf = tmp_path / "vetendas.pdf"
    out = _cli(database_url, "citizen", "export", "--phone", CHAT_NUMBER, "--out", str(pdf))
    assert out.returncode == 0, out.stderr
    page_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    for phrase in ("vətəndaş haqqında saxlanılan", "+994 55 400 00 01", "Söhbətlər", "Günel",
                   "Geri zəng sorğuları"):
        assert phrase in page_text, phrase
    short = _cli(database_url, "citizen", "erase", "--phone", CALLER, "--reason", "qısa")
    assert short.returncode == 2
    bad = _cli(database_url, "citizen", "erase", "--phone", "12345", "--reason", "Müraciət № 7, 29.11.2026")
    assert bad.returncode == 2 and b"--phone" in bad.stderr
    erased = _cli(database_url, "citizen", "erase", "--phone", CALLER, "--reason", "Müraciət № 7, 29.11.2026")
    assert erased.returncode == 0, erased.stderr
    assert b"anonymised: calls" in erased.stdout
    async with sessionmaker() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.action.like("citizen_%")).order_by(AuditEntry.id))).all()
    assert [e.action for e in entries] == ["citizen_export", "citizen_export", "citizen_erase"]
    assert entries[0].details["phone"] == pseudonym(CALLER, KEY)
    assert entries[2].details["reason"] == "Müraciət № 7, 29.11.2026" and entries[2].details["counts"]["calls"] > 0
    assert not any(CALLER[4:] in json.dumps(e.details) for e in entries)


async def test_the_admin_console_answers_the_request(privacy_client, make_user, db, sessionmaker):
    await make_user("boss", role="admin")
    await make_user("rena", role="supervisor")
    await seed_year(db)
    token = await login(privacy_client, "rena")
    assert (await privacy_client.get("/console/admin/citizen")).status == 403
    privacy_client.session.cookie_jar.clear()
    token = await login(privacy_client, "boss")
    page = await privacy_client.get("/console/admin/citizen")
    assert page.status == 200 and "Vətəndaşın müraciəti" in await page.text()
    pdf = await privacy_client.post("/console/admin/citizen", data={
        "csrf_token": token, "action": "export", "phone": "050 300 00 03", "format": "pdf"})
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert "+994 50 300 00 03" in PdfReader(io.BytesIO(await pdf.read())).pages[0].extract_text()
    data = await privacy_client.post("/console/admin/citizen", data={
        "csrf_token": token, "action": "export", "phone": "050 300 00 03", "format": "json"})
    assert (await data.json())["phone"] == CALLER
    unconfirmed = await privacy_client.post("/console/admin/citizen", data={
        "csrf_token": token, "action": "erase", "phone": CALLER, "reason": "Müraciət № 9"})
    assert unconfirmed.status == 422
    erased = await privacy_client.post("/console/admin/citizen", data={
        "csrf_token": token, "action": "erase", "phone": CALLER, "reason": "Müraciət № 9 (e-poçt)", "confirm": "1"})
    assert erased.status == 200 and 'id="erased"' in await erased.text()
    async with db.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM calls WHERE caller = :p"), {"p": CALLER})).scalar() == 0
    async with sessionmaker() as session:
        actions = [e.action for e in (await session.scalars(select(AuditEntry).where(AuditEntry.action.like("citizen_%")).order_by(AuditEntry.id))).all()]
    assert actions == ["citizen_export", "citizen_export", "citizen_erase"]
