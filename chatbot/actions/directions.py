"""Intent → direction mapping (stdlib only).

The seven direction intents are retrieval intents named after the direction
codes of ``contact_center/reference/catalog.json``; every other intent
(greet, request_human, inform, ...) has no direction.
"""

from __future__ import annotations

from contact_center.reference import DIRECTION_CODES

DIRECTIONS: frozenset[str] = frozenset(DIRECTION_CODES)


def base_intent(intent: str | None) -> str | None:
    """"social_protection/pension" → "social_protection"."""
    if not intent:
        return None
    return intent.split("/", 1)[0]


def direction_of(intent: str | None) -> str | None:
    base = base_intent(intent)
    return base if base in DIRECTIONS else None
