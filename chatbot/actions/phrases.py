"""Small word lists for yes / no / cancel on folded text, az and ru (stdlib only)."""

from __future__ import annotations

import re

from components.keywords import normalize as fold

_YES = re.compile(
    r"\b(beli|he|hee|hə|ha|bəli|tesdiq\w*|duzdur|dogrudur|raziyam|ok|okey|oldu|elbette|yes|da"
    r"|да|ага|конечно|верно|подтвержда\w*|согласен|согласна|хорошо|ок)\b"
)
_NO = re.compile(
    r"\b(xeyr|yox|yoxdur|yoh|no|istemirem|legv\w*|imtina\w*|lazim deyil|vaz kec\w*|dayandir"
    r"|нет|не надо|не нужно|отмен\w*|не хочу|откаж\w*|отказыва\w*)\b"
)
_CANCEL = re.compile(
    r"\b(imtina\w*|legv\w*|istemirem|lazim deyil|vaz kec\w*|dayandir\w*|xeyr|yox"
    r"|нет|не надо|не нужно|отмен\w*|не хочу|откаж\w*|отказыва\w*|передумал\w*)\b"
)
_DIGITS = re.compile(r"\d")


def says_yes(text: str) -> bool:
    return bool(_YES.search(fold(text or "")))


def says_no(text: str) -> bool:
    return bool(_NO.search(fold(text or "")))


def wants_to_cancel(text: str) -> bool:
    return bool(_CANCEL.search(fold(text or "")))


def has_digits(text: str) -> bool:
    return bool(_DIGITS.search(text or ""))
