"""Keyword safety nets on folded text (Azerbaijani and Russian): urgency,
hand-off, frustration.

Stdlib only. Used twice, independently of the intent classifier:
- in the NLU pipeline (``components.guard.KeywordIntentGuard``), which forces
  the intent to ``urgent`` (or ``request_human``) so every dialogue path,
  the callback form included, escalates;
- in the action server (``actions.metadata``, ``actions.callback``), as a
  second net for urgency before the cc142 payload is emitted.

Patterns match text passed through :func:`normalize` (``cc142_text.fold``:
lower-case, ə→e ı→i ş→s ç→c ğ→g ö→o ü→u; and ё→е for Russian). Keep them
precise: a false positive hands a harmless question to an agent, a false
negative can leave a person in danger unattended, so err on the side of
matching.
"""

from __future__ import annotations

import re

from cc142_text import fold


def normalize(text: str) -> str:
    """The form every keyword pattern (and the NLU pipeline) sees."""
    return fold(text or "").replace("ё", "е")


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
        ("child_at_risk", r"\b(usa[gq]|korpe|azyasli)\w*( \w+){0,3} (ac qal|kucede qal|evden qov|satma|satir|satmaq|dilenc)"),
        ("child_at_risk", r"\b(usa[gq]|korpe|azyasli)\w*( \w+){0,4} (tek|yalniz|baximsiz|ac|ac-susuz) (qal|qoy|at)"),
        # --- Russian (Cyrillic)
        ("self_harm", r"суицид"),
        ("self_harm", r"поконч\w* (с )?собой"),
        ("self_harm", r"не (хочу|хочется|могу) (больше |так )?жить"),
        ("self_harm", r"жить не (хочу|хочется)"),
        ("self_harm", r"\b(убить|убью|убиваю) себя"),
        ("self_harm", r"\bлиш\w* себя жизни"),
        ("self_harm", r"\b(вскр|пореж|перерез)\w* (себе )?вен"),
        ("self_harm", r"свести сч\w* с жизнью"),
        ("self_harm", r"\bхочу умереть"),
        ("self_harm", r"\b(причин\w*|наношу) себе (вред|боль|травм)"),
        ("violence", r"\bизбива|\bизбил|\bизбит"),
        ("violence", r"\bбь(ет|ют|ешь)\b"),
        ("violence", r"\b(меня|нас|ее|его|их|детей|ребенка|сына|дочь|маму|мать)( \w+){0,2} (бил|била|били|побил\w*|ударил\w*)\b"),
        ("violence", r"\b(бил|била|били|побил\w*|ударил\w*)( \w+){0,2} (меня|нас|ее|его|их|детей|ребенка|сына|дочь|маму|мать)\b"),
        ("violence", r"\bнасили"),
        ("violence", r"\bизнасил"),
        ("violence", r"\bистяза"),
        ("violence", r"\bпобои"),
        ("violence", r"\bрукоприкладств"),
        ("violence", r"\bножом"),
        ("threat", r"\bугрожа"),
        ("threat", r"\bугроз"),
        ("threat", r"\bубь(ю|ет|ют|ешь)\b"),
        ("threat", r"\bубийств"),
        ("threat", r"\b(хоч\w*|грозит\w*|обещ\w*) (меня |нас |ее |его )?убить"),
        ("threat", r"\b(я|мы|жизнь|ребенок|дети) в опасности"),
        ("threat", r"\bжизни угрожа"),
        ("child_at_risk", r"\b(ребен\w*|дет(и|ей)|малыш\w*)( \w+){0,5} (один|одна|одни|без присмотра|голода\w*|голодн\w*)\b"),
        ("child_at_risk", r"\b(брос\w*|оставил\w*) (ребенка|детей|малыша)"),
    )
)


def urgent_category(text: str) -> str | None:
    """Return the urgency category ("violence", "self_harm", ...) or None.

    ``text`` may be raw or already folded; folding twice is harmless.
    """
    folded = normalize(text)
    for category, pattern in URGENT_PATTERNS:
        if pattern.search(folded):
            return category
    return None


# Explicit requests for a person. Precise phrasings only (DIET handles the
# rest): "operator" with a verb of contact, "canlı/real insan", "insanla
# danışmaq", "əməkdaşa qoşun", "bot yox" ...
_CONTACT = r"(danis|yazis|qos|birlesdir|yonlendir|otur|cagir|bagla|elaqe|cavab)"
_NEED = r"(lazim|ver(in|)\b)"
_RU_CONTACT = r"(соедин|свяж|связ|позов|позвать|переключ|перевед|перевест|поговор|говорить|переписыва|пообщ)"
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
        # --- Russian
        r"^\W*оператор\w*\W*$",
        r"\bоператор\w*\b.*\b(" + _RU_CONTACT + "|нуж|дайте|хочу)",
        r"\b" + _RU_CONTACT + r"\w*\b.*\bоператор",
        r"\b(жив\w*|реальн\w*|настоящ\w*) (человек|оператор|сотрудник|специалист|консультант)",
        r"\b" + _RU_CONTACT + r"\w*\b.*\b(человек|сотрудник|специалист|консультант|менеджер)\w*",
        r"\b(человек|сотрудник|специалист|консультант|менеджер)\w*\b.*\b" + _RU_CONTACT,
        r"\b(нужен|нужна|нужно|хочу) (человек|сотрудник|специалист|консультант)\b",
        r"\b(а )?не (с )?(ботом|роботом|бот|робот)\b",
    )
)


def explicit_handoff(text: str) -> bool:
    """True when the citizen explicitly asks for a human agent."""
    folded = normalize(text)
    return any(pattern.search(folded) for pattern in HANDOFF_PATTERNS)


# Frustration with the bot: insults, "you don't understand", "useless",
# "the same again". The citizen goes to a person (reason "frustration").
FRUSTRATION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bbasa dusmur(sen|sunuz|sunuzmu|senmi|ler)\b",
        r"\bhec ne (basa dusmur|anlamir|bilmir)\w*",
        r"\banlamir(san|siniz|lar)\b",
        r"\bfaydasiz",
        r"\b(hec bir )?faydasi (yox|olmadi|olmur)",
        r"\bhec bir fayda\w*",
        r"\bise yara(mir|maz|mayan|madi)\b",
        r"\b(axmaq|gic|tupoy|debil|sarsaq|idiot)(san|siniz|dir)?\b.*\b(bot|robot|masin|sen|siz|cavab)",
        r"\b(bot|robot|masin|sen|siz)\b.*\b(axmaq|gic|tupoy|debil|sarsaq|idiot)\w*",
        r"\b(axmaq|gic|tupoy|debil|sarsaq)(san|siniz)\b",
        r"\bbezdi(m|rdin|rdiniz|rdi)\b",
        r"\bzehlem(i)? (ged|tokd)",
        r"\b(yene|hey|hemise) eyni (cavab|sey)",
        r"\beyni seyi (yazir|tekrar|deyir)",
        r"\bkomek etmir(sen|siniz)\b",
        # --- Russian
        r"\bне понима(ешь|ете|ет)\b",
        r"\bничего не понима(ешь|ете|ет)",
        r"\bбесполезн",
        r"\bтолку (нет|никакого|ноль|от)",
        r"\b(туп(ой|ая|ое|ица|ые)|дурак|дура|идиот\w*|кретин\w*|дебил\w*)\b",
        r"\b(бред|чушь|ерунд\w*)\b",
        r"\b(достал|достали|достала|надоел\w*|бесит|бесишь)\b",
        r"\bиздева",
        r"\bне помога(ешь|ете|ет)\b",
        r"\bодно и то же\b",
        r"\bсколько можно\b",
    )
)


def frustrated(text: str) -> bool:
    """True when the message shows clear frustration with the bot."""
    folded = normalize(text)
    return any(pattern.search(folded) for pattern in FRUSTRATION_PATTERNS)
