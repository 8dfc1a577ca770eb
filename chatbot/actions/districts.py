"""Phone and district parsing for the callback form (stdlib only).

Districts: the matcher of the shared ``cc142_text`` package (Azerbaijani and
Russian names, folded) over **the backend's list**, the one admins edit:
``GET {CC142_BACKEND_URL}/api/v1/reference/districts`` (active districts,
their official and short names), fetched at most every
``CC142_DISTRICTS_TTL_SECONDS`` (60) seconds; the Russian names come from the
shipped list by code. Without ``CC142_BACKEND_URL``, or while the backend
cannot be reached, the last list fetched (else the shipped one) is used: the
form keeps working, and the action server needs no database. A short name
shared by a city and a rayon ("Lənkəran", "Şəki", "Yevlax") is ambiguous and
the citizen is asked to choose.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import urllib.request
from typing import Optional, Tuple

from cc142_text import normalize_phone
from cc142_text.districts import District, by_code, mentions_baku, shipped
from cc142_text.districts import match_districts as _match

__all__ = ["BY_CODE", "District", "current_districts", "district_by_code", "find_phone", "match_districts",
           "mentions_baku"]

log = logging.getLogger(__name__)

BACKEND_URL_ENV = "CC142_BACKEND_URL"
TTL_ENV = "CC142_DISTRICTS_TTL_SECONDS"
DEFAULT_TTL = 60.0
FETCH_TIMEOUT = 2.0
PATH = "/api/v1/reference/districts"

_PHONE_CANDIDATE = re.compile(r"\+?\d[\d\s\-().]{6,}\d")

# The shipped list (the backend seeds it; names in both languages).
BY_CODE: dict[str, District] = by_code()

_fetched: dict = {"at": None, "districts": None}


def _ttl() -> float:
    try:
        return max(0.0, float(os.environ.get(TTL_ENV) or DEFAULT_TTL))
    except ValueError:
        return DEFAULT_TTL


def _from_rows(rows: list) -> Tuple[District, ...]:
    out = []
    for row in rows:
        known = BY_CODE.get(row["code"])
        out.append(District(
            code=row["code"],
            name=row["label"],
            short_name=row.get("short_name") or row["label"],
            name_ru=known.name_ru if known else "",
            short_name_ru=known.short_name_ru if known else "",
        ))
    return tuple(out)


def current_districts() -> Tuple[District, ...]:
    """The districts the form accepts now: the backend's (cached), else the shipped ones."""
    base = (os.environ.get(BACKEND_URL_ENV) or "").strip().rstrip("/")
    if not base:
        return shipped()
    now = time.monotonic()
    if _fetched["at"] is not None and now - _fetched["at"] < _ttl():
        return _fetched["districts"]
    try:
        with urllib.request.urlopen(base + PATH, timeout=FETCH_TIMEOUT) as resp:  # noqa: S310 - loopback/compose
            districts = _from_rows(json.loads(resp.read().decode("utf-8"))["districts"])
        if not districts:
            raise ValueError("the backend has no active district")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("district list from %s unavailable (%s); using the %s one", base, exc,
                    "last fetched" if _fetched["districts"] else "shipped")
        districts = _fetched["districts"] or shipped()
    _fetched.update(at=now, districts=districts)
    return districts


def match_districts(text: str, districts: Optional[Tuple[District, ...]] = None) -> list:
    """Districts the text names, among the current list (see module doc)."""
    return _match(text, current_districts() if districts is None else districts)


def district_by_code(code: str) -> Optional[District]:
    for district in current_districts():
        if district.code == code:
            return district
    return BY_CODE.get(code)


def find_phone(text: str) -> str | None:
    """The first valid Azerbaijani number in the text, as +994XXXXXXXXX."""
    for candidate in _PHONE_CANDIDATE.findall(text or ""):
        phone = normalize_phone(candidate)
        if phone:
            return phone
    return normalize_phone(text or "")
