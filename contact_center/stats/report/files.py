"""The overview as files: PDF, XLSX (several sheets) and CSV (a zip).

XLSX sheets: "İcmal" (every table of the report), "Gün üzrə" (calls by day),
"Qeydiyyata alınmış zənglər" and "Söhbətlər" (one row per record).
CSV: a zip of icmal.csv (one line per figure: table, row, column, value,
kind; rates as fractions, times in seconds), gun_uzre.csv,
registered_calls.csv and conversations.csv (UTF-8 with a BOM, so Excel
reads the Azerbaijani letters).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import IO

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.config import Settings
from contact_center.stats.db import read_snapshot
from contact_center.stats.report import records
from contact_center.stats.report.model import MonthlyReport, build_report
from contact_center.stats.report.pdf import render_pdf

EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "csv": "zip"}
CONTENT_TYPES = {"pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "application/zip"}
XLSX_FORMATS = {"rate": "0.00%", "rate_change": "+0.00%;-0.00%", "seconds": "0.0", "count": "#,##0",
                "change": "+#,##0;-#,##0"}


def default_name(month: date, fmt: str) -> str:
    return f"statistik-icmal-{month:%Y-%m}.{EXTENSIONS[fmt]}"


def _day_rows(report: MonthlyReport) -> list[tuple]:
    return [(d["date"], d["offered"], d["answered"], d["abandoned"], d["registered"])
            for d in report.monthly["calls"]["by_day"]]


DAY_HEADERS = ("tarix", "daxil_olan", "cavablandırılan", "cavablandırılmayan", "qeydiyyata_alınan")


async def write_xlsx(conn: asyncpg.Connection, report: MonthlyReport, settings: Settings, out: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("İcmal")
    bold = Font(bold=True)

    def text(value: str, strong: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        if strong:
            c.font = bold
        return c

    ws.column_dimensions["A"].width = 58
    for col in "BCDEF":
        ws.column_dimensions[col].width = 18
    ws.append([text(f"Çağrı mərkəzi 142 — {report.title}", True)])
    ws.append([f"{report.period_label}; kumulyativ {report.cumulative_from:%d.%m.%Y} – {report.period_to:%d.%m.%Y}"])
    for table in report.tables:
        ws.append([])
        ws.append([text(table.title, True)])
        ws.append([text(h, True) for h in table.headers])
        for row in table.rows:
            cells = [text(row.label, row.emphasis)]
            for cell in row.cells:
                c = WriteOnlyCell(ws, value=cell.value)
                c.number_format = XLSX_FORMATS.get(cell.kind, "General")
                if row.emphasis:
                    c.font = bold
                cells.append(c)
            ws.append(cells)
        if table.note:
            ws.append([table.note])
    days = wb.create_sheet("Gün üzrə")
    days.append(list(DAY_HEADERS))
    for r in _day_rows(report):
        days.append(list(r))
    for rs in records.RECORD_SETS:
        sheet = wb.create_sheet(rs.title[:31])
        sheet.append(list(rs.headers))
        async for row in records.stream(conn, rs, settings.tz, report.month):
            sheet.append(list(row))
    wb.save(out)


async def write_csv_zip(conn: asyncpg.Connection, report: MonthlyReport, settings: Settings, out: IO[bytes]) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("icmal.csv", "w") as raw:
            fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            w = csv.writer(fh)
            w.writerow(["cədvəl", "cədvəl_adı", "sətir", "sütun", "dəyər", "növ"])
            for table in report.tables:
                for row in table.rows:
                    for header, cell in zip(table.headers[1:], row.cells):
                        w.writerow([table.key, table.title, row.label, header,
                                    "" if cell.value is None else cell.value, cell.kind])
            fh.flush()
            fh.detach()
        with zf.open("gun_uzre.csv", "w") as raw:
            fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            w = csv.writer(fh)
            w.writerow(DAY_HEADERS)
            w.writerows(_day_rows(report))
            fh.flush()
            fh.detach()
        for rs in records.RECORD_SETS:
            with zf.open(f"{rs.key}.csv", "w") as raw:
                fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                w = csv.writer(fh)
                w.writerow(rs.headers)
                async for row in records.stream(conn, rs, settings.tz, report.month):
                    w.writerow(["" if v is None else v for v in row])
                fh.flush()
                fh.detach()


async def render(conn: asyncpg.Connection, settings: Settings, month: date, fmt: str, out: IO[bytes]) -> MonthlyReport:
    """Build the report and write it as `fmt` to `out` (conn: in read_snapshot)."""
    report = await build_report(conn, settings, month)
    if fmt == "pdf":
        out.write(render_pdf(report, settings.font_dir))
    elif fmt == "xlsx":
        await write_xlsx(conn, report, settings, out)
    elif fmt == "csv":
        await write_csv_zip(conn, report, settings, out)
    else:
        raise ValueError(f"format must be pdf, xlsx or csv, got {fmt!r}")
    return report


async def write_report(engine: AsyncEngine, settings: Settings, month: date, fmt: str, out: str | None) -> Path:
    path = Path(out or default_name(month, fmt))
    tmp = path.with_name(path.name + ".part")
    try:
        async with read_snapshot(engine) as conn:
            with tmp.open("wb") as fh:
                await render(conn, settings, month, fmt, fh)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)  # a reader never sees half a file
    return path
