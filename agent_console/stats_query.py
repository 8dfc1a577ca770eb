"""The statistics question (contact_center.stats.params) said for supervisors:
the periods' names, the channels' names and the refusals, in Azerbaijani.
The parameters and their meaning are the API's."""

from __future__ import annotations

from contact_center.stats.params import MAX_RECORDS_DAYS, QueryError, StatsQuery

PERIODS = {"today": "Bu gün", "week": "Bu həftə", "month": "Bu ay", "custom": "Seçilmiş dövr",
           "cumulative": "Kumulyativ"}
CHANNEL_LABELS = {"phone": "Daxil olan zənglər", "callback": "Əks-əlaqə zəngləri", "web_chat": "Onlayn çat",
                  "facebook": "Facebook", "instagram": "Instagram"}

BAD_DATE = "Tarixi İİİİ-AA-GG formatında seçin."
MESSAGES = {
    "period": "Dövrü siyahıdan seçin.",
    "missing": BAD_DATE,
    "date": BAD_DATE,
    "order": "Son tarix başlanğıc tarixindən əvvəl ola bilməz.",
    "too_long": "Dövr çox uzundur: ən çox 25 il seçin.",
    "too_early": "Dövr 1971-ci ildən əvvəl başlaya bilməz.",
    "not_listed": "Bu dəyər siyahıda yoxdur: siyahıdan seçin.",
    "invalid": "Bu dəyər düzgün deyil (ən çox 64 simvol, ':' olmadan).",
    "records_limit": f"Bir neçə süzgəc birlikdə ən çox {MAX_RECORDS_DAYS} günlük dövr üçün hesablanır: dövrü "
                     "qısaldın və ya süzgəclərdən birini götürün.",
}


def error_message(exc: QueryError) -> str:
    if exc.reason == "unknown":
        return f"Naməlum parametr: {exc.field!r}."
    return MESSAGES[exc.reason]


def period_label(q: StatsQuery) -> str:
    if q.date_from == q.date_to:
        return f"{q.date_from:%d.%m.%Y}"
    return f"{q.date_from:%d.%m.%Y} – {q.date_to:%d.%m.%Y}"
