"""Azerbaijani text helpers: the shared ``cc142-text`` package (packages/cc142_text).

The bot's virtualenv installs the same package, so the backend and the bot
fold text and normalise phone numbers identically.
"""

from cc142_text import az_lower, fold, normalize_phone

__all__ = ["az_lower", "fold", "normalize_phone"]
