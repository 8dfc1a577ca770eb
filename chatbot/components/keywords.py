"""Keyword safety nets on ASCII-folded Azerbaijani text: urgency, hand-off.

Stdlib only. Used twice, independently of the intent classifier:
- in the NLU pipeline (``components.guard.KeywordIntentGuard``), which forces
  the intent to ``urgent`` (or ``request_human``) so every dialogue path,
  the callback form included, escalates;
- in the action server (``actions.metadata``, ``actions.callback``), as a
  second net for urgency before the cc142 payload is emitted.

Patterns match text already passed through ``cc142_text.fold``
(lower-case, ə→e ı→i ş→s ç→c ğ→g ö→o ü→u). Keep them precise: a false
positive hands a harmless question to an agent, a false negative can
leave a person in danger unattended, so err on the side of matching.
"""

from __future__ import annotations

import re

from cc142_text import fold

_PERSON = (
    r"\b(meni|bizi|onu|onlari|usag\w*|ovlad\w*|qiz\w*|ogl\w*|ana\w*|ata\w*|"
    r"arvad\w*|er\w*|heyat yoldas\w*|bacim\w*|qardas\w*|nenem\w*|babam\w*)"
)

URGENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        # self-harm / suicide
        ("self_harm", r"\bintihar"),
        ("self_harm", r"\bozum(u|e) (oldur|as|yandir|atmaq|atacag|oldurec|qesd|xesaret|zerer)"),
        ("self_harm", r"\bcanim(a|i) (qesd|alma|alaca)"),
        ("self_harm", r"\byasamaq (istemir|istemi|istemey|ist[e]?mir)"),
        ("self_harm", r"\b(heyatima|omrume) son (qoy|ver)"),
        ("self_harm", r"\bolmek ist"),
        ("self_harm", r"\bdamar\w* kes"),
        ("self_harm", r"\bher seye son (qoy|ver)"),
        # violence
        ("violence", r"\bzorak"),
        ("violence", r"\bdoy(ur(?!ma|a bil|ul)|ul|du|ec|er\b|mey|mek|ub|dur)"),
        ("violence", _PERSON + r" (dalbadal |hemise |her gun |yene )?(vurur|vurdu|vurub|doyur(?!a\b|ma)|doyub|doydu|yarala|bicaqla|incid|oldur)"),
        ("violence", r"\b(tecavuz|zorlay|zorladi|zorlamaq|zorlama\b)"),
        ("violence", r"\bistismar"),
        ("violence", r"\bsiddet(?!li)"),
        ("violence", r"\bbicaq(la|)\w* (vur|hucum)"),
        # threats / danger to life
        ("threat", r"\btehdid"),
        ("threat", r"\bhedele"),
        ("threat", r"\bhede-?qorxu"),
        ("threat", r"\boldur(ec|er\b|mek|ur\b|meye|sun|em\b|ecey|uru)"),
        ("threat", r"\btehlukede(dir|yem|yik|yiq)?\b"),
        ("threat", r"\bheyat\w* (tehluke|risk)"),
        # a child at risk
        ("child_at_risk", r"\bbaximsiz (usaq|qal)"),
        ("child_at_risk", r"\busa[gq]\w*( \w+){0,3} (ac qal|kucede qal|evden qov|satma|satir|satmaq|dilenc)"),
        ("child_at_risk", r"\busa[gq]\w*( \w+){0,4} (tek|yalniz|baximsiz|ac|ac-susuz) (qal|qoy|at)"),
    )
)


def urgent_category(text: str) -> str | None:
    """Return the urgency category ("violence", "self_harm", ...) or None.

    ``text`` may be raw or already folded; folding twice is harmless.
    """
    folded = fold(text or "")
    for category, pattern in URGENT_PATTERNS:
        if pattern.search(folded):
            return category
    return None


# Explicit requests for a person. Precise phrasings only (DIET handles the
# rest): "operator" with a verb of contact, "canlı/real insan", "insanla
# danışmaq", "əməkdaşa qoşun", "bot yox" ...
_CONTACT = r"(danis|yazis|qos|birlesdir|yonlendir|otur|cagir|bagla|elaqe|cavab)"
_NEED = r"(lazim|ver(in|)\b)"
HANDOFF_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"^\W*operator\w*\W*$",
        r"\boperator\w*\b.*\b(" + _CONTACT + "|" + _NEED + ")",
        r"\b" + _CONTACT + r"\w*\b.*\boperator(a|la|le|u|un|dan)?\b",
        r"\b(canli|real|diri) (insan|adam|operator|destek|emekdas|biri|sexs)",
        r"(?<!sosial )\b(insan|adam|emekdas\w*|isci\w*|mutexessis\w*|konsultant\w*|meneger\w*)"
        r"(la|le|nan|nen| ile)? " + _CONTACT,
        r"\b(bot|robot|masin)(la|nan)? (yox|deyil|istemir)",
        r"\b(bot|robot)(la|nan) (danismaq|yazismaq) istemir",
    )
)


def explicit_handoff(text: str) -> bool:
    """True when the citizen explicitly asks for a human agent."""
    folded = fold(text or "")
    return any(pattern.search(folded) for pattern in HANDOFF_PATTERNS)
