"""What a spreadsheet cell may hold.

OWASP's CSV-injection rule: a text cell starting with `=`, `+`, `-`, `@`, a
tab or a carriage return is what Excel, LibreOffice and Sheets treat as a
formula (or the start of one); such a cell gets a leading `'`, which every
spreadsheet shows as text. Numbers stay numbers. Applied to every text cell
of CSV and XLSX alike, whoever typed it.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 cannot carry these control characters (openpyxl refuses them too).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(value: Any) -> Any:
    """The cell's value, safe to open: formula-like text prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xml_text(value: str) -> str:
    """Text without the characters XML 1.0 forbids (replaced by U+FFFD)."""
    return _ILLEGAL_XML.sub("\ufffd", value)
