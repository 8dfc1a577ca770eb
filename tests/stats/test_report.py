"""The monthly overview files open and carry the right figures; the CLI
prints the API's JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from contact_center.stats.db import read_snapshot
from contact_center.stats.report.files import render
from contact_center.stats.report.format import fmt
from contact_center.stats.report.model import Cell, build_report, parse_month
from tests.plugins.backend import ROOT
from tests.stats.conftest import summary
from tests.stats.fixture_august import seed_august

AUGUST = date(2024, 8, 1)


async def _file(db, settings, kind: str) -> bytes:
    buf = io.BytesIO()
    async with read_snapshot(db) as conn:
        await render(conn, settings, AUGUST, kind, buf)
    return buf.getvalue()


async def test_report_model(stats_data, stats_settings, db):
    await seed_august(stats_data)
    async with read_snapshot(db) as conn:
        r = await build_report(conn, stats_settings, AUGUST)
    assert r.period_label == "01.08.24 – 31.08.24" and r.month_label == "2024, avqust"
    assert r.cumulative_from == date(2023, 8, 10)  # the first record
    tables = {t.key: t for t in r.tables}
    requests = {row.label: row.cells for row in tables["requests"].rows}
    # Monthly, same month last year, change, cumulative (Aug 2023 .. Aug 2024: 2 + 9 + c11 in July).
    assert [c.value for c in requests["Daxil olan zənglər"]] == [9, 2, 7, 12]
    assert [c.value for c in requests["Cəmi müraciət"]] == [18, 2, 16, 21]
    calls = {row.label: row.cells for row in tables["calls"].rows}
    assert calls["Cavablandırma faizi"][0].value == pytest.approx(5 / 9, abs=1e-6)
    dirs = {row.label: row.cells for row in tables["directions"].rows}
    assert dirs["Sosial müdafiə"][0].value == 2 and dirs["Sosial müdafiə"][1].value == 0.5
    areas = {row.label: row.cells for row in tables["areas"].rows}
    assert areas["Bakı"][0].value == 0.5
    office = {row.label: row.cells for row in tables["office_investigation"].rows}
    assert office["Kargüzarlığa göndərilən müraciətlər"][0].value == 1
    social = {row.label: row.cells for row in tables["social"].rows}
    assert social["Facebook: daxil olan ismarıclar"][0].value == 4
    assert social["Facebook: cavablandırılan"][0].value == 2


def test_cell_formats():
    assert fmt(Cell(1044072)) == "1 044 072"
    assert fmt(Cell(0.98741, "rate")) == "98,74 %"
    assert fmt(Cell(-0.0123, "rate_change")) == "−1,23 f.b."
    assert fmt(Cell(7, "change")) == "+7"
    assert fmt(Cell(12.5, "seconds")) == "12,5 san"
    assert fmt(Cell(142, "seconds")) == "2 dəq 22 san"
    assert fmt(Cell(None, "rate")) == "—"
    with pytest.raises(ValueError):
        parse_month("2024-13")


async def test_pdf_renders_azerbaijani_text(stats_data, stats_settings, db):
    await seed_august(stats_data)
    data = await _file(db, stats_settings, "pdf")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    for phrase in ("Statistik icmal", "01.08.24 – 31.08.24", "Daxil olmuş zəng sayı", "Qeydiyyata alınan zənglərin",
                   "Kargüzarlığa göndərilən", "Vətəndaş məmnunluğu", "Çatbota daxil olan", "Şikayət", "Gəncə"):
        assert phrase in text, phrase
    assert "55,56 %" in text  # the answer rate 5/9
    # The text is set in embedded DejaVu Sans (the 14 standard PDF fonts have no ə).
    names = {str(page["/Resources"]["/Font"][k].get_object()["/BaseFont"]) for page in reader.pages
             for k in page["/Resources"]["/Font"]}
    assert {n.split("+")[-1] for n in names} >= {"DejaVuSans", "DejaVuSans-Bold"}, names


async def test_xlsx_sheets_and_figures(stats_data, stats_settings, db):
    await seed_august(stats_data)
    wb = load_workbook(io.BytesIO(await _file(db, stats_settings, "xlsx")))
    assert wb.sheetnames == ["İcmal", "Gün üzrə", "Qeydiyyata alınmış zənglər", "Söhbətlər"]
    rows = {r[0]: r[1:] for r in wb["İcmal"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Daxil olmuş zəng sayı"][:4] == (9, 2, 7, 12)
    assert rows["Cavablandırma faizi"][0] == pytest.approx(5 / 9, abs=1e-6)
    days = list(wb["Gün üzrə"].iter_rows(values_only=True))
    assert len(days) == 32 and days[5] == ("2024-08-05", 3, 3, 0, 2)
    regs = list(wb["Qeydiyyata alınmış zənglər"].iter_rows(values_only=True))
    assert len(regs) == 1 + 4  # c1, c2, c8 and the one entered by hand
    header = regs[0]
    by_dir = sorted(r[header.index("istiqamət")] for r in regs[1:])
    assert by_dir == ["Məşğulluq", "Sosial müdafiə", "Sosial müdafiə", "Əlillik"]
    convs = list(wb["Söhbətlər"].iter_rows(values_only=True))
    assert len(convs) == 1 + 5


async def test_csv_zip(stats_data, stats_settings, db):
    await seed_august(stats_data)
    zf = zipfile.ZipFile(io.BytesIO(await _file(db, stats_settings, "csv")))
    assert sorted(zf.namelist()) == ["conversations.csv", "gun_uzre.csv", "icmal.csv", "registered_calls.csv"]
    icmal = list(csv.DictReader(io.StringIO(zf.read("icmal.csv").decode("utf-8-sig"))))
    offered = [r for r in icmal if r["cədvəl"] == "calls" and r["sətir"] == "Daxil olmuş zəng sayı"]
    assert {r["sütun"]: r["dəyər"] for r in offered} == {"Aylıq": "9", "Ötən ilin analoji ayı": "2",
                                                          "Dəyişmə": "7", "Kumulyativ": "12"}
    regs = list(csv.DictReader(io.StringIO(zf.read("registered_calls.csv").decode("utf-8-sig"))))
    assert len(regs) == 4 and {r["rayon"] for r in regs} >= {"Xətai rayonu", "Sumqayıt şəhəri"}


def _cli(database_url: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "contact_center", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


async def test_cli_stats_json_equals_the_api(stats_data, stats_client, database_url):
    await seed_august(stats_data)
    api = await summary(stats_client, **{"from": "2024-08-01", "to": "2024-08-31", "district": "baku_xetai"})
    out = _cli(database_url, "stats", "--from", "2024-08-01", "--to", "2024-08-31", "--district", "baku_xetai",
               "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == api
    bad = _cli(database_url, "stats", "--from", "2024-08-01", "--to", "2024-07-01")
    assert bad.returncode == 2 and "--to" in bad.stderr
    text = _cli(database_url, "stats", "--from", "2024-08-01", "--to", "2024-08-31")
    assert text.returncode == 0, text.stderr
    # the post-call survey (5 3 4 2 5) and the chat ratings (5 3 4)
    assert "call satisfaction (post-call survey) 60.00 % rated 4-5 of 5 ratings, mean 3.8" in text.stdout
    assert "chat CSAT 66.67 % of 3 ratings" in text.stdout


async def test_cli_report_writes_the_file(stats_data, database_url, tmp_path):
    await seed_august(stats_data)
    out = _cli(database_url, "report", "--month", "2024-08", "--format", "xlsx", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    path = tmp_path / "statistik-icmal-2024-08.xlsx"
    assert path.is_file() and out.stdout.strip().endswith("statistik-icmal-2024-08.xlsx")
    assert load_workbook(path)["İcmal"]["A1"].value.startswith("Çağrı mərkəzi 142")
    bad = _cli(database_url, "report", "--month", "2024/08", "--format", "pdf", cwd=tmp_path)
    assert bad.returncode == 2 and "--month" in bad.stderr


async def test_report_api(stats_data, stats_client):
    from tests.stats.conftest import AUTH

    await seed_august(stats_data)
    resp = await stats_client.get("/api/v1/stats/report", params={"month": "2024-08"}, headers=AUTH)
    assert resp.status == 200 and resp.headers["Server-Timing"].startswith("app;dur=")
    data = await resp.json()
    calls = next(t for t in data["tables"] if t["key"] == "calls")
    offered = next(r for r in calls["rows"] if r["label"] == "Daxil olmuş zəng sayı")
    assert [c["value"] for c in offered["cells"]] == [9, 2, 7, 12]
    rate = next(r for r in calls["rows"] if r["label"] == "Cavablandırma faizi")
    assert rate["cells"][0]["text"] == "55,56 %"
    resp = await stats_client.get("/api/v1/stats/report", params={"month": "2024-08", "format": "pdf"}, headers=AUTH)
    assert resp.status == 200 and resp.content_type == "application/pdf"
    assert 'filename="statistik-icmal-2024-08.pdf"' in resp.headers["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(await resp.read())).pages) >= 2
    for params, field in (({"month": "2024-8x"}, "month"), ({"month": "2024-08", "format": "doc"}, "format"),
                          ({"month": "2024-08", "x": "1"}, "x")):
        resp = await stats_client.get("/api/v1/stats/report", params=params, headers=AUTH)
        assert resp.status == 422 and (await resp.json())["field"] == field
    resp = await stats_client.get("/api/v1/stats/report", params={"month": "2024-08"})
    assert resp.status == 401


async def test_report_json_is_documented(stats_data, stats_client):
    from tests.stats.conftest import AUTH
    from tests.stats.test_api import _check_documented

    await seed_august(stats_data)
    data = await (await stats_client.get("/api/v1/stats/report", params={"month": "2024-08"}, headers=AUTH)).json()
    spec = await (await stats_client.get("/api/v1/openapi.json")).json()
    schema = spec["paths"]["/api/v1/stats/report"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    _check_documented(data, schema, spec["components"]["schemas"], "report")
