"""NLU component that folds Azerbaijani (and Russian) text before tokenisation.

Placed first in the pipeline. At training time it rewrites every training
example, at inference time every incoming message, with
``components.keywords.normalize`` (``cc142_text.fold``: Azerbaijani-aware
lower-casing, then ə→e ı→i ş→s ç→c ğ→g ö→o ü→u; and ё→е). Training data is
therefore written in proper Azerbaijani and Russian while "PENSİYAMI NECƏ
ALIM", "pensiyamı necə alım" and "pensiyami nece alim" all reach the
featurizers as the same string, whoever calls the bot. The raw text is still
what Rasa stores on the user event; at inference it is also kept on the
message (``RAW_TEXT``) for the language detector, which needs the letters.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.keywords import normalize

RAW_TEXT = "cc142_raw_text"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class AzerbaijaniFolder(GraphComponent):
    """Replaces the message text by its ASCII-folded, lower-cased form."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "AzerbaijaniFolder":
        return cls()

    @staticmethod
    def _fold_message(message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and text:
            message.set(RAW_TEXT, text)
            message.set(TEXT, normalize(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._fold_message(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._fold_message(message)
        return messages
