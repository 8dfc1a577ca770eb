"""Phone and district parsing for the callback form (stdlib only).

Districts come from ``contact_center/reference/districts.json`` and are
matched on folded text, so "yasamal", "YASAMAL rayonu", "Sumqayıtda",
"Lənkəran şəhəri" all work. A short name shared by a city and a rayon
("Lənkəran", "Şəki", "Yevlax") is ambiguous and the citizen is asked to choose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contact_center.reference import districts
from contact_center.text import fold, normalize_phone

# Case endings after a name: "Yasamal-da", "Sumqayıt-dan", "Bərdə-nin" ...
_MAX_SUFFIX = 6
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PHONE_CANDIDATE = re.compile(r"\+?\d[\d\s\-().]{6,}\d")
_BAKU = re.compile(r"\bbak(i|u)\w{0,5}\b")


@dataclass(frozen=True)
class District:
    code: str
    name: str
    short_name: str
    folded_name: tuple[str, ...]
    folded_short: str


def _load() -> tuple[District, ...]:
    out = []
    for d in districts():
        out.append(
            District(
                code=d["code"],
                name=d["name"],
                short_name=d["short_name"],
                folded_name=tuple(_NON_WORD.sub(" ", fold(d["name"])).split()),
                folded_short=_NON_WORD.sub(" ", fold(d["short_name"])).strip(),
            )
        )
    return tuple(out)


DISTRICTS: tuple[District, ...] = _load()
BY_CODE: dict[str, District] = {d.code: d for d in DISTRICTS}


def _tokens(text: str) -> list[str]:
    return _NON_WORD.sub(" ", fold(text or "")).split()


def _prefix_of(word: str, token: str) -> bool:
    return token.startswith(word) and len(token) - len(word) <= _MAX_SUFFIX


def match_districts(text: str) -> list[District]:
    """All districts the text names, best matches only (may be empty or several)."""
    tokens = _tokens(text)
    if not tokens:
        return []
    # 1. full official names ("lenkeran seheri", "yasamal rayonunda")
    full: list[District] = []
    for d in DISTRICTS:
        n = len(d.folded_name)
        for i in range(len(tokens) - n + 1):
            window = tokens[i : i + n]
            if window[:-1] == list(d.folded_name[:-1]) and _prefix_of(
                d.folded_name[-1], window[-1]
            ):
                if window[0] == d.folded_name[0] or _prefix_of(d.folded_name[0], window[0]):
                    full.append(d)
                    break
    if full:
        return _dedupe(full)
    # 2. short names as the start of a word; the longest name wins per word
    found: list[District] = []
    for token in tokens:
        hits = [d for d in DISTRICTS if _prefix_of(d.folded_short, token)]
        if not hits:
            continue
        longest = max(len(d.folded_short) for d in hits)
        found.extend(d for d in hits if len(d.folded_short) == longest)
    return _dedupe(found)


def mentions_baku(text: str) -> bool:
    return bool(_BAKU.search(" ".join(_tokens(text))))


def _dedupe(items: list[District]) -> list[District]:
    seen: dict[str, District] = {}
    for d in items:
        seen.setdefault(d.code, d)
    return list(seen.values())


def find_phone(text: str) -> str | None:
    """The first valid Azerbaijani number in the text, as +994XXXXXXXXX."""
    for candidate in _PHONE_CANDIDATE.findall(text or ""):
        phone = normalize_phone(candidate)
        if phone:
            return phone
    return normalize_phone(text or "")
