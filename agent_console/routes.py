"""Mounts the console on the application (filled by the console work)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    pass
