"""NLU component: the language of the message, as the entity ``language``.

Last in the pipeline. Sets the entity ``language`` (``az`` | ``ru``), which
fills the ``language`` slot before any response is chosen, so every answer,
button and form prompt of this turn comes in that language:

1. the language the citizen chose in the widget, when the request metadata
   carries ``"language": "az" | "ru"``;
2. otherwise what :func:`components.language.detect` reads from the raw
   text (letters, then words); undecided messages (a number, a district,
   "ok") set nothing and the conversation keeps its language.

Russian typed in Latin letters is answered in Russian, but the classifier
learnt Cyrillic Russian only: whatever it predicts for such a message is
replaced by ``nlu_fallback`` (ask to rephrase, then a person), never a
confident wrong answer; only the keyword guard's decisions (urgent, a
request for a person, frustration) stand. The detection is reported in the parse result under
``language`` (``{"language", "latin", "source"}``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    METADATA,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.language import detect, metadata_language
from components.normalize import RAW_TEXT

ENTITY = "language"
FALLBACK_INTENT = "nlu_fallback"
GUARD = "keyword_guard"  # set by components.guard.KeywordIntentGuard when it decided


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class LanguageDetector(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            raw = message.get(RAW_TEXT) or message.get(TEXT) or ""
            detection = detect(raw)
            chosen = metadata_language(message.get(METADATA))
            language = chosen or detection.language
            if detection.latin and detection.language == "ru" and not message.get(GUARD):
                self._fall_back(message)
            if language is not None:
                entity = {
                    "entity": ENTITY, "value": language, "start": 0, "end": len(raw),
                    "confidence_entity": 1.0, "extractor": type(self).__name__,
                }
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
            message.set(
                "language",
                {"language": language, "latin": detection.latin,
                 "source": "metadata" if chosen else ("text" if language else None)},
                add_to_output=True,
            )
        return messages

    @staticmethod
    def _fall_back(message: Message) -> None:
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) == FALLBACK_INTENT:
            return
        fallback = {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = message.get(INTENT_RANKING_KEY) or []
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
