"""The one export writer: every list export and the monthly report's files.

- `cells`: OWASP's rule for spreadsheet cells (a text starting with = + - @
  TAB or CR is prefixed with a quote, so citizen input never becomes a
  formula) and the characters XML cannot carry;
- `xlsx`, `csv`: encoders that turn rows into bytes as they come (XLSX as a
  zip written to an unseekable sink, sheet by sheet), so nothing waits for
  the last row; the CPU work runs off the event loop (`stream.encode`);
- `stream`: a list's rows, masked per the access policy
  (contact_center.privacy.access) unless a supervisor gave a reason, written
  to an aiohttp streaming response; the export is audited with its filter
  before the first byte leaves.
"""

from contact_center.exports.cells import neutralise
from contact_center.exports.stream import (
    NAME,
    PHONE,
    TEXT,
    Column,
    ExportError,
    ExportRequest,
    audit_export,
    export_options,
    export_response,
    masked_row,
    row_batches,
)

__all__ = [
    "NAME", "PHONE", "TEXT", "Column", "ExportError", "ExportRequest", "audit_export", "export_options",
    "export_response", "masked_row", "neutralise", "row_batches",
]
