"""The monthly overview page shows build_report()'s figures (the same the JSON,
PDF and XLSX carry), and its download links return the files."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from html import unescape

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.dashboard.conftest import get_html


def _tables(html: str) -> dict[str, list[list[str]]]:
    """Each report table of the page: rows of [label, cell texts...]."""
    out = {}
    for key, body in re.findall(r'<section class="report-table panel" id="t-([\w_]+)".*?<tbody>(.*?)</tbody>', html,
                                re.S):
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            rows.append([unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
        out[key] = rows
    return out


async def test_the_page_shows_the_reports_figures(supervisor, august):
    html = await get_html(supervisor, "/console/reports/monthly", {"month": "2024-08"})
    data = await (await supervisor.get("/api/v1/stats/report", params={"month": "2024-08"})).json()
    assert "Statistik icmal — AYLIQ" in html and "01.08.24 – 31.08.24" in html and "2024, avqust" in html
    assert [t["key"] for t in data["tables"]] == list(_tables(html))
    for table in data["tables"]:
        expected = [[row["label"], *[c["text"] for c in row["cells"]]] for row in table["rows"]]
        assert _tables(html)[table["key"]] == expected, table["key"]
    titles = [unescape(t) for t in re.findall(r'<section class="report-table panel"[^>]*>\s*<h2>(.*?)</h2>', html)]
    assert titles == [t["title"] for t in data["tables"]]
    headlines = re.findall(r'<div class="value">([^<]+)</div>', html)
    # calls offered, answered, registered; call satisfaction (post-call survey), chat satisfaction
    assert headlines == [h["value"]["text"] for h in data["headlines"]] == ["9", "5", "4", "60,00 %", "66,67 %"]
    # Call satisfaction as DOST reports it: this month, the same month last year, cumulative
    # (since August 2023: 4, July's 1, and August's 5 3 4 2 5 -> 4 of 7 rated 4-5).
    csat = dict((r[0], r[1:]) for r in _tables(html)["csat"])
    assert csat["Zəng mərkəzi üzrə vətəndaş məmnunluğu (4-5 bal)"] == ["60,00 %", "100,00 %", "57,14 %"]
    assert csat["Məmnunluq sorğusunda qiymət verən vətəndaşlar (zəng)"] == ["5", "1", "7"]
    assert csat["Orta bal (zəng, 1-5)"] == ["3,80", "4,00", "3,43"]
    assert csat["Çat üzrə məmnunluq (4-5 bal)"] == ["66,67 %", "—", "66,67 %"]
    # The figures a supervisor checks first (tests/stats works them out by hand).
    calls = dict((r[0], r[1:]) for r in _tables(html)["calls"])
    assert calls["Daxil olmuş zəng sayı"][:3] == ["9", "2", "+7"]  # this August, last August, the change
    assert calls["Cavablandırma faizi"][0] == "55,56 %"


async def test_downloads_are_the_same_report(supervisor, august):
    html = await get_html(supervisor, "/console/reports/monthly", {"month": "2024-08"})
    links = {fmt: unescape(href) for href, fmt in re.findall(r'<a class="button small" href="([^"]+)" '
                                                             r'data-format="(\w+)"', html)}
    assert set(links) == {"pdf", "xlsx", "csv"}
    pdf = await supervisor.get(links["pdf"])
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert 'filename="statistik-icmal-2024-08.pdf"' in pdf.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(await pdf.read())).pages)
    assert "Statistik icmal" in text and "Daxil olmuş zəng sayı" in text
    xlsx = await supervisor.get(links["xlsx"])
    assert xlsx.status == 200
    sheet = load_workbook(io.BytesIO(await xlsx.read()))["İcmal"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Daxil olmuş zəng sayı"] == 9 and values["Cavablandırılan zəng sayı"] == 5
    csv = await supervisor.get(links["csv"])
    assert "icmal.csv" in zipfile.ZipFile(io.BytesIO(await csv.read())).namelist()


async def test_month_picker(supervisor, dash_settings):
    html = await get_html(supervisor, "/console/reports/monthly", {"month": "2024-03"})
    assert 'id="report-month" name="month" value="2024-03"' in html
    assert 'href="/console/reports/monthly?month=2024-02" rel="prev"' in html
    assert 'href="/console/reports/monthly?month=2024-04" rel="next"' in html
    this_month = datetime.now(dash_settings.tz).strftime("%Y-%m")
    assert f'value="{this_month}"' in await get_html(supervisor, "/console/reports/monthly")
    bad = await get_html(supervisor, "/console/reports/monthly", {"month": "2024-13"}, status=422)
    assert "Ayı İİİİ-AA formatında seçin" in bad and 'class="headline"' not in bad
