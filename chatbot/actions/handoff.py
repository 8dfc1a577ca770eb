"""Hand-off to a human agent: explicit request, urgency, frustration, "yes" to an offer.

The bot only announces the hand-off and marks it in the payload
(``handoff_reason`` slot → ``action_cc142``); the backend routes the
conversation to an agent and stops forwarding messages to the bot.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from components.keywords import urgent_category

REASON_RESPONSES = {
    "requested": "utter_handoff_requested",
    "low_confidence": "utter_handoff_low_confidence",
    "urgent": "utter_handoff_urgent",
    # insults, "you don't understand", "useless", the same message again,
    # the dialogue-level fallback
    "frustration": "utter_handoff_frustration",
}
REQUEST_HUMAN_PAYLOAD = "/request_human"


def hand_off(dispatcher: CollectingDispatcher, reason: Text) -> List[EventType]:
    """Announce the hand-off; the payload action reads the reason slot."""
    dispatcher.utter_message(response=REASON_RESPONSES[reason])
    return [SlotSet("handoff_reason", reason), SlotSet("fallback_count", 0.0)]


def handoff_reason_for(tracker: Tracker) -> Text:
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    if intent == "urgent" or urgent_category(message.get("text") or ""):
        return "urgent"
    if intent == "frustration":
        return "frustration"
    return "requested"


class ActionHandoff(Action):
    """``request_human``, ``urgent`` and ``frustration`` intents."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        return hand_off(dispatcher, handoff_reason_for(tracker))


def _last_bot_message(tracker: Tracker) -> Dict[Text, Any]:
    """The latest bot text message (the cc142 payload has no text)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and event.get("text"):
            return event
    return {}


def offered_operator(tracker: Tracker) -> bool:
    """Did the previous bot message ask "do you want an operator?"."""
    event = _last_bot_message(tracker)
    text = (event.get("text") or "").strip()
    buttons = (event.get("data") or {}).get("buttons") or []
    return text.endswith("?") and any(
        b.get("payload") == REQUEST_HUMAN_PAYLOAD for b in buttons
    )


class ActionAffirm(Action):
    """"Yes" outside the form: accepts a pending operator offer, else acknowledges."""

    def name(self) -> Text:
        return "action_affirm"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        if offered_operator(tracker):
            return hand_off(dispatcher, "requested")
        dispatcher.utter_message(response="utter_ack")
        return []
