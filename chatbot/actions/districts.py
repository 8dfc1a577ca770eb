"""Phone and district parsing for the callback form (stdlib only).

Districts: the shipped list and matcher of the shared ``cc142_text``
package (Azerbaijani and Russian names, folded). A short name shared by a
city and a rayon ("Lənkəran", "Şəki", "Yevlax") is ambiguous and the
citizen is asked to choose.
"""

from __future__ import annotations

import re

from cc142_text import normalize_phone
from cc142_text.districts import District, by_code, match_districts, mentions_baku

__all__ = ["BY_CODE", "District", "find_phone", "match_districts", "mentions_baku"]

_PHONE_CANDIDATE = re.compile(r"\+?\d[\d\s\-().]{6,}\d")

BY_CODE: dict[str, District] = by_code()


def find_phone(text: str) -> str | None:
    """The first valid Azerbaijani number in the text, as +994XXXXXXXXX."""
    for candidate in _PHONE_CANDIDATE.findall(text or ""):
        phone = normalize_phone(candidate)
        if phone:
            return phone
    return normalize_phone(text or "")
