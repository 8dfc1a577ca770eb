"""The filters of a statistics query (contact_center.stats.params reads them)."""

from __future__ import annotations

from dataclasses import dataclass, fields

CHANNELS = ("phone", "callback", "web_chat", "facebook", "instagram")
CHAT_CHANNELS = ("web_chat", "facebook", "instagram")
# A filter on one of these dimensions is answered from the rollups; several at
# once are computed from the records (correct, slower).
ROLLUP_DIMS = ("queue", "agent", "direction", "district")
# Answered from the records only (no rollup rows): a conversation's language (az | ru).
RECORD_DIMS = ("language",)
LANGUAGES = ("az", "ru")
FKEY_PREFIX = {"queue": "q", "agent": "a", "direction": "dir", "district": "dis"}


@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    queue: str | None = None
    agent: str | None = None  # the agent's extension
    direction: str | None = None
    district: str | None = None
    language: str | None = None  # chats only: the other sections are empty under it

    def dims(self) -> dict[str, str]:
        """The dimensions that are set (rollup ones first)."""
        return {d: getattr(self, d) for d in (*ROLLUP_DIMS, *RECORD_DIMS) if getattr(self, d) is not None}

    def fkey(self) -> str | None:
        """The rollup row key answering these filters, or None (needs the records)."""
        dims = self.dims()
        if any(d in dims for d in RECORD_DIMS):
            return None
        if not dims:
            return ""
        if len(dims) > 1:
            return None
        ((dim, value),) = dims.items()
        return f"{FKEY_PREFIX[dim]}:{value}"

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Reference:
    """Valid codes (from the reference tables) for checking filters."""

    directions: frozenset[str]
    districts: frozenset[str]
