"""Bytes produced so far: what a zip (or a text encoder) wrote since the last take()."""

from __future__ import annotations


class Chunks:
    """A write-only, unseekable file: zipfile then writes data descriptors after
    each member and never seeks back, so the archive can leave as it is made."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        if data:
            self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out
