"""The overview as files: PDF, XLSX (several sheets) and CSV (a zip), written by
the one export writer (contact_center.exports: formula-like text neutralised,
the citizen's number, name and notes masked, streamed as it is made).

XLSX sheets: "İcmal" (every table of the report), "Gün üzrə" (calls by day),
"Qeydiyyata alınmış zənglər" and "Söhbətlər" (one row per record).
CSV: a zip of icmal.csv (one line per figure: table, row, column, value,
kind; rates as fractions, times in seconds), gun_uzre.csv,
registered_calls.csv and conversations.csv (UTF-8 with a BOM, so Excel
reads the Azerbaijani letters).

`chunks()` yields the file's bytes as they are made; the encoding runs in a
worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import IO, Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from contact_center.config import Settings
from contact_center.exports import masked_row
from contact_center.exports.csvfile import CsvZipStream
from contact_center.exports.xlsx import Cell, XlsxStream
from contact_center.stats.db import read_snapshot
from contact_center.stats.report import records
from contact_center.stats.report.model import MonthlyReport, build_report
from contact_center.stats.report.pdf import render_pdf

EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "csv": "zip"}
CONTENT_TYPES = {"pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "application/zip"}
BATCH = 2000


def default_name(month: date, fmt: str) -> str:
    return f"statistik-icmal-{month:%Y-%m}.{EXTENSIONS[fmt]}"


def _day_rows(report: MonthlyReport) -> list[tuple]:
    return [(d["date"], d["offered"], d["answered"], d["abandoned"], d["registered"])
            for d in report.monthly["calls"]["by_day"]]


DAY_HEADERS = ("tarix", "daxil_olan", "cavablandırılan", "cavablandırılmayan", "qeydiyyata_alınan")


def _summary_rows(report: MonthlyReport) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [Cell(f"Çağrı mərkəzi 142 — {report.title}", bold=True)],
        [f"{report.period_label}; kumulyativ {report.cumulative_from:%d.%m.%Y} – {report.period_to:%d.%m.%Y}"],
    ]
    for table in report.tables:
        rows += [[], [Cell(table.title, bold=True)], [Cell(h, bold=True) for h in table.headers]]
        for row in table.rows:
            rows.append([Cell(row.label, bold=row.emphasis),
                         *(Cell(c.value, c.kind, row.emphasis) for c in row.cells)])
        if table.note:
            rows.append([table.note])
    return rows


async def _record_batches(conn: asyncpg.Connection, rs: records.RecordSet, settings: Settings,
                          month: date) -> AsyncIterator[list[list[Any]]]:
    columns = rs.columns
    batch: list[tuple] = []
    async for row in records.stream(conn, rs, settings.tz, month):
        batch.append(row)
        if len(batch) >= BATCH:
            yield [masked_row(r, columns, False) for r in batch]
            batch = []
    if batch:
        yield [masked_row(r, columns, False) for r in batch]


async def _xlsx(conn: asyncpg.Connection, report: MonthlyReport, settings: Settings) -> AsyncIterator[bytes]:
    wb = XlsxStream()
    yield await asyncio.to_thread(wb.sheet, "İcmal", [58, 18, 18, 18, 18, 18])
    yield await asyncio.to_thread(wb.rows, _summary_rows(report))
    yield wb.sheet("Gün üzrə")
    yield await asyncio.to_thread(wb.rows, [DAY_HEADERS, *_day_rows(report)])
    for rs in records.RECORD_SETS:
        yield wb.sheet(rs.title)
        yield wb.rows([rs.headers])
        async for batch in _record_batches(conn, rs, settings, report.month):
            yield await asyncio.to_thread(wb.rows, batch)
    yield await asyncio.to_thread(wb.close)


async def _csv_zip(conn: asyncpg.Connection, report: MonthlyReport, settings: Settings) -> AsyncIterator[bytes]:
    zf = CsvZipStream()
    yield zf.file("icmal.csv", ["cədvəl", "cədvəl_adı", "sətir", "sütun", "dəyər", "növ"])
    lines = [[table.key, table.title, row.label, header, cell.value, cell.kind]
             for table in report.tables for row in table.rows
             for header, cell in zip(table.headers[1:], row.cells)]
    yield await asyncio.to_thread(zf.rows, lines)
    yield zf.file("gun_uzre.csv", DAY_HEADERS)
    yield await asyncio.to_thread(zf.rows, _day_rows(report))
    for rs in records.RECORD_SETS:
        yield zf.file(f"{rs.key}.csv", rs.headers)
        async for batch in _record_batches(conn, rs, settings, report.month):
            yield await asyncio.to_thread(zf.rows, batch)
    yield await asyncio.to_thread(zf.close)


async def chunks(conn: asyncpg.Connection, report: MonthlyReport, settings: Settings, fmt: str) -> AsyncIterator[bytes]:
    """The report as `fmt`, in pieces as they are made (conn: in read_snapshot)."""
    if fmt == "pdf":
        yield await asyncio.to_thread(render_pdf, report, settings.font_dir)
    elif fmt == "xlsx":
        async for chunk in _xlsx(conn, report, settings):
            yield chunk
    elif fmt == "csv":
        async for chunk in _csv_zip(conn, report, settings):
            yield chunk
    else:
        raise ValueError(f"format must be pdf, xlsx or csv, got {fmt!r}")


async def render(conn: asyncpg.Connection, settings: Settings, month: date, fmt: str, out: IO[bytes]) -> MonthlyReport:
    """Build the report and write it as `fmt` to `out` (conn: in read_snapshot)."""
    if fmt not in EXTENSIONS:
        raise ValueError(f"format must be pdf, xlsx or csv, got {fmt!r}")
    report = await build_report(conn, settings, month)
    async for chunk in chunks(conn, report, settings, fmt):
        out.write(chunk)
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
