"""Low NLU confidence and the dialogue-level fallbacks.

- ``action_low_confidence`` (rule on ``nlu_fallback``): the first
  low-confidence turn asks the citizen to rephrase or pick an operator; the
  second in a row hands off with reason ``low_confidence``. The count lives
  in the ``fallback_count`` slot, which ``emit_payload`` resets on every turn
  that did not go through this action.
- ``action_core_fallback``: the RulePolicy's fallback when no rule applies:
  the dialogue went off the rails, so the citizen goes to a person at once
  (reason ``frustration``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off
from actions.metadata import emit_payload, with_slots

ESCALATE_AFTER = 2


class ActionLowConfidence(Action):
    def name(self) -> Text:
        return "action_low_confidence"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        if count >= ESCALATE_AFTER:
            return hand_off(dispatcher, "low_confidence")
        dispatcher.utter_message(response="utter_low_confidence")
        return [SlotSet("fallback_count", float(count))]


class ActionCoreFallback(Action):
    """No rule matched: apologise, hand off, end the turn."""

    def name(self) -> Text:
        return "action_core_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        events = hand_off(dispatcher, "frustration")
        return (
            events
            + emit_payload(dispatcher, with_slots(tracker, events))
            + [FollowupAction("action_listen")]
        )
