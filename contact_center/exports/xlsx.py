"""XLSX written as it goes: a zip of SpreadsheetML parts on an unseekable sink.

openpyxl's write-only mode keeps memory flat but writes the archive only at
`save()`, after the last row; here every batch of rows is compressed into the
sheet's zip member at once and can be sent. Cells are typed: numbers and
booleans as such, text as inline strings (never a formula; neutralised too,
contact_center.exports.cells). A few styles: bold, and the report's number
formats. Sheets are written one after another; the workbook part that names
them comes last.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from contact_center.exports.cells import neutralise, xml_text
from contact_center.exports.sink import Chunks

# Number formats the report uses (name -> Excel format code).
NUMBER_FORMATS = {"rate": "0.00%", "rate_change": "+0.00%;-0.00%", "seconds": "0.0", "count": "#,##0",
                  "change": "+#,##0;-#,##0", "mean": "0.00", "mean_change": "+0.00;-0.00"}
_FORMAT_IDS = {name: 164 + i for i, name in enumerate(NUMBER_FORMATS)}
# cellXfs: 0 plain, 1 bold, then each number format plain and bold.
_STYLE_INDEX: dict[tuple[str | None, bool], int] = {(None, False): 0, (None, True): 1}
for _i, _name in enumerate(NUMBER_FORMATS):
    _STYLE_INDEX[(_name, False)] = 2 + 2 * _i
    _STYLE_INDEX[(_name, True)] = 3 + 2 * _i


@dataclass(frozen=True, slots=True)
class Cell:
    """A value with a style (a plain value in a row is a plain cell)."""

    value: Any
    number_format: str | None = None  # a key of NUMBER_FORMATS
    bold: bool = False


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _cell_xml(ref: str, cell: Any) -> str:
    style = 0
    if isinstance(cell, Cell):
        style = _STYLE_INDEX[(cell.number_format if cell.number_format in NUMBER_FORMATS else None, cell.bold)]
        value = cell.value
    else:
        value = cell
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities: no number
            return f'<c r="{ref}"{s}/>' if style else ""
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, datetime | date):
        value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    text = escape(xml_text(str(neutralise(value))))
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class XlsxStream:
    """`sheet(title)`, then `rows(...)` (returns the bytes ready to send), then `close()`."""

    def __init__(self) -> None:
        self._out = Chunks()
        self._zip = zipfile.ZipFile(self._out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5)
        self._sheets: list[str] = []
        self._member: IO[bytes] | None = None
        self._row = 0

    def sheet(self, title: str, widths: Sequence[float] = ()) -> bytes:
        """Start the next sheet (the one before is closed); `widths`: of columns A, B, ..."""
        self._end_sheet()
        title = xml_text(title).translate(str.maketrans("", "", "[]:*?/\\"))[:31] or f"Sheet{len(self._sheets) + 1}"
        self._sheets.append(title)
        self._member = self._zip.open(f"xl/worksheets/sheet{len(self._sheets)}.xml", "w", force_zip64=True)
        self._row = 0
        head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        if widths:
            head += "<cols>" + "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths)
            ) + "</cols>"
        self._member.write((head + "<sheetData>").encode())
        return self._out.take()

    def rows(self, rows: Iterable[Sequence[Any]]) -> bytes:
        if self._member is None:
            raise RuntimeError("call sheet() before rows()")
        parts = []
        for row in rows:
            self._row += 1
            r = self._row
            cells = "".join(_cell_xml(f"{_column_name(i)}{r}", v) for i, v in enumerate(row))
            parts.append(f'<row r="{r}">{cells}</row>' if cells else f'<row r="{r}"/>')
        self._member.write("".join(parts).encode())
        return self._out.take()

    def close(self) -> bytes:
        self._end_sheet()
        if not self._sheets:
            self.sheet("Sheet1")
            self._end_sheet()
        z = self._zip
        n = len(self._sheets)
        z.writestr("[Content_Types].xml", _content_types(n))
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _workbook(self._sheets))
        z.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(n))
        z.writestr("xl/styles.xml", _styles())
        z.close()
        return self._out.take()

    def _end_sheet(self) -> None:
        if self._member is not None:
            self._member.write(b"</sheetData></worksheet>")
            self._member.close()
            self._member = None


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def _content_types(n: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook(titles: list[str]) -> str:
    sheets = "".join(f'<sheet name={quoteattr(t)} sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(titles, 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
            f'xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>')


def _workbook_rels(n: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, n + 1))
    rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')


def _styles() -> str:
    fmts = "".join(f'<numFmt numFmtId="{_FORMAT_IDS[k]}" formatCode={quoteattr(v)}/>' for k, v in NUMBER_FORMATS.items())
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>']
    for name in NUMBER_FORMATS:
        for bold in (False, True):
            font = ' applyFont="1"' if bold else ""
            xfs.append(f'<xf numFmtId="{_FORMAT_IDS[name]}" fontId="{int(bold)}" fillId="0" borderId="0" xfId="0" '
                       f'applyNumberFormat="1"{font}/>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
        f'<numFmts count="{len(NUMBER_FORMATS)}">{fmts}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
