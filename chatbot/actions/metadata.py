"""The cc142 metadata payload: the last message of every bot response.

Contract 2 (see chatbot/README.md)::

    {"custom": {"cc142": {
        "contract": 2,
        "intent": str | None, "confidence": float | None,
        "direction": one of the 7 direction codes | None,
        "answer_key": knowledge-base key of the first text message | None,
        "language": "az" | "ru",
        "handoff": bool, "urgent": bool,
        "handoff_reason": "requested" | "low_confidence" | "urgent" | "frustration" | None,
        "callback": None | {"phone", "district", "name", "direction"}}}}

Exactly one payload per turn: ``action_cc142`` ends every rule outside the
callback form, and inside the form the question actions
(``action_ask_callback_*``) emit it, because a form turn ends right after
the form asks its question. Both go through :func:`emit_payload`.

Per-turn facts are passed between actions with slots (``handoff_reason``,
``callback_ready``, ``turn_direction``) that are cleared once emitted.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import answer_key_of
from actions.directions import DIRECTIONS, direction_of
from actions.handoff import hand_off
from actions.knowledge import key_of_response
from components.keywords import urgent_category

PAYLOAD_KEY = "cc142"
CONTRACT_VERSION = 2
NLU_FALLBACK = "nlu_fallback"
LOW_CONFIDENCE_ACTION = "action_low_confidence"
DEFAULT_LANGUAGE = "az"


def turn_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    """Events logged since the latest user message (the current turn)."""
    out: List[Dict[Text, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        out.append(event)
    out.reverse()
    return out


def action_ran_this_turn(tracker: Tracker, action_name: Text) -> bool:
    return any(
        e.get("event") == "action" and e.get("name") == action_name
        for e in turn_events(tracker)
    )


def nlu_result(tracker: Tracker) -> Tuple[Optional[Text], Optional[float]]:
    """(intent, confidence) of the latest user message.

    Direction questions are reported with their answer key
    ("social_protection/pension"). For ``nlu_fallback`` the confidence is
    that of the best real intent.
    """
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    name = intent.get("name")
    confidence = intent.get("confidence")
    if name in DIRECTIONS:
        name = answer_key_of(message) or name
    elif name == NLU_FALLBACK:
        ranking = [
            r for r in message.get("intent_ranking") or [] if r.get("name") != NLU_FALLBACK
        ]
        if ranking:
            confidence = ranking[0].get("confidence")
    if confidence is not None:
        confidence = round(float(confidence), 4)
    return name, confidence


def turn_answer_key(tracker: Tracker, dispatcher: CollectingDispatcher) -> Optional[Text]:
    """The knowledge-base key of the turn's first text message, if it is an answer."""
    texts: List[Optional[Text]] = [
        (e.get("metadata") or {}).get("utter_action")
        for e in turn_events(tracker)
        if e.get("event") == "bot" and e.get("text")
    ]
    texts += [m.get("response") for m in dispatcher.messages if m.get("response") or m.get("text")]
    return key_of_response(texts[0]) if texts else None


def build_payload(
    tracker: Tracker, dispatcher: CollectingDispatcher, *, in_form: bool = False
) -> Dict[Text, Any]:
    intent, confidence = nlu_result(tracker)
    reason = tracker.get_slot("handoff_reason")
    if reason:
        direction = None
    elif tracker.get_slot("turn_direction"):
        direction = tracker.get_slot("turn_direction")
    elif in_form:
        direction = None  # a phone number / district / yes-no answer
    else:
        direction = direction_of(intent)
    return {
        "contract": CONTRACT_VERSION,
        "intent": intent,
        "confidence": confidence,
        "direction": direction,
        "answer_key": turn_answer_key(tracker, dispatcher),
        "language": tracker.get_slot("language") or DEFAULT_LANGUAGE,
        "handoff": bool(reason),
        "urgent": reason == "urgent",
        "handoff_reason": reason or None,
        "callback": tracker.get_slot("callback_ready") or None,
    }


def emit_payload(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, in_form: bool = False
) -> List[EventType]:
    """Send the cc142 payload and clear the per-turn slots."""
    payload = build_payload(tracker, dispatcher, in_form=in_form)
    dispatcher.utter_message(json_message={PAYLOAD_KEY: payload})

    events: List[EventType] = []
    for slot in ("handoff_reason", "callback_ready", "turn_direction"):
        if tracker.get_slot(slot) is not None:
            events.append(SlotSet(slot, None))
    if payload["direction"]:
        events.append(SlotSet("direction", payload["direction"]))
    # A confident (or otherwise handled) turn breaks a run of low-confidence turns.
    if not action_ran_this_turn(tracker, LOW_CONFIDENCE_ACTION):
        if tracker.get_slot("fallback_count"):
            events.append(SlotSet("fallback_count", 0.0))
    return events


def with_slots(tracker: Tracker, events: List[EventType]) -> Tracker:
    """A copy of the tracker with the given SlotSet events applied."""
    copy = tracker.copy()
    for event in events:
        if event.get("event") == "slot":
            copy.slots[event["name"]] = event["value"]
    return copy


class ActionCC142(Action):
    """Ends every turn outside the callback form with the cc142 payload.

    Second urgency net: if the message matches the urgency keywords but no
    hand-off happened in this turn (e.g. the NLU guard was bypassed), it
    escalates here, with the caring reply, before the payload.
    """

    def name(self) -> Text:
        return "action_cc142"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        events: List[EventType] = []
        text = (tracker.latest_message or {}).get("text") or ""
        if tracker.get_slot("handoff_reason") is None and urgent_category(text):
            events = hand_off(dispatcher, "urgent")
            tracker = with_slots(tracker, events)
        return events + emit_payload(dispatcher, tracker)
