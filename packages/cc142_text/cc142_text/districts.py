"""The district list shipped with 142 and a matcher for what citizens type.

``districts.json`` (beside this module) is the list the backend seeds into
PostgreSQL and the bot's callback form matches against. Names are matched
on folded text, in Azerbaijani and Russian, so "yasamal", "YASAMAL rayonu",
"Sumqayıtda", "Lənkəran şəhəri", "Ясамальский район", "в Сумгаите" all
work. A short name shared by a city and a rayon ("Lənkəran", "Şəki",
"Yevlax") is ambiguous: the caller asks the citizen to choose.

:func:`match_districts` takes the candidate list as an argument (default:
the shipped one), so the same matcher works on rows read from a database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from cc142_text import fold

__all__ = ["District", "shipped", "shipped_rows", "by_code", "match_districts", "mentions_baku"]

HERE = Path(__file__).resolve().parent
# Case endings after a name: "Yasamal-da", "Sumqayıt-dan", "Ясамальск-ом" ...
_MAX_SUFFIX = 6
_NON_WORD = re.compile(r"[^a-z0-9а-я]+")
_BAKU = re.compile(r"\b(bak(i|u)\w{0,5}|баку|бакинск\w*)\b")
# Russian names decline ("Гянджа" -> "в Гяндже"): match on the stem.
_RU_ENDINGS = "аяеиоуыьй"


@dataclass(frozen=True)
class District:
    code: str
    name: str  # Azerbaijani official name ("Lənkəran şəhəri")
    short_name: str  # "Lənkəran"
    name_ru: str = ""
    short_name_ru: str = ""

    def label(self, language: str = "az") -> str:
        """The name to show a citizen writing in ``language``."""
        return self.name_ru if language == "ru" and self.name_ru else self.name


def _norm(text: str) -> str:
    return fold(text or "").replace("ё", "е")


def _tokens(text: str) -> List[str]:
    return _NON_WORD.sub(" ", _norm(text)).split()


def _ru_stem(word: str) -> str:
    if len(word) > 5 and word[-2:] in ("ий", "ый", "ой"):  # "ясамальский" -> "ясамальск"
        return word[:-2]
    if len(word) >= 4 and word[-1] in _RU_ENDINGS:  # "гянджа" -> "гяндж"
        return word[:-1]
    return word


@dataclass(frozen=True)
class _Names:
    district: District
    full: Tuple[Tuple[str, ...], ...]  # each full name as tokens (stemmed for Russian)
    short: Tuple[str, ...]


def _names(d: District) -> _Names:
    full = [tuple(_tokens(d.name))]
    short = [" ".join(_tokens(d.short_name))]
    if d.name_ru:
        full.append(tuple(_ru_stem(t) for t in _tokens(d.name_ru)))
    if d.short_name_ru:
        short.append(" ".join(_ru_stem(t) for t in _tokens(d.short_name_ru)))
    return _Names(d, tuple(f for f in full if f), tuple(s for s in short if s))


@lru_cache(maxsize=1)
def shipped_rows() -> Tuple[Dict[str, str], ...]:
    """The rows of ``districts.json`` as shipped (the backend seeds these)."""
    rows = json.loads((HERE / "districts.json").read_text(encoding="utf-8"))
    return tuple(rows)


@lru_cache(maxsize=1)
def shipped() -> Tuple[District, ...]:
    return tuple(
        District(
            code=r["code"],
            name=r["name"],
            short_name=r["short_name"],
            name_ru=r.get("name_ru", ""),
            short_name_ru=r.get("short_name_ru", ""),
        )
        for r in shipped_rows()
    )


def by_code(districts: Optional[Iterable[District]] = None) -> Dict[str, District]:
    return {d.code: d for d in (shipped() if districts is None else districts)}


@lru_cache(maxsize=8)
def _index(districts: Tuple[District, ...]) -> Tuple[_Names, ...]:
    return tuple(_names(d) for d in districts)


def _prefix_of(word: str, token: str) -> bool:
    return token.startswith(word) and len(token) - len(word) <= _MAX_SUFFIX


def match_districts(text: str, districts: Optional[Sequence[District]] = None) -> List[District]:
    """All districts the text names, best matches only (may be empty or several)."""
    tokens = _tokens(text)
    if not tokens:
        return []
    index = _index(tuple(shipped() if districts is None else districts))
    # 1. full official names ("lenkeran seheri", "yasamal rayonunda", "город ленкорань")
    # (a name may be the start of a longer one: "quba" / "qubadli": the longest wins)
    best: Dict[int, Tuple[int, List[District]]] = {}
    for names in index:
        for name in names.full:
            start = _full_match(name, tokens)
            if start is None:
                continue
            length = sum(len(word) for word in name)
            held = best.get(start)
            if held is None or length > held[0]:
                best[start] = (length, [names.district])
            elif length == held[0]:
                held[1].append(names.district)
            break
    if best:
        return _dedupe(d for start in sorted(best) for d in best[start][1])
    # 2. short names as the start of a word; the longest name wins per word
    found: List[District] = []
    for token in tokens:
        hits = [(len(s), n.district) for n in index for s in n.short if _prefix_of(s, token)]
        if not hits:
            continue
        longest = max(length for length, _ in hits)
        found.extend(d for length, d in hits if length == longest)
    return _dedupe(found)


def _full_match(name: Tuple[str, ...], tokens: List[str]) -> Optional[int]:
    """Where the tokens contain the name (each word possibly inflected), or None."""
    n = len(name)
    for i in range(len(tokens) - n + 1):
        window = tokens[i : i + n]
        if all(_prefix_of(word, token) for word, token in zip(name, window)):
            return i
    return None


def mentions_baku(text: str) -> bool:
    return bool(_BAKU.search(" ".join(_tokens(text))))


def _dedupe(items: Iterable[District]) -> List[District]:
    seen: Dict[str, District] = {}
    for d in items:
        seen.setdefault(d.code, d)
    return list(seen.values())
