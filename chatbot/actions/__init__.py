"""Custom actions of the 142 bot (rasa-sdk 3.6), split by concern:

- ``metadata``  – the cc142 payload every response ends with (``action_cc142``)
- ``handoff``   – explicit and urgent hand-off, "yes" to an operator offer
- ``fallback``  – low-confidence counting, core fallback
- ``session``   – built-in "/session_start", "/restart", "/back" overrides
- ``callback``  – the ``callback_form``: validation, questions, submission
- ``directions``, ``districts``, ``phrases`` – stdlib helpers (no rasa-sdk)

The action server never talks to a database or to another service: the
backend creates callbacks and hand-offs from the payload.
"""

from __future__ import annotations

import sys
from pathlib import Path

_BOT_DIR = Path(__file__).resolve().parent.parent  # chatbot/ (for components.*)
_REPO_ROOT = _BOT_DIR.parent  # for contact_center.* (stdlib-only helpers)
for _path in (str(_BOT_DIR), str(_REPO_ROOT)):
    if _path not in sys.path:
        sys.path.append(_path)
