"""A list's export as an HTTP download: masked, neutralised, audited, streamed.

    columns = (Column("id"), Column("telefon", PHONE), Column("vətəndaş", NAME), ...)
    options = export_options(request.query, may_unmask=supervises(user))   # ExportError -> 422
    await audit_export(sessionmaker, actor, address, "registrations", filters, options)
    return await export_response(request, "qeydiyyatlar", "Qeydiyyatlar", columns, batches, options)

`batches` is an async iterator of row lists read from a server-side cursor
(the list's own query without its page), so the first bytes leave after the
first batch and memory stays flat however long the list. Each batch is
masked and encoded in a worker thread (the event loop keeps serving). The
audit entry (`export`: the list, its filter, the format, unmasked or not and
the reason) is written before the first byte: no trace, no file.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contact_center.audit import Actor, record_read
from contact_center.exports.csvfile import CsvStream
from contact_center.exports.xlsx import XlsxStream
from contact_center.privacy.access import mask_numbers_in_text, show_name, show_phone

log = logging.getLogger(__name__)

PHONE = "phone"
NAME = "name"
TEXT = "text"  # free text a citizen or agent typed: numbers in it are masked
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_REASON = 500
MIN_REASON = 10


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    personal: str | None = None  # PHONE | NAME | TEXT


@dataclass(frozen=True, slots=True)
class ExportRequest:
    fmt: str  # csv | xlsx
    unmasked: bool = False
    reason: str | None = None


class ExportError(ValueError):
    """A bad export request; `message` is Azerbaijani, `field` names the parameter."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def export_options(query: Mapping[str, str], *, may_unmask: bool) -> ExportRequest:
    """`format=csv|xlsx`; `unmasked=1` with `reason` (supervisors only)."""
    fmt = (query.get("format") or "").strip()
    if fmt not in FORMATS:
        raise ExportError("Formatı seçin: csv və ya xlsx.", "format")
    if query.get("unmasked") not in (None, "", "0"):
        if not may_unmask:
            raise ExportError("Tam nömrələrlə ixrac yalnız supervayzerə açıqdır.", "unmasked")
        reason = " ".join((query.get("reason") or "").split())
        if len(reason) < MIN_REASON:
            raise ExportError(f"Tam nömrələrlə ixracın səbəbini yazın (ən azı {MIN_REASON} simvol).", "reason")
        return ExportRequest(fmt, True, reason[:MAX_REASON])
    return ExportRequest(fmt)


def masked_row(row: Sequence[Any], columns: Sequence[Column], reveal: bool) -> list[Any]:
    """The row as the viewer may see it: personal cells masked unless `reveal`."""
    out = []
    for value, col in zip(row, columns, strict=True):
        if col.personal == PHONE:
            value = show_phone(value, reveal) if value else None
        elif col.personal == NAME:
            value = show_name(value, reveal) if value else None
        elif col.personal == TEXT and not reveal and isinstance(value, str):
            value = mask_numbers_in_text(value)
        out.append(value)
    return out


async def audit_export(
    sessionmaker: async_sessionmaker[AsyncSession], actor: Actor, address: str | None, list_name: str,
    filters: Mapping[str, Any], options: ExportRequest,
) -> None:
    details: dict[str, Any] = {"list": list_name, "format": options.fmt, "unmasked": options.unmasked,
                               "filter": {k: v for k, v in filters.items() if v not in (None, "")}}
    if options.reason:
        details["reason"] = options.reason
    await record_read(sessionmaker, actor, "export", object_type=list_name, details=details, address=address)


class _Encoder:
    """The format's encoder behind one interface (runs in a worker thread)."""

    def __init__(self, fmt: str, title: str, columns: Sequence[Column], reveal: bool) -> None:
        self.columns = columns
        self.reveal = reveal
        self.xlsx = XlsxStream() if fmt == "xlsx" else None
        self.csv = CsvStream() if fmt == "csv" else None
        self.title = title

    def start(self) -> bytes:
        headers = [c.header for c in self.columns]
        if self.xlsx is not None:
            return self.xlsx.sheet(self.title, [max(10, min(40, len(h) + 4)) for h in headers]) + self.xlsx.rows(
                [headers])
        assert self.csv is not None
        return self.csv.header(headers)

    def batch(self, rows: Sequence[Sequence[Any]]) -> bytes:
        shown = [masked_row(r, self.columns, self.reveal) for r in rows]
        return self.xlsx.rows(shown) if self.xlsx is not None else self.csv.rows(shown)  # type: ignore[union-attr]

    def finish(self) -> bytes:
        return self.xlsx.close() if self.xlsx is not None else b""


async def export_response(
    request: web.Request, filename: str, title: str, columns: Sequence[Column],
    batches: AsyncIterator[Sequence[Sequence[Any]]], options: ExportRequest,
) -> web.StreamResponse:
    """Stream the rows as options.fmt; the response starts with the first batch."""
    encoder = _Encoder(options.fmt, title, columns, options.unmasked)
    name = f"{filename}.{options.fmt}"
    response = web.StreamResponse(headers={
        "Content-Type": FORMATS[options.fmt],
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })
    await response.prepare(request)
    await response.write(await asyncio.to_thread(encoder.start))
    rows = 0
    async for batch in batches:
        rows += len(batch)
        chunk = await asyncio.to_thread(encoder.batch, batch)
        if chunk:
            await response.write(chunk)
    await response.write(await asyncio.to_thread(encoder.finish))
    await response.write_eof()
    log.info("export %s: %d rows (%s%s)", filename, rows, options.fmt, ", unmasked" if options.unmasked else "")
    return response


BATCH = 2000


async def row_batches(
    sessionmaker: Callable[[], AbstractAsyncContextManager[AsyncSession]], statement: Any, size: int = BATCH
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The statement's rows in lists of `size`, from a server-side cursor (`sessionmaker`:
    the primary's, or the read replica's `ReadDatabase.session`)."""
    async with sessionmaker() as session:
        result = await session.stream(statement.execution_options(yield_per=size))
        async for part in result.partitions(size):
            yield [tuple(r) for r in part]
