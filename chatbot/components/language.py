"""Which language a citizen writes in: Azerbaijani or Russian (stdlib only).

:func:`detect` looks at one message:

- more Cyrillic than Latin letters → ``ru``;
- Azerbaijani letters (ə ı ğ ş ç ö ü) → ``az``;
- Latin letters only: words that only Azerbaijani uses ("necə", "üçün",
  "istəyirəm" typed as "nece", "ucun", "isteyirem") against words of
  Russian typed in Latin letters ("kak", "mne", "pochemu", "nuzhno") →
  ``az``, or ``ru`` with ``latin=True``, or undecided;
- undecided (a phone number, a district name, "ok", a button payload) →
  ``None``: the conversation keeps its language.

Russian typed in Latin letters is answered in Russian but never classified
into a direction (the model learnt Cyrillic Russian): see
``components.tagger.LanguageDetector``.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

LANGUAGES = ("az", "ru")
_CYRILLIC = re.compile(r"[а-яёәғҹөүһ]", re.IGNORECASE)
_LATIN = re.compile(r"[a-zəğıöüşç]", re.IGNORECASE)
_AZ_LETTERS = re.compile(r"[əğışçöüƏĞİŞÇÖÜ]")
_WORD = re.compile(r"[a-z]+")
_FOLD = str.maketrans({"ə": "e", "ı": "i", "ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u"})

# Folded (ASCII) words only Azerbaijani uses: none is a Russian word in Latin letters.
AZ_WORDS = frozenset(
    """
    ucun nece necedir isteyirem isteyirik istemirem edim edin ederem edirem olar olarmi olmaz
    harada hara haradan hardan niye niye menim mene meni bizim bize sizin size onun
    bilerem bilersiniz bilmirem lazimdir lazim var varmi yoxdur yox ile ve haqqinda hansi
    gore deyil qeder vaxt muraciet zehmet olmasa teshekkur tesekkur sagol salam xahis
    edirsiniz verin verir verilir alim almaq olur olub ama amma hec bir cox
    nedir kimi bu da de ki mi mu muavinet teqaud isci isegoturen maas arayis
    """.split()
)
# Russian words as typed in Latin letters (none is an Azerbaijani word).
RU_LATIN_WORDS = frozenset(
    """
    kak mne menya menja chto shto gde kogda pochemu pochemy nuzhno nado nuzhna nuzhen khochu hochu
    mozhno pomogite pomoch spasibo zdravstvuyte zdravstvujte zdravstvuite privet moy moya moi moe
    eto kto skolko dlya dlja esli uzhe ili vy vas vam pozhaluysta pozhalujsta oformit poluchit
    net po v na u s k
    """.split()
)


class Detection(NamedTuple):
    language: Optional[str]  # "az" | "ru" | None (undecided)
    latin: bool = False  # Russian typed in Latin letters


def detect(text: str) -> Detection:
    text = text or ""
    if not text.strip() or text.lstrip().startswith("/"):
        return Detection(None)
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if cyrillic > latin:
        return Detection("ru")
    if cyrillic == 0 and latin == 0:
        return Detection(None)
    if _AZ_LETTERS.search(text):
        return Detection("az")
    words = _WORD.findall(text.lower().translate(_FOLD))
    az = sum(1 for w in words if w in AZ_WORDS)
    ru = sum(1 for w in words if w in RU_LATIN_WORDS)
    if (ru >= 2 and ru > az) or (ru >= 1 and az == 0 and len(words) >= 2):
        return Detection("ru", latin=True)
    if az >= 1 and az >= ru:
        return Detection("az")
    return Detection(None)


def metadata_language(metadata: object) -> Optional[str]:
    """The language the citizen chose in the widget (request metadata), if any."""
    if isinstance(metadata, dict):
        value = metadata.get("language")
        if value in LANGUAGES:
            return value
    return None
