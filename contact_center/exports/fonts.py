"""DejaVu Sans for the PDFs (the monthly report, the citizen's request): the 14
standard PDF fonts have no ə, ğ, ı."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
             "/usr/local/share/fonts")


@cache
def dejavu_fonts(font_dir: Path | None) -> tuple[str, str]:
    """(regular, bold) font names, registered with reportlab; `font_dir` (CC142_FONT_DIR) first."""
    for d in [*([font_dir] if font_dir else []), *FONT_DIRS]:
        regular, bold = Path(d) / "DejaVuSans.ttf", Path(d) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    raise RuntimeError("DejaVu Sans not found (Debian: apt-get install fonts-dejavu-core, or set CC142_FONT_DIR)")
