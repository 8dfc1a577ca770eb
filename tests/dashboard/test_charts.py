"""The server-drawn SVG charts: sizes match the numbers, the service-level line
sits where the limit is, text is escaped, and an empty period says so."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from pytest import approx

from agent_console import charts
from agent_console.charts import Bin, Part, Point, Series
from agent_console.dashboard import wait_bins

NS = {"s": "http://www.w3.org/2000/svg"}
A, B = Series("Cavablandırılan", "#2f7d4f"), Series("Cavablandırılmayan", "#b3362f")


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg class=\"chart-svg\".*?</svg>", str(markup), re.S).group(0))


def _bars(svg: ET.Element) -> list[list[ET.Element]]:
    return [g.findall("s:rect", NS) for g in svg.iter(f"{{{NS['s']}}}g") if g.get("class") == "bar"]


def test_bar_heights_follow_the_values_and_stack():
    fig = charts.column_chart("t", "Zənglər", [A, B], [
        Point("01", (10, 0), "/x?d=1"), Point("02", (30, 10), "/x?d=2"), Point("03", (20, 5))])
    bars = _bars(_svg(fig))
    heights = [[float(r.get("height")) for r in rects] for rects in bars]
    assert heights[1][0] == approx(heights[0][0] * 3, abs=0.05)  # 30 is three times 10
    assert heights[1][1] == approx(heights[0][0], abs=0.05)  # the stacked 10 is as tall as the first 10
    tops = [min(float(r.get("y")) for r in rects) for rects in bars]
    assert tops[1] < tops[2] < tops[0]  # 40 is the tallest stack, then 25, then 10
    # Linked bars go to their records; the one without a link is plain.
    svg_part = re.search(r'<svg class="chart-svg".*?</svg>', str(fig), re.S).group(0)
    assert 'href="/x?d=2"' in svg_part and svg_part.count("<a href=") == 2
    assert 'aria-label="02: 40"' in fig


def test_labels_are_escaped():
    fig = charts.hbar_chart("t", "İstiqamətlər", [Point('<script>alert("x")</script>', (3,), "/r?a=1&b=2")],
                            color="#123456")
    assert "<script>" not in fig and "&lt;script&gt;" in fig
    assert 'href="/r?a=1&amp;b=2"' in fig
    _svg(fig)  # well-formed


def test_the_service_level_line_falls_on_a_bin_edge():
    hist = [{"seconds": s, "answered": n, "abandoned": 0}
            for s, n in ((2, 100), (19, 30), (20, 20), (21, 40), (33, 10))]
    hist.append({"seconds": 900, "answered": 0, "abandoned": 1})  # one very long wait
    bins = wait_bins(hist, threshold=20)
    starts = [b[0] for b in bins]
    assert 21 in starts  # waits of 20 whole seconds are within the level, 21 are not
    assert sum(b[2] + b[3] for b in bins) == 201  # every call is in a bin
    assert bins[-1][1] is None and bins[-1][3] == 1  # the outlier sits in an open last bin
    within = sum(b[2] for b in bins if b[1] is not None and b[1] <= 20)
    assert within == 150  # the bars left of the line are exactly the service level's calls
    fig = charts.histogram("w", "Gözləmə", [A, B], [Bin(a, b, (x, y)) for a, b, x, y in bins],
                           threshold=21, threshold_label="T = 20 san")
    svg = _svg(fig)
    line = next(g for g in svg.iter(f"{{{NS['s']}}}g") if g.get("class") == "threshold").find("s:line", NS)
    edge = _bars(svg)[starts.index(21)][0]
    assert abs(float(line.get("x1")) - (float(edge.get("x")) - 0.5)) < 0.01
    assert "≥ " in fig  # the open bin says so


def test_share_bar_segments_and_legend():
    fig = charts.share_bar("a", "Bakı və regionlar", [Part("Bakı", 40, "#1f5f7a"), Part("Regionlar", 60, "#a86a00")])
    widths = [float(rects[0].get("width")) for rects in _bars(_svg(fig))]
    assert abs(widths[1] / widths[0] - 1.5) < 0.001
    assert "Bakı: 40 (40,0 %)" in fig and "Regionlar: 60 (60,0 %)" in fig


def test_an_empty_period_says_so():
    fig = charts.column_chart("e", "Zənglər", [A], [Point("01", (0,)), Point("02", (0,))])
    assert "Seçilmiş dövrdə məlumat yoxdur" in fig and not _bars(_svg(fig))
