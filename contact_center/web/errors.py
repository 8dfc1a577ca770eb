from __future__ import annotations

from typing import Any

from aiohttp import web


def json_error(status: int, error: str, message: str, **extra: Any) -> web.Response:
    """A clear machine-readable error: {"error": code, "message": text, ...details}."""
    return web.json_response({"error": error, "message": message, **extra}, status=status)


class InputError(Exception):
    """Bad input in a request body; `index` is the item of an array, `field` the key."""

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.index = index

    def response(self, status: int = 422) -> web.Response:
        extra: dict[str, Any] = {"field": self.field}
        if self.index is not None:
            extra["index"] = self.index
        return json_error(status, "invalid_input", self.message, **extra)
