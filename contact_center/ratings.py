"""The citizens' 1-5 ratings (chat CSAT, the post-call survey) as a list filter, counted
the way the statistics count them: "positive" is the share DOST reports (4-5)."""

from __future__ import annotations

from typing import Any

RATING_LABELS = {"rated": "Qiymətləndirilib", "positive": "4-5 bal", "negative": "1-3 bal"}


def rating_condition(column: Any, choice: str | None) -> Any | None:
    """The WHERE condition on a rating column for a RATING_LABELS key (None: no filter)."""
    if choice == "rated":
        return column.is_not(None)
    if choice == "positive":
        return column >= 4
    if choice == "negative":
        return column <= 3
    return None
