"""Reference catalogue shipped with the code (stdlib only).

The migration seeds these into the database, where admins edit them later;
the bot's action server reads the district list from here too, so the
file format is plain JSON and this module imports nothing but the stdlib.
The lists as the database holds them (the choices of forms and filters, the
admins' editing) are in `contact_center.reference.lists`, never imported here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent


@cache
def catalog() -> dict[str, list[dict[str, str]]]:
    return json.loads((HERE / "catalog.json").read_text(encoding="utf-8"))


@cache
def districts() -> list[dict[str, str]]:
    return json.loads((HERE / "districts.json").read_text(encoding="utf-8"))


DIRECTION_CODES: tuple[str, ...] = tuple(d["code"] for d in catalog()["directions"])
