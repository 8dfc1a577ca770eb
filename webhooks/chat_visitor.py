"""Web chat visitors: the widget keeps a random token in localStorage.

The token is the citizen's only credential for their history, so it is never
stored: the conversation's contact_id is its SHA-256 (agents and live events
see the hash, not the token).
"""

from __future__ import annotations

import hashlib
import re

from contact_center.web.errors import InputError

CHANNEL = "web_chat"
_VISITOR = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


def check_visitor_id(value: object, field: str = "visitor_id") -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{field} is required (a string of 8-128 letters, digits, _ . : -)", field=field)
    if not _VISITOR.match(value):
        raise InputError(f"{field} must be 8-128 letters, digits or _ . : -", field=field)
    return value


def contact_id_for(visitor_id: str) -> str:
    return hashlib.sha256(f"cc142-web-chat:{visitor_id}".encode()).hexdigest()
