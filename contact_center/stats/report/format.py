"""How a report cell reads (Azerbaijani conventions: 1 044 072; 98,74 %)."""

from __future__ import annotations

from contact_center.stats.report.model import Cell

DASH = "—"


def count(v: float) -> str:
    return f"{int(round(v)):,}".replace(",", " ")


def fmt(cell: Cell) -> str:
    v = cell.value
    if v is None:
        return DASH
    if cell.kind == "count":
        return count(v)
    if cell.kind == "change":
        return ("+" if v > 0 else "−" if v < 0 else "±") + count(abs(v))
    if cell.kind == "rate":
        return f"{v * 100:.2f} %".replace(".", ",")
    if cell.kind == "rate_change":
        sign = "+" if v > 0 else "−" if v < 0 else "±"
        return sign + f"{abs(v) * 100:.2f}".replace(".", ",") + " f.b."
    if cell.kind == "seconds":
        sign = "−" if v < 0 else ""
        v = abs(v)
        if v < 60:
            return sign + f"{v:.1f} san".replace(".", ",")
        minutes, seconds = divmod(int(round(v)), 60)
        return sign + f"{minutes} dəq {seconds:02d} san"
    return str(v)
