"""Additive figures: what a rollup row stores, built from fact rows.

A doc is nested dicts of numbers (and short lists of numbers); two docs of
disjoint periods merge by adding them (`merge_into`), which is why a month
is the sum of its days and any period the sum of a few rows. Wait and
first-response times are kept as one-second histograms ({"<whole seconds>":
count}) next to exact sums, so service level, median and p90 are exact at
one-second resolution for any threshold.

Doc layout (short keys keep the rows small):
  c  calls: o offered, a answered, p in progress, m registered without a
     queue record, u {reason: n} unanswered, wa/wu wait sums (answered /
     unanswered), ts/tn talk sum and count, ha/hu wait histograms,
     hr {hour: [offered, answered, unanswered]}, dy {date: [offered,
     answered, unanswered, registered]}, ag {extension: [answered, talk
     sum, talk count, registered, survey responses, scored 4-5, score
     sum]}, r registered, rd/rt/ro/rs registered by direction / type /
     outcome / district, qn/qp/qs post-call survey responses / scored
     4-5 / score sum
  b  callbacks: n, src {source: n}, st {status: n}, at attempted, sla first
     attempt by the due time, rec abandoned calls reached
  h  chats per channel: n, bot (no hand-off), ho hand-offs, ab abandoned,
     dir {direction or "": n}, fs/fn/fh first response sum, count,
     histogram, mr/ma citizen messages received / answered, ans
     conversations that got a reply, qn/qp/qs CSAT responses / scored
     4-5 / score sum
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from contact_center.stats.filters import FKEY_PREFIX

Doc = dict[str, Any]
UNANSWERED = ("abandoned", "timeout", "exit_key", "exit_empty")
_SECS = [str(i) for i in range(4000)]
_HOURS = [str(i) for i in range(24)]


def _sec(value: float) -> str:
    s = int(value) if value > 0 else 0  # whole seconds, as Asterisk's holdtime
    return _SECS[s] if s < 4000 else str(s)


def merge_into(dst: Doc, src: Doc, *, take: bool = False) -> Doc:
    """Add src into dst. take=True lets dst keep src's parts (src is thrown away)."""
    get = dst.get
    for key, value in src.items():
        cur = get(key)
        if cur is None:
            dst[key] = value if take else _copy(value)
            continue
        kind = type(value)
        if kind is dict:
            merge_into(cur, value, take=take)
        elif kind is list:
            for i, x in enumerate(value):
                cur[i] += x
        else:
            dst[key] = cur + value
    return dst


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return list(value)
    return value


def merged(docs: Iterable[Doc]) -> Doc:
    out: Doc = {}
    for doc in docs:
        merge_into(out, doc)
    return out


def _calls() -> Doc:
    return {"o": 0, "a": 0, "p": 0, "m": 0, "u": {}, "wa": 0.0, "wu": 0.0, "ts": 0.0, "tn": 0,
            "ha": {}, "hu": {}, "hr": {}, "dy": {}, "ag": {}, "r": 0,
            "rd": {}, "rt": {}, "ro": {}, "rs": {}, "qn": 0, "qp": 0, "qs": 0}


def _inc(d: dict[str, int], key: str, n: int = 1) -> None:
    d[key] = d.get(key, 0) + n


def add_call(doc: Doc, f: Any) -> None:
    """f: a call fact (see facts.call_facts)."""
    _add_call(doc, *_call_values(f))


def _call_values(f: Any) -> tuple:
    """What add_call needs from a fact, computed once for all its docs."""
    wait = f["wait_seconds"]
    return (f["day"].isoformat(), _HOURS[f["hour"]], f["status"], wait, None if wait is None else _sec(wait),
            f["talk_seconds"], f["agent"], f["registered"], f["direction"], f["call_type"], f["outcome"],
            f["district"], f["survey_score"])


def _add_call(doc: Doc, day: str, hour: str, status: str, wait: float | None, wkey: str | None,
              talk: float | None, agent: str | None, registered: bool, direction: str | None,
              call_type: str | None, outcome: str | None, district: str | None, score: int | None) -> None:
    c = doc.get("c")
    if c is None:
        c = doc["c"] = _calls()
    dy = c["dy"].get(day)
    if dy is None:
        dy = c["dy"][day] = [0, 0, 0, 0]
    if status != "manual":
        c["o"] += 1
        dy[0] += 1
        hr = c["hr"].get(hour)
        if hr is None:
            hr = c["hr"][hour] = [0, 0, 0]
        hr[0] += 1
        if status == "answered":
            c["a"] += 1
            dy[1] += 1
            hr[1] += 1
            if wait is not None:
                c["wa"] += wait
                _inc(c["ha"], wkey)
            if talk is not None:
                c["ts"] += talk
                c["tn"] += 1
        elif status in UNANSWERED:
            _inc(c["u"], status)
            dy[2] += 1
            hr[2] += 1
            if wait is not None:
                c["wu"] += wait
                _inc(c["hu"], wkey)
        else:
            c["p"] += 1
    else:
        c["m"] += 1
    if agent is not None:
        ag = c["ag"].get(agent)
        if ag is None:
            ag = c["ag"][agent] = [0, 0.0, 0, 0, 0, 0, 0]
        if status == "answered":
            ag[0] += 1
            if talk is not None:
                ag[1] += talk
                ag[2] += 1
        if registered:
            ag[3] += 1
        if score is not None:
            ag[4] += 1
            ag[6] += score
            if score >= 4:
                ag[5] += 1
    if score is not None:
        c["qn"] += 1
        c["qs"] += score
        if score >= 4:
            c["qp"] += 1
    if registered:
        c["r"] += 1
        dy[3] += 1
        _inc(c["rd"], direction)
        _inc(c["rt"], call_type)
        _inc(c["ro"], outcome)
        _inc(c["rs"], district)


def add_callback(doc: Doc, f: Any) -> None:
    b = doc.get("b")
    if b is None:
        b = doc["b"] = {"n": 0, "src": {}, "st": {}, "at": 0, "sla": 0, "rec": 0}
    b["n"] += 1
    _inc(b["src"], f["source"])
    _inc(b["st"], f["status"])
    if f["attempted"]:
        b["at"] += 1
        if f["within_sla"]:
            b["sla"] += 1
    if f["from_abandon"] and f["status"] == "reached":
        b["rec"] += 1


def add_conversation(doc: Doc, f: Any) -> None:
    h = doc.get("h")
    if h is None:
        h = doc["h"] = {}
    ch = h.get(f["channel"])
    if ch is None:
        ch = h[f["channel"]] = {"n": 0, "bot": 0, "ho": 0, "ab": 0, "dir": {}, "fs": 0.0, "fn": 0,
                                "fh": {}, "mr": 0, "ma": 0, "ans": 0, "qn": 0, "qp": 0, "qs": 0}
    ch["n"] += 1
    if f["handed_off"]:
        ch["ho"] += 1
        fr = f["first_response"]
        if fr is not None:
            fr = float(fr)
            ch["fs"] += fr
            ch["fn"] += 1
            _inc(ch["fh"], _sec(fr))
    else:
        ch["bot"] += 1
    if f["abandoned"]:
        ch["ab"] += 1
    _inc(ch["dir"], f["direction"] or "")
    ch["mr"] += f["received"] or 0
    ch["ma"] += f["answered"] or 0
    if f["replied"]:
        ch["ans"] += 1
    score = f["csat_score"]
    if score is not None:
        ch["qn"] += 1
        ch["qs"] += score
        if score >= 4:
            ch["qp"] += 1


Adder = Callable[[Doc, Any], None]
CALL_DIMS = ("queue", "agent", "direction", "district")
OTHER_DIMS = ("agent", "direction", "district")


def build_docs(
    docs: dict[tuple[str, str], Doc], facts: Iterable[Any], add: Adder, dims: Iterable[str]
) -> None:
    """Add facts into docs keyed by (day ISO, fkey), for every fkey of each fact."""
    dims = tuple(dims)
    prefixes = [(d, FKEY_PREFIX[d] + ":") for d in dims]
    for f in facts:
        day = f["day"].isoformat()
        keys = [""] + [p + f[d] for d, p in prefixes if f[d] is not None]
        if add is add_call:  # the hot case: compute the fact's values once
            values = _call_values(f)
            for key in keys:
                doc = docs.get((day, key))
                if doc is None:
                    doc = docs[(day, key)] = {}
                _add_call(doc, *values)
            continue
        for key in keys:
            doc = docs.get((day, key))
            if doc is None:
                doc = docs[(day, key)] = {}
            add(doc, f)


def build_one(facts_by_kind: Iterable[tuple[Iterable[Any], Adder]]) -> Doc:
    """One doc from facts already filtered by the query (the live part)."""
    doc: Doc = {}
    for facts, add in facts_by_kind:
        for f in facts:
            add(doc, f)
    return doc
