"""Keyed hashes of phone numbers: "the same caller" stays countable and findable
without the number itself (the audit trail, anonymised records).

HMAC-SHA256 with `CC142_PSEUDONYM_KEY` over the normalised +994 number, so the
same number written as "050 123 45 67" or "+994501234567" gets one pseudonym,
and nobody without the key can test guesses against it (Azerbaijan's mobile
numbers are few enough to enumerate).
"""

from __future__ import annotations

import hashlib
import hmac

from contact_center.text import normalize_phone

PREFIX = "ph:"


class PseudonymKeyMissing(RuntimeError):
    """CC142_PSEUDONYM_KEY is not set: numbers cannot be pseudonymised."""


def pseudonym(phone: str, key: str) -> str:
    """`ph:` + 32 hex digits for a number (normalised first when it is an Azerbaijani one)."""
    if not key:
        raise PseudonymKeyMissing("set CC142_PSEUDONYM_KEY to pseudonymise phone numbers")
    value = normalize_phone(phone) or phone.strip()
    return PREFIX + hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


CONTACT_PREFIX = "ct:"


def contact_pseudonym(contact_id: str, key: str) -> str:
    """`ct:` + 32 hex digits for a chat contact id (a web chat visitor hash, a Meta PSID)."""
    if not key:
        raise PseudonymKeyMissing("set CC142_PSEUDONYM_KEY to pseudonymise contact ids")
    return CONTACT_PREFIX + hmac.new(key.encode(), f"contact:{contact_id}".encode(), hashlib.sha256).hexdigest()[:32]
