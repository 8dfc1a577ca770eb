"""The citizen's request as a readable Azerbaijani PDF (reportlab, DejaVu Sans):
what contact_center.privacy.citizen.collect() found about one number, in full
(the citizen is entitled to their own data)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contact_center.exports.fonts import dejavu_fonts
from contact_center.privacy.access import format_phone

ACCENT = colors.HexColor("#0b5394")


def _t(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "bəli" if value else "xeyr"
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":  # ISO time: date and minute
        text = text[:16].replace("T", " ")
    return escape(text)


def render_citizen_pdf(data: dict[str, Any], font_dir: Path | None = None) -> bytes:
    regular, bold = dejavu_fonts(font_dir)
    title = ParagraphStyle("t", fontName=bold, fontSize=16, leading=20, textColor=ACCENT)
    h2 = ParagraphStyle("h", fontName=bold, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4, textColor=ACCENT)
    body = ParagraphStyle("b", fontName=regular, fontSize=9, leading=12)
    cell = ParagraphStyle("c", fontName=regular, fontSize=8, leading=10)
    story: list[Any] = [
        Paragraph("Çağrı mərkəzi 142 — vətəndaş haqqında saxlanılan məlumatlar", title),
        Paragraph(f"Telefon nömrəsi: <b>{escape(format_phone(data['phone']))}</b> · hazırlanıb: {_t(data['generated_at'])}",
                  body),
        Paragraph("Bu sənəddə DOST agentliyinin 142 çağrı mərkəzinin bu nömrə ilə bağlı saxladığı bütün qeydlər var: "
                  "zənglər, qeydiyyatlar, geri zəng sorğuları, bu nömrənin verildiyi söhbətlər və məmnunluq "
                  "qiymətləri. «[silinib]» saxlama müddəti bitdiyi üçün silinmiş mətndir.", body),
    ]

    def table(head: list[str], rows: list[list[Any]], widths: list[float]) -> None:
        if not rows:
            story.append(Paragraph("Qeyd yoxdur.", body))
            return
        t = Table([[Paragraph(escape(h), cell) for h in head]] + [[Paragraph(_t(v), cell) for v in r] for r in rows],
                  colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3fa")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(t)

    story.append(Paragraph(f"Zənglər ({len(data['calls'])})", h2))
    table(["№", "Vaxt", "Növbə", "Vəziyyət", "Gözləmə, san", "Danışıq, san"],
          [[c["id"], c["enqueued_at"], c["queue"], c["status"], c["wait_seconds"] and round(c["wait_seconds"]),
            c["talk_seconds"] and round(c["talk_seconds"])] for c in data["calls"]], [14, 36, 20, 30, 25, 25])
    story.append(Paragraph(f"Qeydiyyatlar ({len(data['registrations'])})", h2))
    table(["№", "Vaxt", "Ad", "İstiqamət", "Rayon", "Nəticə", "Qeyd"],
          [[r["id"], r["occurred_at"], r["citizen_name"], r["direction"], r["district"], r["outcome"], r["note"]]
           for r in data["registrations"]], [12, 28, 25, 25, 25, 25, 40])
    story.append(Paragraph(f"Geri zəng sorğuları ({len(data['callbacks'])})", h2))
    table(["№", "Vaxt", "Ad", "Mənbə", "Vəziyyət", "Cəhdlər", "Qeyd"],
          [[b["id"], b["created_at"], b["citizen_name"], b["source"], b["status"], b["attempts"], b["note"]]
           for b in data["callbacks"]], [12, 28, 25, 20, 22, 16, 57])
    story.append(Paragraph(f"Söhbətlər ({len(data['conversations'])})", h2))
    for v in data["conversations"]:
        story.append(Paragraph(f"Söhbət № {v['id']} · {_t(v['channel'])} · başlayıb {_t(v['created_at'])} · "
                               f"məmnunluq: {_t(v['csat_score'])}", body))
        table(["Vaxt", "Kim", "Mətn"], [[m["created_at"], m["sender"], m["text"]] for m in v["messages"]],
              [28, 20, 132])
        story.append(Spacer(1, 4))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                      bottomMargin=14 * mm, title="142: vətəndaşın məlumatları").build(story)
    return buf.getvalue()
