"""NLU safety net: force the ``urgent`` intent when urgency keywords match.

Runs after ``FallbackClassifier``. Whatever DIET predicted (a direction,
greeting, ``nlu_fallback``...), a message that matches
``components.keywords.URGENT_PATTERNS`` leaves the pipeline as intent
``urgent`` with confidence 1.0, so the dialogue rules escalate it (also in
the middle of the callback form). The original top intent stays in the
ranking and the match is recorded under ``urgent_keyword``.
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

from components.keywords import urgent_category

URGENT_INTENT = "urgent"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class UrgencyGuard(GraphComponent):
    """Overrides the intent with ``urgent`` on a keyword match."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UrgencyGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            category = urgent_category(message.get(TEXT) or "")
            if category is None:
                continue
            urgent = {INTENT_NAME_KEY: URGENT_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [
                item
                for item in message.get(INTENT_RANKING_KEY) or []
                if item.get(INTENT_NAME_KEY) != URGENT_INTENT
            ]
            message.set(INTENT, urgent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [urgent, *ranking], add_to_output=True)
            message.set("urgent_keyword", category, add_to_output=True)
        return messages
