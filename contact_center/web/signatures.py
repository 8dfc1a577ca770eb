from __future__ import annotations

import hashlib
import hmac


def sign_sha256(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_sha256(secret: str, body: bytes, header: str | None) -> bool:
    """Check `sha256=<hex HMAC-SHA256 of body>` in constant time.

    An empty secret never verifies: an unconfigured webhook must not be open.
    """
    if not secret or not header:
        return False
    expected = sign_sha256(secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())
