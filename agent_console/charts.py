"""Charts as inline SVG, drawn on the server.

No JavaScript and no CDN: a chart is part of the HTML, so it works offline,
prints, and is there before any script runs. Every chart is a <figure> with
a caption, an SVG with role="img" and a <title>/<desc> (what a screen reader
announces), and the same numbers as a table in a <details> below it. Bars,
points and segments link to the records behind them when given an `href`.

Colours are SVG attributes (not CSS) so printing keeps them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from contact_center.stats.report.format import count

W, H = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 14, 14, 40
INK, MUTED, GRID = "#1c2931", "#5b6b75", "#d8dfe3"
FONT = 'font-family="DejaVu Sans, system-ui, sans-serif"'

ValueText = Callable[[float], str]


def count_text(v: float) -> str:
    return count(v)


def percent_text(v: float) -> str:
    return f"{v * 100:.1f} %".replace(".", ",")


@dataclass(frozen=True)
class Series:
    name: str
    color: str


@dataclass(frozen=True)
class Point:
    """One category: a day, an hour, a direction... with one value per series."""

    label: str
    values: tuple[float, ...]
    href: str | None = None
    hint: str | None = None  # the full label (tooltips, the table) when `label` is short


@dataclass(frozen=True)
class Bin:
    """A histogram bin of whole seconds [start, end]; end None = "start and more"."""

    start: int
    end: int | None
    values: tuple[float, ...]
    href: str | None = None

    @property
    def label(self) -> str:
        if self.end is None:
            return f"≥ {self.start} san"
        return f"{self.start} san" if self.start == self.end else f"{self.start}–{self.end} san"


@dataclass(frozen=True)
class Part:
    label: str
    value: float
    color: str
    href: str | None = None


# --- helpers -----------------------------------------------------------------------
def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def nice_max(v: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above v (an axis end)."""
    if v <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * exp >= v - 1e-9:
            return m * exp
    return 10 * exp  # unreachable


def _ticks(top: float, n: int = 4) -> list[float]:
    return [top * i / n for i in range(n + 1)]


def _link(href: str | None, inner: str, label: str) -> str:
    if not href:
        return inner
    return f'<a href="{escape(href)}" aria-label="{escape(label)}">{inner}</a>'


def _figure(key: str, title: str, desc: str, svg_body: str, height: int, table: str, legend: str = "",
            width: int = W) -> Markup:
    tid, did = f"chart-{key}-title", f"chart-{key}-desc"
    return Markup(
        f'<figure class="chart" id="chart-{escape(key)}" data-chart="{escape(key)}">'
        f'<figcaption>{escape(title)}</figcaption>{legend}'
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{tid} {did}" xmlns="http://www.w3.org/2000/svg" {FONT} font-size="11">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
        f"{svg_body}</svg>{table}</figure>"
    )


def _legend(series: Sequence[Series]) -> str:
    if len(series) < 2:
        return ""
    items = "".join(
        f'<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" '
        f'fill="{s.color}"/></svg>{escape(s.name)}</li>'
        for s in series
    )
    return f'<ul class="chart-legend">{items}</ul>'


def _table(headers: Sequence[str], rows: Sequence[tuple[str, str | None, Sequence[str]]]) -> str:
    """rows: (label, href, cells)."""
    head = "".join(f'<th scope="col"{" class=num" if i else ""}>{escape(h)}</th>' for i, h in enumerate(headers))
    body = []
    for label, href, cells in rows:
        first = f'<a href="{escape(href)}">{escape(label)}</a>' if href else escape(label)
        body.append(f'<tr><th scope="row">{first}</th>' + "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
                    + "</tr>")
    return (f'<details class="chart-data"><summary>Cədvəl şəklində</summary><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></details>')


def _y_axis(top: float, plot_h: float, value_text: ValueText, width: int = W) -> str:
    out = []
    for t in _ticks(top):
        y = TOP + plot_h - plot_h * t / top
        out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" stroke="{GRID}" '
                   f'stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{_num(y + 4)}" text-anchor="end" fill="{MUTED}">'
                   f"{escape(value_text(t))}</text>")
    return "".join(out)


def _x_labels(labels: Sequence[str], centers: Sequence[float], plot_bottom: float, max_labels: int = 16) -> str:
    step = max(1, math.ceil(len(labels) / max_labels))
    return "".join(
        f'<text x="{_num(x)}" y="{_num(plot_bottom + 16)}" text-anchor="middle" fill="{MUTED}">{escape(lab)}</text>'
        for i, (lab, x) in enumerate(zip(labels, centers)) if i % step == 0
    )


def _empty(key: str, title: str) -> Markup:
    body = (f'<text x="{W / 2}" y="{60}" text-anchor="middle" fill="{MUTED}" font-size="14">'
            "Seçilmiş dövrdə məlumat yoxdur</text>")
    return _figure(key, title, "Məlumat yoxdur.", body, 110, "")


def _peak_desc(points: Sequence[Point], series: Sequence[Series], value_text: ValueText) -> str:
    totals = [sum(p.values) for p in points]
    best = max(range(len(points)), key=lambda i: totals[i])
    p = points[best]
    names = ", ".join(s.name for s in series)
    return (f"{len(points)} dövr; {names}. Ən yüksək: {p.hint or p.label} — {value_text(totals[best])}. "
            f"Cəmi: {value_text(sum(totals))}.")


# --- charts ---------------------------------------------------------------------------
def column_chart(key: str, title: str, series: Sequence[Series], points: Sequence[Point], *,
                 value_text: ValueText = count_text, height: int = H, width: int = W) -> Markup:
    """Vertical bars, stacked when there are several series."""
    if not points or not any(sum(p.values) for p in points):
        return _empty(key, title)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    top = nice_max(max(sum(p.values) for p in points))
    slot = plot_w / len(points)
    bar_w = max(1.0, slot * 0.72)
    out = [_y_axis(top, plot_h, value_text, width)]
    centers = []
    for i, p in enumerate(points):
        x = LEFT + slot * i + (slot - bar_w) / 2
        centers.append(x + bar_w / 2)
        y = TOP + plot_h
        rects = []
        for s, v in zip(series, p.values):
            if v <= 0:
                continue
            h = plot_h * v / top
            y -= h
            rects.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w)}" height="{_num(h)}" '
                         f'fill="{s.color}"><title>{escape(p.hint or p.label)} · {escape(s.name)}: '
                         f"{escape(value_text(v))}</title></rect>")
        label = f"{p.hint or p.label}: {value_text(sum(p.values))}"
        out.append(_link(p.href, f'<g class="bar">{"".join(rects)}</g>', label))
    out.append(_x_labels([p.label for p in points], centers, TOP + plot_h, max_labels=16 * width // W))
    table = _table(["", *[s.name for s in series]],
                   [(p.hint or p.label, p.href, [value_text(v) for v in p.values]) for p in points])
    return _figure(key, title, _peak_desc(points, series, value_text), "".join(out), height, table,
                   _legend(series), width)


def line_chart(key: str, title: str, series: Sequence[Series], points: Sequence[Point], *,
               value_text: ValueText = count_text, height: int = H) -> Markup:
    """One line per series; each point links to its records."""
    if not points or not any(any(p.values) for p in points):
        return _empty(key, title)
    plot_w, plot_h = W - LEFT - RIGHT, height - TOP - BOTTOM
    top = nice_max(max(max(p.values) for p in points))
    n = len(points)
    step = plot_w / max(1, n - 1) if n > 1 else 0
    xs = [LEFT + (step * i if n > 1 else plot_w / 2) for i in range(n)]
    out = [_y_axis(top, plot_h, value_text)]
    for si, s in enumerate(series):
        coords = [(xs[i], TOP + plot_h - plot_h * p.values[si] / top) for i, p in enumerate(points)]
        out.append(f'<polyline fill="none" stroke="{s.color}" stroke-width="2.2" stroke-linejoin="round" '
                   f'points="{" ".join(f"{_num(x)},{_num(y)}" for x, y in coords)}"/>')
        for (x, y), p in zip(coords, points):
            v = p.values[si]
            dot = (f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.2" fill="{s.color}"><title>'
                   f"{escape(p.hint or p.label)} · {escape(s.name)}: {escape(value_text(v))}</title></circle>")
            out.append(_link(p.href, dot, f"{p.hint or p.label} · {s.name}: {value_text(v)}"))
    out.append(_x_labels([p.label for p in points], xs, TOP + plot_h, max_labels=12))
    table = _table(["", *[s.name for s in series]],
                   [(p.hint or p.label, p.href, [value_text(v) for v in p.values]) for p in points])
    return _figure(key, title, _peak_desc(points, series, value_text), "".join(out), height, table,
                   _legend(series))


def hbar_chart(key: str, title: str, points: Sequence[Point], *, color: str, value_text: ValueText = count_text,
               share_of: float | None = None, label_width: int = 210, width: int = W) -> Markup:
    """Horizontal bars, one per category (first value), with the value (and share) at the end."""
    if not points or not any(p.values[0] for p in points):
        return _empty(key, title)
    row_h = 24
    height = TOP + row_h * len(points) + 8
    bar_left, bar_right = label_width, width - 110
    top = max(p.values[0] for p in points) or 1
    out = []
    for i, p in enumerate(points):
        v = p.values[0]
        y = TOP + row_h * i
        w = (bar_right - bar_left) * v / top
        share = f" ({percent_text(v / share_of)})" if share_of else ""
        text = f"{value_text(v)}{share}"
        label = p.label if len(p.label) <= 30 else p.label[:29] + "…"
        inner = (f'<text x="{bar_left - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">{escape(label)}</text>'
                 f'<rect x="{bar_left}" y="{y + 4}" width="{_num(max(w, 1 if v else 0))}" height="{row_h - 8}" '
                 f'rx="2" fill="{color}"><title>{escape(p.hint or p.label)}: {escape(text)}</title></rect>'
                 f'<text x="{_num(bar_left + w + 6)}" y="{y + 15}" fill="{INK}">{escape(text)}</text>')
        out.append(_link(p.href, f'<g class="bar">{inner}</g>', f"{p.hint or p.label}: {text}"))
    headers = ["", "Say"] + (["Pay"] if share_of else [])
    rows = [(p.hint or p.label, p.href,
             [value_text(p.values[0])] + ([percent_text(p.values[0] / share_of)] if share_of else []))
            for p in points]
    best = max(points, key=lambda p: p.values[0])
    desc = f"{len(points)} sətir. Ən çox: {best.hint or best.label} — {value_text(best.values[0])}."
    return _figure(key, title, desc, "".join(out), height, _table(headers, rows), width=width)


def histogram(key: str, title: str, series: Sequence[Series], bins: Sequence[Bin], *,
              threshold: float | None = None, threshold_label: str = "", height: int = H) -> Markup:
    """Stacked bins on a continuous axis of seconds; `threshold` draws a vertical
    line at that many seconds (the service-level limit)."""
    if not bins or not any(sum(b.values) for b in bins):
        return _empty(key, title)
    plot_w, plot_h = W - LEFT - RIGHT, height - TOP - BOTTOM
    width_s = [(b.end - b.start + 1) if b.end is not None else None for b in bins]
    regular = next((w for w in width_s if w), 1)
    edges = [b.start for b in bins]
    last_end = bins[-1].start + (width_s[-1] or regular)
    span = last_end - edges[0] or 1

    def sx(seconds: float) -> float:
        return LEFT + plot_w * (seconds - edges[0]) / span

    top = nice_max(max(sum(b.values) for b in bins))
    out = [_y_axis(top, plot_h, count_text)]
    for b, w in zip(bins, width_s):
        x0, x1 = sx(b.start), sx(b.start + (w or regular))
        y = TOP + plot_h
        rects = []
        for s, v in zip(series, b.values):
            if v <= 0:
                continue
            h = plot_h * v / top
            y -= h
            rects.append(f'<rect x="{_num(x0 + 0.5)}" y="{_num(y)}" width="{_num(max(0.5, x1 - x0 - 1))}" '
                         f'height="{_num(h)}" fill="{s.color}"><title>{escape(b.label)} · {escape(s.name)}: '
                         f"{count_text(v)}</title></rect>")
        out.append(_link(b.href, f'<g class="bar">{"".join(rects)}</g>', f"{b.label}: {count_text(sum(b.values))}"))
    # x axis: the bin starts, thinned out
    step = max(1, math.ceil(len(bins) / 12))
    for i, b in enumerate(bins):
        if i % step == 0:
            out.append(f'<text x="{_num(sx(b.start))}" y="{_num(TOP + plot_h + 16)}" text-anchor="middle" '
                       f'fill="{MUTED}">{b.start}{"+" if b.end is None else ""}</text>')
    out.append(f'<text x="{W - RIGHT}" y="{height - 6}" text-anchor="end" fill="{MUTED}">saniyə</text>')
    if threshold is not None and edges[0] <= threshold <= last_end:
        x = sx(threshold)
        out.append(f'<g class="threshold"><line x1="{_num(x)}" x2="{_num(x)}" y1="{TOP - 4}" y2="{TOP + plot_h}" '
                   f'stroke="{INK}" stroke-width="2" stroke-dasharray="5 3"/>'
                   f'<text x="{_num(x + 5)}" y="{TOP + 8}" fill="{INK}" font-weight="bold">'
                   f"{escape(threshold_label)}</text></g>")
    table = _table(["Gözləmə", *[s.name for s in series]],
                   [(b.label, b.href, [count_text(v) for v in b.values]) for b in bins])
    total = sum(sum(b.values) for b in bins)
    desc = (f"{len(bins)} interval, cəmi {count_text(total)} zəng."
            + (f" Xətt: {threshold_label}." if threshold is not None else ""))
    return _figure(key, title, desc, "".join(out), height, table, _legend(series))


def share_bar(key: str, title: str, parts: Sequence[Part]) -> Markup:
    """One 100 % bar split into parts (e.g. Bakı / regionlar), with a legend of values and shares."""
    total = sum(p.value for p in parts)
    if total <= 0:
        return _empty(key, title)
    plot_w = W - 2 * RIGHT
    x = float(RIGHT)
    out = []
    for p in parts:
        if p.value <= 0:
            continue
        w = plot_w * p.value / total
        pct = percent_text(p.value / total)
        inner = (f'<rect x="{_num(x)}" y="10" width="{_num(w)}" height="34" fill="{p.color}">'
                 f"<title>{escape(p.label)}: {count_text(p.value)} ({pct})</title></rect>")
        if w > 70:
            inner += (f'<text x="{_num(x + w / 2)}" y="32" text-anchor="middle" fill="#ffffff" font-weight="bold">'
                      f"{escape(pct)}</text>")
        out.append(_link(p.href, f'<g class="bar">{inner}</g>', f"{p.label}: {count_text(p.value)} ({pct})"))
        x += w
    # legend inside the SVG, so a printout keeps it
    lx, ly = float(RIGHT), 58
    for p in parts:
        text = f"{p.label}: {count_text(p.value)} ({percent_text(p.value / total)})"
        w = 30 + 6.4 * len(text)
        if lx > RIGHT and lx + w > W:  # wrap the legend
            lx, ly = float(RIGHT), ly + 18
        out.append(f'<rect x="{_num(lx)}" y="{ly}" width="11" height="11" rx="2" fill="{p.color}"/>'
                   f'<text x="{_num(lx + 15)}" y="{ly + 10}" fill="{INK}">{escape(text)}</text>')
        lx += w
    height = ly + 22
    table = _table(["", "Say", "Pay"], [(p.label, p.href, [count_text(p.value), percent_text(p.value / total)])
                                        for p in parts])
    desc = "; ".join(f"{p.label} {percent_text(p.value / total)}" for p in parts) + "."
    return _figure(key, title, desc, "".join(out), height, table)
