"""The knowledge base as the bot sees it: which responses are answer keys (stdlib only).

``domain/answers.yml`` is generated from contact_center/knowledge/answers.json
(``manage.py domain``): response ``utter_<key>`` for every answer key. The
payload reports the key of the answer a turn gave (``answer_key``), so the
backend can render the text it keeps for that key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

GENERATED_DOMAIN = Path(__file__).resolve().parent.parent / "domain" / "answers.yml"
_RESPONSE = re.compile(r"^  utter_(\S+):\s*$", re.MULTILINE)


def _load() -> frozenset[str]:
    return frozenset(_RESPONSE.findall(GENERATED_DOMAIN.read_text(encoding="utf-8")))


ANSWER_KEYS: frozenset[str] = _load()


def key_of_response(response: Optional[str]) -> Optional[str]:
    """"utter_social_protection/pension" → "social_protection/pension" (KB responses only)."""
    if not response or not response.startswith("utter_"):
        return None
    key = response[len("utter_"):]
    return key if key in ANSWER_KEYS else None
