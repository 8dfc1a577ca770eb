"""NLU safety net: force ``urgent`` / ``request_human`` / ``frustration`` on keywords.

Runs after ``FallbackClassifier``, on the folded text (Azerbaijani and
Russian patterns). Whatever DIET predicted (a direction, a greeting,
``nlu_fallback``...):

- a message matching ``components.keywords.URGENT_PATTERNS`` leaves the
  pipeline as intent ``urgent``;
- otherwise a clear request for a person (``HANDOFF_PATTERNS``) leaves it as
  ``request_human``;
- otherwise clear frustration with the bot (``FRUSTRATION_PATTERNS``:
  insults, "you don't understand", "useless") leaves it as ``frustration``;

with confidence 1.0, so the dialogue rules escalate it (inside the callback
form too). The original ranking is kept below and the matched guard is
recorded in the parse result under ``keyword_guard``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.keywords import explicit_handoff, frustrated, urgent_category

URGENT_INTENT = "urgent"
HANDOFF_INTENT = "request_human"
FRUSTRATION_INTENT = "frustration"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class KeywordIntentGuard(GraphComponent):
    """Overrides the intent on a safety keyword match."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KeywordIntentGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            category = urgent_category(text)
            if category is not None:
                self._force(message, URGENT_INTENT, f"urgent:{category}")
            elif current != URGENT_INTENT and explicit_handoff(text):
                self._force(message, HANDOFF_INTENT, "handoff")
            elif current not in (URGENT_INTENT, HANDOFF_INTENT) and frustrated(text):
                # also when DIET said "frustration" with a low confidence: the
                # callback form hands off only on a confident one
                self._force(message, FRUSTRATION_INTENT, "frustration")
        return messages

    @staticmethod
    def _force(message: Message, intent_name: Text, reason: Text) -> None:
        forced = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            item
            for item in message.get(INTENT_RANKING_KEY) or []
            if item.get(INTENT_NAME_KEY) != intent_name
        ]
        message.set(INTENT, forced, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)
        message.set("keyword_guard", reason, add_to_output=True)
