"""The dashboard's figures: KPI tiles and charts made from one statistics summary
(contact_center.stats.summary.build_summary), each linked to its records.

Texts follow the monthly overview's conventions (1 044 072; 98,74 %; 14,2 san;
changes in percentage points, "f.b."), via contact_center.stats.report.format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup

from agent_console import charts
from agent_console.charts import Bin, Part, Point, Series
from agent_console.drill import Drill
from contact_center.stats.report.format import fmt
from contact_center.stats.report.model import MONTHS_AZ, Cell

GREEN, RED, GREY, BLUE, AMBER = "#2f7d4f", "#b3362f", "#9aa7ad", "#1f5f7a", "#a86a00"
FB, IG, TEAL = "#3b5998", "#b8336a", "#3a8f8a"

# Which way is better, for colouring the change against last year.
GOOD_UP = {"answered", "answer_rate", "service_level", "registered", "registered_rate", "containment_rate",
           "score", "mean", "within_sla_rate", "recovered_abandons"}
GOOD_DOWN = {"abandoned", "abandon_rate", "abandon_rate_excl_short", "short_abandoned", "asa_seconds",
             "wait_mean_seconds", "wait_median_seconds", "wait_p90_seconds"}


def text(value: Any, kind: str = "count") -> str:
    return fmt(Cell(value, kind))


@dataclass(frozen=True)
class Change:
    """A figure against the same period last year, as one line of a tile."""

    key: str
    label: str  # "" for the tile's main figure
    text: str
    tone: str  # good | bad | neutral | none


def change(yoy: dict[str, Any], key: str, kind: str, label: str = "") -> Change:
    prev, delta, ratio = yoy["previous"], yoy["change"], yoy["change_rate"]
    if prev is None:
        return Change(key, label, "ötən il: məlumat yoxdur", "none")
    was = text(prev, kind)
    if delta is None:
        return Change(key, label, f"ötən il: {was}", "none")
    # as printed: a change that rounds to nothing is no change (not "−0,0 san")
    delta = round(delta, {"count": 6, "rate": 4}.get(kind, 1))
    ratio = None if ratio is None else round(ratio, 4)
    if kind == "count":
        moved = f"{'+' if ratio > 0 else '−' if ratio < 0 else '±'}{text(abs(ratio), 'rate')}" if ratio is not None \
            else text(delta, "change")
    elif kind == "rate":
        moved = text(delta, "rate_change")
    elif kind == "mean":
        moved = text(delta, "mean_change")
    else:
        moved = ("+" if delta > 0 else "" if delta < 0 else "±") + text(delta, "seconds")
    tone = "neutral"
    if delta and key in GOOD_UP:
        tone = "good" if delta > 0 else "bad"
    elif delta and key in GOOD_DOWN:
        tone = "good" if delta < 0 else "bad"
    return Change(key, label, f"ötən il: {was} ({moved})", tone)


@dataclass(frozen=True)
class Line:
    text: str
    href: str | None = None


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    raw: Any  # the summary's number (tests and data-value)
    href: str | None = None
    rate: str | None = None
    lines: list[Line] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def _href(value: Any, href: str) -> str | None:
    """Link a figure only when there are records behind it."""
    return href if value else None


def tiles(s: dict[str, Any], drill: Drill) -> list[Tile]:
    c, y = s["calls"], s["yoy"]
    yc = y["calls"]
    t = c["service_level_seconds"]
    short_n = c["short_abandon_seconds"]
    out = [
        Tile("offered", "Daxil olan zənglər", text(c["offered"]), c["offered"], _href(c["offered"], drill.calls()),
             lines=[Line(f"Cəmi müraciət (bütün kanallar): {text(s['channels']['total'])}")]
             + ([Line(f"Hələ növbədə: {text(c['in_progress'])}", drill.calls(status="in_progress"))]
                if c["in_progress"] else []),
             changes=[change(yc["offered"], "offered", "count")]),
        Tile("answered", "Cavablandırılan", text(c["answered"]), c["answered"],
             _href(c["answered"], drill.calls(status="answered")), rate=text(c["answer_rate"], "rate"),
             changes=[change(yc["answered"], "answered", "count"),
                      change(yc["answer_rate"], "answer_rate", "rate", "faiz")]),
        Tile("abandoned", "Cavablandırılmayan", text(c["abandoned"]), c["abandoned"],
             _href(c["abandoned"], drill.calls(status="unanswered")), rate=text(c["abandon_rate"], "rate"),
             lines=[Line(f"Qısa (< {short_n} san): {text(c['short_abandoned'])}",
                         _href(c["short_abandoned"], drill.calls(status="unanswered", wait_to=short_n - 1))),
                    Line(f"Qısalar çıxılmaqla: {text(c['abandon_rate_excl_short'], 'rate')}",
                         _href(c["abandoned"] - c["short_abandoned"],
                               drill.calls(status="unanswered", wait_from=short_n)))],
             changes=[change(yc["abandoned"], "abandoned", "count"),
                      change(yc["abandon_rate"], "abandon_rate", "rate", "faiz"),
                      change(yc["abandon_rate_excl_short"], "abandon_rate_excl_short", "rate", "qısasız")]),
        Tile("asa", "Orta cavab gözləmə (ASA)", text(c["asa_seconds"], "seconds"), c["asa_seconds"],
             _href(c["answered"], drill.calls(status="answered")),
             changes=[change(yc["asa_seconds"], "asa_seconds", "seconds")]),
        Tile("wait", "Xətdə gözləmə", text(c["wait_mean_seconds"], "seconds"), c["wait_mean_seconds"],
             _href(c["answered"] + c["abandoned"], drill.calls(wait_from=0)),
             lines=[Line(f"Median: {text(c['wait_median_seconds'], 'seconds')}"),
                    Line(f"90 %: {text(c['wait_p90_seconds'], 'seconds')}",
                         _href(c["wait_p90_seconds"], drill.calls(wait_from=c["wait_p90_seconds"])))],
             changes=[change(yc["wait_mean_seconds"], "wait_mean_seconds", "seconds"),
                      change(yc["wait_median_seconds"], "wait_median_seconds", "seconds", "median"),
                      change(yc["wait_p90_seconds"], "wait_p90_seconds", "seconds", "90 %")]),
        Tile("aht", "Orta danışıq müddəti (AHT)", text(c["aht_seconds"], "seconds"), c["aht_seconds"],
             _href(c["answered"], drill.calls(status="answered")),
             changes=[change(yc["aht_seconds"], "aht_seconds", "seconds")]),
        Tile("service_level", f"Xidmət səviyyəsi ({t} san)", text(c["service_level"], "rate"), c["service_level"],
             _href(c["answered"], drill.calls(status="answered", wait_to=t)),
             lines=[Line(f"{t} saniyədən gec cavablandırılan",
                         _href(c["service_level"] is not None and c["service_level"] < 1,
                               drill.calls(status="answered", wait_from=t + 1)))],
             changes=[change(yc["service_level"], "service_level", "rate")]),
        Tile("registered", "Qeydiyyata alınan", text(c["registered"]), c["registered"],
             _href(c["registered"], drill.registrations()), rate=text(c["registered_rate"], "rate"),
             changes=[change(yc["registered"], "registered", "count"),
                      change(yc["registered_rate"], "registered_rate", "rate", "faiz")]),
        Tile("baku_share", "Bakı / regionlar", text(c["baku_share"], "rate"), c["baku_share"],
             _href(c["registered"], drill.registrations(area="baku")),
             lines=[Line(f"Regionlar: {text(c['regions_share'], 'rate')}",
                         _href(c["regions_share"], drill.registrations(area="region")))],
             changes=[change(yc["baku_share"], "baku_share", "rate", "Bakı")]),
    ]
    # The post-call survey, as DOST reports it: the share of 4-5 ratings.
    qc, yq = s["csat"]["calls"], y["csat"]["calls"]
    out.append(Tile("call_csat", "Zəng mərkəzi üzrə vətəndaş məmnunluğu", text(qc["score"], "rate"), qc["score"],
                    _href(qc["responses"], drill.calls(survey="positive")),
                    lines=[Line(f"Sorğuda qiymət verən: {text(qc['responses'])}",
                                _href(qc["responses"], drill.calls(survey="rated"))),
                           Line(f"Orta bal (1-5): {text(qc['mean'], 'mean')}")],
                    changes=[change(yq["score"], "score", "rate"),
                             change(yq["responses"], "responses", "count", "qiymət"),
                             change(yq["mean"], "mean", "mean", "orta bal")]))
    h, q, b = s["chats"], s["csat"], s["callbacks"]
    conv = h["conversations"]
    out += [
        Tile("chats", "Çat müraciətləri", text(conv["total"]), conv["total"],
             _href(conv["total"], drill.conversations()),
             lines=[Line(f"Onlayn çat {text(conv['web_chat'])} · Facebook {text(conv['facebook'])} · "
                         f"Instagram {text(conv['instagram'])}")],
             changes=[change(y["chats"]["conversations"], "conversations", "count")]),
        Tile("containment", "Çatbotda həll olunan", text(h["containment_rate"], "rate"), h["containment_rate"],
             _href(h["bot_handled"], drill.conversations(handoff="no")),
             lines=[Line(f"Çatbotun özü: {text(h['bot_handled'])}", _href(h["bot_handled"],
                                                                          drill.conversations(handoff="no"))),
                    Line(f"Operatora: {text(h['handed_off'])}", _href(h["handed_off"],
                                                                      drill.conversations(handoff="yes")))],
             changes=[change(y["chats"]["containment_rate"], "containment_rate", "rate")]),
        Tile("csat", "Vətəndaş məmnunluğu (çat)", text(q["score"], "rate"), q["score"],
             _href(q["responses"], drill.conversations(csat="positive")),
             lines=[Line(f"Qiymətləndirmə: {text(q['responses'])}", _href(q["responses"],
                                                                          drill.conversations(csat="rated")))],
             changes=[change(y["csat"]["score"], "score", "rate")]),
        Tile("callbacks", "Geri zəng: ilk cəhd vaxtında", text(b["within_sla_rate"], "rate"), b["within_sla_rate"],
             _href(b["attempted"], drill.callbacks(sla="within")),
             lines=[Line(f"Sorğu: {text(b['requested']['total'])}", _href(b["requested"]["total"], drill.callbacks())),
                    Line(f"Tamamlanıb: {text(b['completed'])}", _href(b["completed"],
                                                                      drill.callbacks(status="completed"))),
                    Line(f"Buraxılmış zəng bərpası: {text(b['recovered_abandons'])}",
                         _href(b["recovered_abandons"], drill.callbacks(recovered="1")))],
             changes=[change(y["callbacks"]["within_sla_rate"], "within_sla_rate", "rate"),
                      change(y["callbacks"]["requested"], "requested", "count", "sorğu")]),
    ]
    return out


# --- charts -------------------------------------------------------------------------------
ANSWERED = Series("Cavablandırılan", GREEN)
UNANSWERED = Series("Cavablandırılmayan", RED)
QUEUED = Series("Növbədə", GREY)
OFFERED = Series("Daxil olan", BLUE)


def _buckets(days: list[dict[str, Any]]) -> tuple[str, list[tuple[date, date, list[dict[str, Any]]]]]:
    """Days, weeks (from Monday) or months, whichever keeps the chart readable."""
    n = len(days)
    parsed = [(date.fromisoformat(d["date"]), d) for d in days]
    if n <= 45:
        return "day", [(d, d, [row]) for d, row in parsed]
    groups: dict[date, list[tuple[date, dict[str, Any]]]] = {}
    for d, row in parsed:
        key = d - timedelta(days=d.weekday()) if n <= 200 else d.replace(day=1)
        groups.setdefault(key, []).append((d, row))
    grain = "week" if n <= 200 else "month"
    return grain, [(g[0][0], g[-1][0], [row for _, row in g]) for g in groups.values()]


def calls_by_period(s: dict[str, Any], drill: Drill) -> Markup:
    grain, buckets = _buckets(s["calls"]["by_day"])
    points = []
    for start, end, rows in buckets:
        offered = sum(r["offered"] for r in rows)
        answered = sum(r["answered"] for r in rows)
        unanswered = sum(r["abandoned"] for r in rows)
        if grain == "day":
            label, hint = f"{start:%d.%m}", f"{start:%d.%m.%Y}"
        elif grain == "week":
            label, hint = f"{start:%d.%m}", f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"
        else:
            label, hint = f"{MONTHS_AZ[start.month - 1][:3]} {start:%y}", f"{MONTHS_AZ[start.month - 1]} {start.year}"
        points.append(Point(label, (answered, unanswered, offered - answered - unanswered),
                            drill.calls(date_from=start, date_to=end) if offered else None, hint))
    title = {"day": "Zənglər günlər üzrə", "week": "Zənglər həftələr üzrə", "month": "Zənglər aylar üzrə"}[grain]
    return charts.column_chart("by-day", title, [ANSWERED, UNANSWERED, QUEUED], points, width=1200, height=260)


def calls_by_hour(s: dict[str, Any], drill: Drill) -> Markup:
    points = [Point(f"{h['hour']:02d}", (h["offered"], h["answered"], h["abandoned"]),
                    drill.calls(hour=h["hour"]) if h["offered"] else None, f"{h['hour']:02d}:00–{h['hour']:02d}:59")
              for h in s["calls"]["by_hour"]]
    return charts.line_chart("by-hour", "Zənglər saatlar üzrə", [OFFERED, ANSWERED, UNANSWERED], points)


def by_direction(s: dict[str, Any], drill: Drill) -> Markup:
    c = s["calls"]
    points = [Point(i["label"], (i["count"],), drill.registrations(direction=i["code"]) if i["count"] else None)
              for i in c["by_direction"]]
    return charts.hbar_chart("by-direction", "Qeydiyyata alınan zənglər istiqamətlər üzrə", points, color=BLUE,
                             share_of=c["registered"] or None)


def baku_regions(s: dict[str, Any], drill: Drill) -> Markup:
    items = s["calls"]["by_district"]
    baku = sum(i["count"] for i in items if i["area"] == "baku")
    regions = sum(i["count"] for i in items if i["area"] != "baku")
    return charts.share_bar("areas", "Bakı və regionlar (qeydiyyata alınan zənglər)", [
        Part("Bakı", baku, BLUE, drill.registrations(area="baku") if baku else None),
        Part("Regionlar", regions, AMBER, drill.registrations(area="region") if regions else None),
    ])


def top_districts(s: dict[str, Any], drill: Drill, limit: int = 10) -> Markup:
    c = s["calls"]
    items = c["by_district"][:limit]
    points = [Point(i["label"] + (" (Bakı)" if i["area"] == "baku" and "Bakı" not in i["label"] else ""),
                    (i["count"],), drill.registrations(district=i["code"])) for i in items]
    title = f"Rayonlar: ilk {limit}" if len(c["by_district"]) > limit else "Rayonlar"
    return charts.hbar_chart("districts", title, points, color=TEAL, share_of=c["registered"] or None,
                             label_width=300, width=1200)


def channel_mix(s: dict[str, Any], drill: Drill) -> Markup:
    ch = s["channels"]
    parts = [
        Part("Daxil olan zənglər", ch["incoming_calls"], BLUE, drill.calls() if ch["incoming_calls"] else None),
        Part("Əks-əlaqə zəngləri", ch["callbacks"], AMBER, drill.callbacks() if ch["callbacks"] else None),
        Part("Onlayn çat", ch["web_chat"], GREEN, drill.conversations(channel="web_chat") if ch["web_chat"] else None),
        Part("Facebook", ch["facebook"], FB, drill.conversations(channel="facebook") if ch["facebook"] else None),
        Part("Instagram", ch["instagram"], IG, drill.conversations(channel="instagram") if ch["instagram"] else None),
    ]
    return charts.share_bar("channels", "Müraciətlər kanallar üzrə", parts)


def wait_bins(hist: list[dict[str, Any]], threshold: int, max_bins: int = 24) -> list[tuple[int, int | None, int, int]]:
    """(start, end or None, answered, abandoned) in whole seconds; one edge falls on
    threshold + 1 (the service level counts waits of at most `threshold` whole seconds)."""
    if not hist:
        return []
    total = sum(h["answered"] + h["abandoned"] for h in hist)
    seen, cap = 0, hist[-1]["seconds"]
    for h in hist:  # the 99th percentile: a few very long waits go to the last, open bin
        seen += h["answered"] + h["abandoned"]
        if seen >= 0.99 * total:
            cap = h["seconds"]
            break
    cap = max(cap, threshold + 1)
    width = next((w for w in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800) if (cap + 1) / w <= max_bins), 3600)
    edge = (threshold + 1) % width  # bins start at edge + k * width; the first one starts at 0
    starts = [0] + [e for e in range(edge or width, cap + 1, width) if e > 0]
    if len(starts) > 2 and starts[1] < width / 2 and starts[1] != threshold + 1:
        starts.pop(1)  # a sliver at the start: merged into the next bin (never the threshold's edge)
    bins = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else None
        if end is None and hist[-1]["seconds"] <= start + width - 1:
            end = start + width - 1  # nothing beyond: a closed last bin
        a = sum(h["answered"] for h in hist if h["seconds"] >= start and (end is None or h["seconds"] <= end))
        u = sum(h["abandoned"] for h in hist if h["seconds"] >= start and (end is None or h["seconds"] <= end))
        bins.append((start, end, a, u))
    return bins


def wait_histogram(s: dict[str, Any], drill: Drill) -> Markup:
    c = s["calls"]
    t = c["service_level_seconds"]
    bins = [Bin(a, b, (n_a, n_u), drill.calls(wait_from=a, wait_to=b) if n_a + n_u else None)
            for a, b, n_a, n_u in wait_bins(c["wait_histogram"], t)]
    return charts.histogram("waits", "Gözləmə müddətinin paylanması", [ANSWERED, UNANSWERED], bins,
                            threshold=t + 1, threshold_label=f"T = {t} san")


def all_charts(s: dict[str, Any], drill: Drill) -> dict[str, Markup]:
    return {
        "by_day": calls_by_period(s, drill),
        "by_hour": calls_by_hour(s, drill),
        "waits": wait_histogram(s, drill),
        "channels": channel_mix(s, drill),
        "by_direction": by_direction(s, drill),
        "areas": baku_regions(s, drill),
        "districts": top_districts(s, drill),
    }
