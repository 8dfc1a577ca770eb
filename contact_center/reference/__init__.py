"""Reference catalogue shipped with the code (stdlib only).

The migration seeds these into the database, where admins edit them later.
The district list ships in the shared ``cc142-text`` package
(packages/cc142_text), because the bot's callback form matches against it
too; the catalogue is plain JSON beside this module, and this module imports
nothing but the stdlib and that package. The lists as the database holds them
(the choices of forms and filters, the admins' editing) are in
`contact_center.reference.lists`, never imported here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from cc142_text.districts import shipped_rows

HERE = Path(__file__).parent


@cache
def catalog() -> dict[str, list[dict[str, str]]]:
    return json.loads((HERE / "catalog.json").read_text(encoding="utf-8"))


@cache
def districts() -> list[dict[str, str]]:
    return [dict(row) for row in shipped_rows()]


DIRECTION_CODES: tuple[str, ...] = tuple(d["code"] for d in catalog()["directions"])
