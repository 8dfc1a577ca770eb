"""Intent → direction mapping (stdlib only).

The seven direction intents are retrieval intents named after the direction
codes of the backend's catalogue (``contact_center/reference/catalog.json``;
tests/chatbot/test_helpers.py checks that they agree); every other intent
(greet, request_human, inform, ...) has no direction.
"""

from __future__ import annotations

DIRECTION_CODES: tuple[str, ...] = (
    "social_protection", "employment", "disability", "labour_relations",
    "certificates", "vem", "general",
)
DIRECTIONS: frozenset[str] = frozenset(DIRECTION_CODES)


def base_intent(intent: str | None) -> str | None:
    """"social_protection/pension" → "social_protection"."""
    if not intent:
        return None
    return intent.split("/", 1)[0]


def direction_of(intent: str | None) -> str | None:
    base = base_intent(intent)
    return base if base in DIRECTIONS else None
