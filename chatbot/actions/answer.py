"""``action_answer``: the answer to a service question, by answer key.

DIET predicts the direction (a retrieval intent such as ``vem``); the single
ResponseSelector ranks every answer key of both languages. The answer is the
best-ranked key *of the predicted direction* (:func:`answer_key_of`), sent as
the response ``utter_<key>``; Rasa renders its variation for the
``language`` slot.

The same question sent again (the previous answer did not help) is a sign of
frustration: the citizen goes to a person instead of reading the same text
twice (:func:`repeated`).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.directions import DIRECTIONS
from actions.handoff import hand_off
from components.keywords import normalize

_NON_WORD = re.compile(r"[\W_]+")
# how many earlier messages of the citizen count for "the same message again"
REPEAT_WINDOW = 2


def answer_key_of(message: Dict[Text, Any]) -> Optional[Text]:
    """The answer key for a parsed message whose intent is a direction, else None.

    The selector's best key within DIET's direction; when its ranking holds
    no key of that direction, the selector's own best key.
    """
    intent = (message.get("intent") or {}).get("name")
    if intent not in DIRECTIONS:
        return None
    selectors = message.get("response_selector") or {}
    selected = selectors.get(intent) or selectors.get("default") or {}
    ranking = [
        item.get("intent_response_key")
        for item in selected.get("ranking") or []
        if item.get("intent_response_key")
    ]
    top = (selected.get("response") or {}).get("intent_response_key")
    for key in [top, *ranking]:
        if key and key.split("/", 1)[0] == intent:
            return key
    return top or (ranking[0] if ranking else None)


def _comparable(text: Text) -> Text:
    return " ".join(_NON_WORD.sub(" ", normalize(text)).split())


def repeated(tracker: Tracker) -> bool:
    """Is the latest message the same as one of the citizen's previous messages?"""
    latest = (tracker.latest_message or {}).get("text") or ""
    if not latest.strip() or latest.lstrip().startswith("/"):
        return False
    current = _comparable(latest)
    if not current:
        return False
    earlier: List[Text] = []
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        if not seen_latest:
            seen_latest = True  # the latest message itself
            continue
        earlier.append(_comparable(event.get("text") or ""))
        if len(earlier) >= REPEAT_WINDOW:
            break
    return current in earlier


class ActionAnswer(Action):
    """Rules: a direction intent → ``action_answer`` → ``action_cc142``."""

    def name(self) -> Text:
        return "action_answer"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        if repeated(tracker):
            return hand_off(dispatcher, "frustration")
        key = answer_key_of(tracker.latest_message or {})
        if key is None:  # no answer selected: treat like an unclear message
            dispatcher.utter_message(response="utter_low_confidence")
            return []
        dispatcher.utter_message(response=f"utter_{key}")
        return []
