"""The bot's knowledge base: as shipped (``answers.json``, read here with the
stdlib only) and as supervisors edit it in PostgreSQL (`entries`: rendering at
reply time, edits, keeping shipped entries current; `sources`: the source test).

One entry per answer key (``social_protection/pension``, ``greet``,
``handoff_urgent`` ...) with its text per language, its buttons, and per
factual claim the source document and exact sentence (or ``generic``).
The bot's domain responses are generated from this file
(``chatbot/manage.py domain``); the backend seeds its knowledge base from it.
Format: chatbot/README.md, "The knowledge base".
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


@cache
def knowledge_base() -> dict[str, Any]:
    """The whole file: ``format``, ``languages``, ``documents``, ``buttons``, ``answers``."""
    return json.loads((HERE / "answers.json").read_text(encoding="utf-8"))


def answers() -> list[dict[str, Any]]:
    return knowledge_base()["answers"]
