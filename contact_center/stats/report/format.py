"""How a report reads: each cell (Azerbaijani conventions: 1 044 072; 98,74 %),
and the whole report as JSON with every cell's printed text."""

from __future__ import annotations

from typing import Any

from contact_center.stats.report.model import Cell, MonthlyReport

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
    if cell.kind == "mean":  # an average rating 1..5
        return f"{v:.2f}".replace(".", ",")
    if cell.kind == "mean_change":
        return ("+" if v > 0 else "−" if v < 0 else "±") + f"{abs(v):.2f}".replace(".", ",")
    if cell.kind == "seconds":
        sign = "−" if v < 0 else ""
        v = abs(v)
        if v < 60:
            return sign + f"{v:.1f} san".replace(".", ",")
        minutes, seconds = divmod(int(round(v)), 60)
        return sign + f"{minutes} dəq {seconds:02d} san"
    return str(v)


def report_json(report: MonthlyReport) -> dict[str, Any]:
    """The report as JSON: each cell with its value, kind and formatted text."""

    def cell(c: Cell) -> dict[str, Any]:
        return {"value": c.value, "kind": c.kind, "text": fmt(c)}

    return {
        "title": report.title,
        "month": f"{report.month:%Y-%m}",
        "period": {"from": report.period_from.isoformat(), "to": report.period_to.isoformat(),
                   "label": report.period_label, "month_label": report.month_label},
        "cumulative_from": report.cumulative_from.isoformat(),
        "timezone": report.timezone,
        "generated_at": report.generated_at.isoformat(),
        "headlines": [{"label": h.label, "value": cell(h.value), "rate": cell(h.rate) if h.rate else None}
                      for h in report.headlines],
        "tables": [{"key": t.key, "title": t.title, "headers": list(t.headers), "note": t.note,
                    "rows": [{"label": r.label, "emphasis": r.emphasis, "cells": [cell(c) for c in r.cells]}
                             for r in t.rows]}
                   for t in report.tables],
    }
