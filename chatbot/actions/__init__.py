"""Custom actions of the 142 bot (rasa-sdk 3.6), split by concern:

- ``metadata``  – the cc142 payload every response ends with (``action_cc142``)
- ``handoff``   – explicit and urgent hand-off, "yes" to an operator offer
- ``fallback``  – low-confidence counting, core fallback
- ``session``   – built-in "/session_start", "/restart", "/back" overrides
- ``callback``  – the ``callback_form``: validation, questions, submission
- ``directions``, ``districts``, ``phrases`` – stdlib helpers (no rasa-sdk)

The action server never talks to a database or to another service: the
backend creates callbacks and hand-offs from the payload.

Imports: ``cc142_text`` (the shared text package, installed in .venv-rasa);
``components.*`` from chatbot/, the working directory of the action server
(``rasa run actions`` and ``python -m rasa_sdk`` put it on the path).
"""
