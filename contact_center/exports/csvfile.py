"""CSV written as it goes: UTF-8 with a BOM (Excel then reads ə, ğ, ı, ş), every
text cell neutralised (contact_center.exports.cells). `CsvZipStream` puts
several CSV files in one zip (the monthly report), streamed the same way."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any

from contact_center.exports.cells import neutralise
from contact_center.exports.sink import Chunks

BOM = "\ufeff"


def _plain(value: Any) -> Any:
    return "" if value is None else neutralise(value)


class CsvStream:
    """`header(...)` then `rows(...)`: each returns the encoded bytes to send."""

    def __init__(self) -> None:
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf)
        self._started = False

    def _take(self) -> bytes:
        text = self._buf.getvalue()
        self._buf.seek(0)
        self._buf.truncate()
        if not self._started:
            self._started = True
            text = BOM + text
        return text.encode("utf-8")

    def header(self, names: Sequence[str]) -> bytes:
        self._writer.writerow([_plain(n) for n in names])
        return self._take()

    def rows(self, rows: Iterable[Sequence[Any]]) -> bytes:
        self._writer.writerows([_plain(v) for v in row] for row in rows)
        return self._take()


class CsvZipStream:
    """A zip of CSV files: `file(name, header)`, `rows(...)`, ..., `close()`."""

    def __init__(self) -> None:
        self._out = Chunks()
        self._zip = zipfile.ZipFile(self._out, "w", compression=zipfile.ZIP_DEFLATED)
        self._member: IO[bytes] | None = None
        self._csv = CsvStream()

    def file(self, name: str, header: Sequence[str]) -> bytes:
        self._end()
        self._member = self._zip.open(name, "w", force_zip64=True)
        self._csv = CsvStream()
        self._member.write(self._csv.header(header))
        return self._out.take()

    def rows(self, rows: Iterable[Sequence[Any]]) -> bytes:
        if self._member is None:
            raise RuntimeError("call file() before rows()")
        self._member.write(self._csv.rows(rows))
        return self._out.take()

    def close(self) -> bytes:
        self._end()
        self._zip.close()
        return self._out.take()

    def _end(self) -> None:
        if self._member is not None:
            self._member.close()
            self._member = None
