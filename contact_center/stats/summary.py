"""The summary JSON of a period: GET /api/v1/stats/summary and `cc142 stats`.

Every field is described in contact_center/stats/openapi.py. Rates are
fractions 0..1 (null when there is nothing to divide by); times are seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from contact_center.config import Settings
from contact_center.stats.acc import UNANSWERED, Doc
from contact_center.stats.agents import per_agent
from contact_center.stats.filters import CHAT_CHANNELS, Filters, Reference
from contact_center.stats.query import Snapshot, period_doc, snapshot

CALLBACK_SOURCES = ("web", "bot", "abandoned_call", "agent", "facebook", "instagram")


@dataclass(frozen=True)
class Labels:
    """Reference data (code -> label, in catalogue order) and agent names."""

    direction: dict[str, str]
    call_type: dict[str, str]
    outcome: dict[str, str]
    district: dict[str, str]
    district_area: dict[str, str]
    channel: dict[str, str]
    agent: dict[str, str]

    def reference(self) -> Reference:
        return Reference(frozenset(self.direction), frozenset(self.district))


async def load_labels(conn: asyncpg.Connection) -> Labels:
    rows = await conn.fetch(
        """SELECT 'direction' AS t, code, label, '' AS area, sort_order FROM directions
           UNION ALL SELECT 'call_type', code, label, '', sort_order FROM call_types
           UNION ALL SELECT 'outcome', code, label, '', sort_order FROM outcomes
           UNION ALL SELECT 'district', code, label, area, sort_order FROM districts
           UNION ALL SELECT 'channel', code, label, '', sort_order FROM channels
           UNION ALL SELECT 'agent', extension, COALESCE(NULLIF(full_name, ''), username), '', 0
                     FROM users WHERE extension IS NOT NULL
           ORDER BY 1, 5, 2"""
    )
    maps: dict[str, dict[str, str]] = {k: {} for k in ("direction", "call_type", "outcome", "district", "channel", "agent")}
    area: dict[str, str] = {}
    for r in rows:
        maps[r["t"]][r["code"]] = r["label"]
        if r["t"] == "district":
            area[r["code"]] = r["area"]
    return Labels(maps["direction"], maps["call_type"], maps["outcome"], maps["district"], area,
                  maps["channel"], maps["agent"])


def rate(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def secs(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def mean(total: float, n: int) -> float | None:
    return round(total / n, 2) if n else None


def percentile(hist: dict[str, int], p: float) -> int | None:
    """Nearest rank on whole seconds: the smallest s with at least p of the values <= s."""
    n = sum(hist.values())
    if not n:
        return None
    need = max(1, -(-int(round(p * n * 1_000_000)) // 1_000_000))  # ceil(p * n), float-safe
    seen = 0
    for s in sorted(hist, key=int):
        seen += hist[s]
        if seen >= need:
            return int(s)
    return None  # unreachable


def add_hist(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _breakdown(counts: dict[str, int], labels: dict[str, str], total: int, *, all_codes: bool) -> list[dict[str, Any]]:
    codes = list(labels) if all_codes else []
    codes += sorted((c for c in counts if c not in labels or not all_codes), key=lambda c: (-counts[c], c))
    if not all_codes:
        codes = [c for c in codes if counts.get(c)]
    return [{"code": c, "label": labels.get(c, c), "count": counts.get(c, 0), "share": rate(counts.get(c, 0), total)}
            for c in codes]


def _days(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def _by_day(dy: dict[str, list[int]], date_from: date, date_to: date) -> list[dict[str, Any]]:
    out = []
    zero = (0, 0, 0, 0)
    for d in _days(date_from, date_to):
        key = d.isoformat()
        o, a, u, r = dy.get(key, zero)
        out.append({"date": key, "offered": o, "answered": a, "abandoned": u, "registered": r})
    return out


def calls_section(c: Doc, settings: Settings, labels: Labels, date_from: date, date_to: date,
                  lists: bool = True) -> dict[str, Any]:
    offered, answered = c.get("o", 0), c.get("a", 0)
    reasons = c.get("u", {})
    abandoned = sum(reasons.values())
    hu, ha = c.get("hu", {}), c.get("ha", {})
    short_n = settings.short_abandon_seconds
    short = sum(n for s, n in hu.items() if int(s) < short_n)
    sl_t = settings.service_level_seconds
    within = sum(n for s, n in ha.items() if int(s) <= sl_t)
    n_answered_wait = sum(ha.values())
    n_unanswered_wait = sum(hu.values())
    all_hist = add_hist(ha, hu)
    registered = c.get("r", 0)
    rs = c.get("rs", {})
    baku = sum(n for d, n in rs.items() if labels.district_area.get(d) == "baku")
    hours = c.get("hr", {})
    dy = c.get("dy", {})
    agents = c.get("ag", {})
    return {
        "offered": offered,
        "answered": answered,
        "answer_rate": rate(answered, offered),
        "abandoned": abandoned,
        "abandon_rate": rate(abandoned, offered),
        "unanswered_by_reason": {r: reasons.get(r, 0) for r in UNANSWERED},
        "in_progress": c.get("p", 0),
        "short_abandoned": short,
        "short_abandon_seconds": short_n,
        "abandon_rate_excl_short": rate(abandoned - short, offered - short),
        "asa_seconds": mean(c.get("wa", 0.0), n_answered_wait),
        "wait_mean_seconds": mean(c.get("wa", 0.0) + c.get("wu", 0.0), n_answered_wait + n_unanswered_wait),
        "wait_median_seconds": percentile(all_hist, 0.5),
        "wait_p90_seconds": percentile(all_hist, 0.9),
        "aht_seconds": mean(c.get("ts", 0.0), c.get("tn", 0)),
        "service_level": rate(within, n_answered_wait),
        "service_level_seconds": sl_t,
        "registered": registered,
        "registered_rate": rate(registered, offered),
        "registered_without_queue_record": c.get("m", 0),
        "by_direction": _breakdown(c.get("rd", {}), labels.direction, registered, all_codes=True),
        "by_type": _breakdown(c.get("rt", {}), labels.call_type, registered, all_codes=True),
        "by_outcome": _breakdown(c.get("ro", {}), labels.outcome, registered, all_codes=True),
        "by_district": [
            {**item, "area": labels.district_area.get(item["code"])}
            for item in _breakdown(rs, labels.district, registered, all_codes=False)
        ],
        "baku_share": rate(baku, registered),
        "regions_share": rate(registered - baku, registered),
        "by_hour": [
            dict(zip(("hour", "offered", "answered", "abandoned"), (h, *hours.get(str(h), (0, 0, 0)))))
            for h in range(24)
        ],
        "by_day": _by_day(dy, date_from, date_to) if lists else [],
        "per_agent": sorted(
            (
                {"agent": ext, "name": labels.agent.get(ext), "answered": a[0], "talk_seconds": secs(a[1]),
                 "aht_seconds": mean(a[1], a[2]), "registered": a[3], "csat": satisfaction(a[4], a[5], a[6])}
                for ext, a in agents.items()
            ),
            key=lambda x: (-x["answered"], -x["registered"], x["agent"]),
        ),
        "wait_histogram": [
            {"seconds": int(s), "answered": ha.get(s, 0), "abandoned": hu.get(s, 0)}
            for s in sorted(all_hist, key=int)
        ],
    }


def callbacks_section(b: Doc) -> dict[str, Any]:
    st = b.get("st", {})
    src = b.get("src", {})
    return {
        "requested": {"total": b.get("n", 0),
                      "by_source": {s: src.get(s, 0) for s in (*CALLBACK_SOURCES, *sorted(set(src) - set(CALLBACK_SOURCES)))}},
        "completed": st.get("reached", 0) + st.get("unreachable", 0),
        "reached": st.get("reached", 0),
        "unreachable": st.get("unreachable", 0),
        "cancelled": st.get("cancelled", 0),
        "open": st.get("open", 0) + st.get("claimed", 0),
        "attempted": b.get("at", 0),
        "within_sla_rate": rate(b.get("sla", 0), b.get("at", 0)),
        "recovered_abandons": b.get("rec", 0),
    }


_CHAT_KEYS = ("n", "bot", "ho", "ab", "fs", "fn", "mr", "ma", "ans", "qn", "qp")


def _over(hist: Mapping[str, int], limit: int) -> int:
    """How many of a whole-seconds histogram lie above `limit` seconds."""
    return sum(n for s, n in hist.items() if int(s) > limit)


def chats_section(h: Doc, labels: Labels, target_seconds: int) -> dict[str, Any]:
    per = {ch: h.get(ch, {}) for ch in CHAT_CHANNELS}
    tot = {k: sum(p.get(k, 0) for p in per.values()) for k in _CHAT_KEYS}
    dirs: dict[str, int] = {}
    fh: dict[str, int] = {}
    for p in per.values():
        dirs = add_hist(dirs, p.get("dir", {}))
        fh = add_hist(fh, p.get("fh", {}))
    unclassified = dirs.pop("", 0)
    by_direction = _breakdown(dirs, labels.direction, tot["n"], all_codes=True)
    by_direction.append({"code": None, "label": "Müəyyən edilməyib", "count": unclassified,
                         "share": rate(unclassified, tot["n"])})
    return {
        "conversations": {"total": tot["n"], **{ch: per[ch].get("n", 0) for ch in CHAT_CHANNELS}},
        "bot_handled": tot["bot"],
        "handed_off": tot["ho"],
        "containment_rate": rate(tot["bot"], tot["n"]),
        "by_direction": by_direction,
        "first_response_seconds": {"mean": mean(tot["fs"], tot["fn"]), "median": percentile(fh, 0.5),
                                   "count": tot["fn"]},
        # The chat SLA: first agent replies later than CHAT_FIRST_RESPONSE_TARGET_SECONDS.
        "first_response_target_seconds": target_seconds,
        "first_response_breaches": (breaches := _over(fh, target_seconds)),
        "first_response_breach_rate": rate(breaches, tot["fn"]),
        "abandoned": tot["ab"],
        "answered": tot["ans"],
        "by_channel": {
            ch: {"conversations": p.get("n", 0), "answered": p.get("ans", 0), "bot_handled": p.get("bot", 0),
                 "handed_off": p.get("ho", 0), "abandoned": p.get("ab", 0)}
            for ch, p in per.items()
        },
        "social": {
            ch: {"messages_received": per[ch].get("mr", 0), "messages_answered": per[ch].get("ma", 0),
                 "answer_rate": rate(per[ch].get("ma", 0), per[ch].get("mr", 0)),
                 "conversations": per[ch].get("n", 0), "conversations_answered": per[ch].get("ans", 0)}
            for ch in ("facebook", "instagram")
        },
    }


def satisfaction(n: int, pos: int, total: int) -> dict[str, Any]:
    """DOST's figure: the share of 4-5 ratings (`score`), and the average rating (`mean`)."""
    return {"responses": n, "score": rate(pos, n), "mean": mean(total, n)}


def csat_section(h: Doc, c: Doc) -> dict[str, Any]:
    """The top-level fields are the chats' (as before calls had a survey);
    `calls` is the post-call survey, `chats` the chat rating."""
    per = {ch: h.get(ch, {}) for ch in CHAT_CHANNELS}
    n = sum(p.get("qn", 0) for p in per.values())
    pos = sum(p.get("qp", 0) for p in per.values())
    total = sum(p.get("qs", 0) for p in per.values())
    return {
        "responses": n,
        "score": rate(pos, n),
        "by_channel": {ch: {"responses": p.get("qn", 0), "score": rate(p.get("qp", 0), p.get("qn", 0))}
                       for ch, p in per.items()},
        "calls": satisfaction(c.get("qn", 0), c.get("qp", 0), c.get("qs", 0)),
        "chats": satisfaction(n, pos, total),
    }


def sections(doc: Doc, settings: Settings, labels: Labels, filters: Filters,
             date_from: date, date_to: date, lists: bool = True) -> dict[str, Any]:
    """lists=False leaves by_day empty (the year-earlier comparison needs scalars only)."""
    ch = filters.channel
    c = doc.get("c", {}) if ch in (None, "phone") else {}
    b = doc.get("b", {}) if ch in (None, "callback") else {}
    h = {k: v for k, v in doc.get("h", {}).items() if ch is None or ch == k}
    calls = calls_section(c, settings, labels, date_from, date_to, lists)
    callbacks = callbacks_section(b)
    chats = chats_section(h, labels, settings.chat_first_response_target_seconds)
    return {
        "calls": calls,
        "callbacks": callbacks,
        "chats": chats,
        "csat": csat_section(h, c),
        "channels": {
            "incoming_calls": calls["offered"],
            "callbacks": callbacks["requested"]["total"],
            "chatbot_and_social": chats["conversations"]["total"],
            "web_chat": chats["conversations"]["web_chat"],
            "facebook": chats["conversations"]["facebook"],
            "instagram": chats["conversations"]["instagram"],
            "total": calls["offered"] + callbacks["requested"]["total"] + chats["conversations"]["total"],
        },
    }


def year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


# Scalar figures compared with the same period a year earlier.
YOY_FIELDS: dict[str, tuple[str, ...]] = {
    "calls": ("offered", "answered", "answer_rate", "abandoned", "abandon_rate", "short_abandoned",
              "abandon_rate_excl_short", "asa_seconds", "wait_mean_seconds", "wait_median_seconds",
              "wait_p90_seconds", "aht_seconds", "service_level", "registered", "registered_rate",
              "baku_share", "regions_share"),
    "callbacks": ("completed", "reached", "unreachable", "within_sla_rate", "recovered_abandons"),
    "chats": ("bot_handled", "handed_off", "containment_rate", "abandoned", "answered"),
    "csat": ("responses", "score"),
    "channels": ("incoming_calls", "callbacks", "chatbot_and_social", "total"),
}
# csat.calls and csat.chats: compared the same way, nested as in the summary.
YOY_CSAT_PARTS = ("calls", "chats")
YOY_CSAT_FIELDS = ("responses", "score", "mean")


def _change(cur: float | None, prev: float | None) -> dict[str, Any]:
    change = None if cur is None or prev is None else round(cur - prev, 6)
    return {
        "current": cur, "previous": prev, "change": change,
        "change_rate": rate(change, prev) if change is not None and prev else None,
    }


def compare(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sec, names in YOY_FIELDS.items():
        out[sec] = {name: _change(current[sec][name], previous[sec][name]) for name in names}
    for part in YOY_CSAT_PARTS:
        out["csat"][part] = {name: _change(current["csat"][part][name], previous["csat"][part][name])
                             for name in YOY_CSAT_FIELDS}
    for sec, cur_sec, prev_sec in (("callbacks", current["callbacks"], previous["callbacks"]),
                                   ("chats", current["chats"], previous["chats"])):
        key, cur, prev = (("requested", cur_sec["requested"]["total"], prev_sec["requested"]["total"])
                          if sec == "callbacks" else
                          ("conversations", cur_sec["conversations"]["total"], prev_sec["conversations"]["total"]))
        out[sec][key] = {"current": cur, "previous": prev, "change": cur - prev, "change_rate": rate(cur - prev, prev)}
    return out


async def build_summary(
    conn: asyncpg.Connection, settings: Settings, date_from: date, date_to: date, filters: Filters,
    *, labels: Labels | None = None, snap: Snapshot | None = None, with_yoy: bool = True,
    with_agents: bool = True,
) -> dict[str, Any]:
    """The summary; `conn` should be in one REPEATABLE READ transaction. `with_agents`
    False leaves `agents.per_agent` empty: it is read from the records (not the rollups),
    the costly part of a long period, and pages that do not show it skip it."""
    tz: ZoneInfo = settings.tz
    labels = labels or await load_labels(conn)
    snap = snap or await snapshot(conn, tz)
    doc = await period_doc(conn, tz, date_from, date_to, filters, snap)
    out: dict[str, Any] = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "timezone": settings.timezone,
        "filters": filters.as_dict(),
        **sections(doc, settings, labels, filters, date_from, date_to),
        # Per person across channels, from the records (contact_center/stats/agents.py);
        # `calls.per_agent` (per extension, from the rollups) stays for compatibility.
        "agents": {"included": with_agents,
                   "per_agent": await per_agent(conn, tz, date_from, date_to) if with_agents else []},
    }
    if with_yoy:
        pf, pt = year_earlier(date_from), year_earlier(date_to)
        prev_doc = await period_doc(conn, tz, pf, pt, filters, snap, scalars_only=True)
        prev = sections(prev_doc, settings, labels, filters, pf, pt, lists=False)
        out["yoy"] = {"from": pf.isoformat(), "to": pt.isoformat(), **compare(out, prev)}
    return out
