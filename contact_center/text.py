"""Azerbaijani text helpers: the shared ``cc142-text`` package (packages/cc142_text).

The bot's virtualenv installs the same package, so the backend and the bot
fold text and normalise phone numbers identically.
"""

from cc142_text import az_lower, fold, normalize_phone

__all__ = ["az_lower", "ascii_digits", "fold", "normalize_phone"]


def ascii_digits(raw: str) -> bool:
    """0-9 only. str.isdigit() also accepts '²' or '٣', which int() refuses or reads as
    a number nobody typed: an id from a form or URL must be plain ASCII digits."""
    return raw.isascii() and raw.isdigit()
