"""The overview as a PDF (reportlab), in DejaVu Sans so ə, ğ, ı, ş, ç, ö, ü render."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contact_center.exports.fonts import dejavu_fonts
from contact_center.stats.report.format import fmt
from contact_center.stats.report.model import MonthlyReport

ACCENT = colors.HexColor("#0b5394")


def render_pdf(report: MonthlyReport, font_dir: Path | None = None) -> bytes:
    """`font_dir`: CC142_FONT_DIR (Settings.font_dir), looked in before the system's font folders."""
    regular, bold = dejavu_fonts(font_dir)
    title = ParagraphStyle("title", fontName=bold, fontSize=17, leading=21, textColor=ACCENT)
    sub = ParagraphStyle("sub", fontName=regular, fontSize=9.5, leading=13, textColor=colors.HexColor("#444444"))
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4, textColor=ACCENT)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5, alignment=TA_LEFT)
    cell_b = ParagraphStyle("cellb", parent=cell, fontName=bold)
    note = ParagraphStyle("note", fontName=regular, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#555555"))

    story: list = [
        Paragraph(f"Çağrı mərkəzi 142 — {report.title}", title),
        Paragraph(f"{report.period_label} ({report.month_label}) · kumulyativ: "
                  f"{report.cumulative_from:%d.%m.%Y} – {report.period_to:%d.%m.%Y} · vaxt zonası {report.timezone}",
                  sub),
        Spacer(1, 6),
    ]
    heads = [[Paragraph(h.label, cell) for h in report.headlines],
             [Paragraph(f"<font size=14>{fmt(h.value)}</font>" + (f"<br/>{fmt(h.rate)}" if h.rate else ""), cell_b)
              for h in report.headlines]]
    # the headlines share the page width (A4 less the margins)
    t = Table(heads, colWidths=[(A4[0] - 30 * mm) / len(report.headlines)] * len(report.headlines))
    t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, ACCENT), ("INNERGRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3fa")), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [t, Spacer(1, 4)]
    width = A4[0] - 30 * mm
    for table in report.tables:
        n = len(table.headers)
        label_w = width * (0.40 if n >= 5 else 0.55)
        col_w = (width - label_w) / (n - 1)
        data = [[Paragraph(h, cell_b) for h in table.headers]]
        for row in table.rows:
            style = cell_b if row.emphasis else cell
            data.append([Paragraph(row.label, style)] + [Paragraph(fmt(c), style) for c in row.cells])
        tbl = Table(data, colWidths=[label_w] + [col_w] * (n - 1), repeatRows=1)
        tbl.setStyle(TableStyle([
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f8fb")]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))
        block = [Paragraph(table.title, h2), tbl]
        if table.note:
            block.append(Paragraph(table.note, note))
        story.append(KeepTogether(block) if len(table.rows) < 25 else block[0])
        if len(table.rows) >= 25:
            story += block[1:]
    story += [Spacer(1, 8), Paragraph(
        f"Hazırlanıb: {report.generated_at:%d.%m.%Y %H:%M}. Faizlər daxil olan zənglərə (qeydiyyat: daxil olanlara; "
        "Bakı/regionlar: qeydiyyata alınmış zənglərə) görə; gözləmə müddətləri saniyə dəqiqliyi ilə.", note)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=f"{report.title} {report.period_label}",
                            author="Çağrı mərkəzi 142")

    def footer(canvas, doc_) -> None:  # noqa: ANN001 - reportlab callback
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"{report.title} · {report.period_label} · səh. {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
