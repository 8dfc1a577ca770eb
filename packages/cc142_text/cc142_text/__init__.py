"""Azerbaijani text helpers shared by the 142 backend and its Rasa bot (stdlib only).

- :func:`az_lower` / :func:`fold`: Azerbaijani-aware lower-casing and ASCII
  folding, so "PENSİYAMI NECƏ ALIM" and "pensiyami nece alim" compare equal;
- :func:`normalize_phone`: any Azerbaijani number as ``+994XXXXXXXXX``;
- :mod:`cc142_text.districts`: the shipped district list and the matcher the
  bot's callback form uses.

One package installed into both virtualenvs (and put on ``PYTHONPATH`` in
the official Rasa images), so neither side edits ``sys.path``.
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = ["az_lower", "fold", "normalize_phone"]

_ASCII_FOLD = str.maketrans(
    {"ə": "e", "ı": "i", "ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u", "\u0307": ""}
)


def az_lower(text: str) -> str:
    """Lower-case with Azerbaijani rules: İ→i and I→ı (Python maps I→i, İ→i̇)."""
    return text.replace("İ", "i").replace("I", "ı").lower()


def fold(text: str) -> str:
    """Lower-case and strip Azerbaijani letters to ASCII (ə→e, ı→i, ...).

    Citizens often type without Azerbaijani letters; folding both sides makes
    "Pensiyamı necə alım" and "pensiyami nece alim" the same string. Other
    scripts (Cyrillic) are only lower-cased.
    """
    return az_lower(text).translate(_ASCII_FOLD)


_PHONE_JUNK = re.compile(r"[\s\-().]")
# Azerbaijani numbers: 9 national digits; mobile prefixes 10,50,51,55,60,70,77,99;
# landlines start with the area code (12 Baku, 18 Sumqayıt, 22 Gəncə, ...).
_NATIONAL = re.compile(r"^(?:10|12|18|2\d|3\d|40|50|51|55|60|70|77|99)\d{7}$")


def normalize_phone(raw: str) -> Optional[str]:
    """Return the number as +994XXXXXXXXX, or None when it is not a valid AZ number.

    Accepts +994..., 994..., 00994..., 0XX... and the bare 9 digits.
    """
    s = _PHONE_JUNK.sub("", raw or "")
    if s.startswith("+"):
        s = s[1:]
        if not s.startswith("994"):
            return None
    if s.startswith("00994"):
        s = s[2:]
    if s.startswith("994"):
        s = s[3:]
    elif s.startswith("0"):
        s = s[1:]
    if not s.isdigit() or not _NATIONAL.match(s):
        return None
    return "+994" + s
