"""Rasa's built-in session commands, overridden to keep the cc142 contract.

Button payloads and typed text starting with "/" are parsed by Rasa as
commands. For the built-in ones ("/restart", "/back", "/session_start")
Rasa would answer with no message at all; these overrides make sure the
response still ends with exactly one cc142 payload.

``action_session_start`` also runs automatically when a conversation starts
or resumes after ``session_expiration_time`` (domain/core.yml): then it only
starts a fresh session, without carrying slots over (a half-filled callback
form must not leak into a new session), and sends nothing.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    EventType,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.metadata import emit_payload, with_slots

PER_TURN_SLOTS = ("handoff_reason", "callback_ready", "turn_direction")


def _typed_command(tracker: Tracker, intent: Text) -> bool:
    """Was this action triggered by the citizen's message "/<intent>"?"""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            parsed = event.get("parse_data") or {}
            return (parsed.get("intent") or {}).get("name") == intent
        if event.get("event") == "action":
            return False  # an automatic session start (before the message)
    return False


def _greet_with_payload(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    dispatcher.utter_message(response="utter_greet")
    emit_payload(dispatcher, with_slots(tracker, [SlotSet(s, None) for s in PER_TURN_SLOTS]))


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        if _typed_command(tracker, "session_start"):
            _greet_with_payload(dispatcher, tracker)
        return [SessionStarted(), ActionExecuted("action_listen")]


class ActionRestart(Action):
    """"/restart": forget the conversation, greet again, end with the payload."""

    def name(self) -> Text:
        return "action_restart"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        _greet_with_payload(dispatcher, tracker)
        return [Restarted(), FollowupAction("action_listen")]


class ActionBack(Action):
    """"/back" is not a citizen feature: answer like an unclear message."""

    def name(self) -> Text:
        return "action_back"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_low_confidence")
        return emit_payload(dispatcher, tracker) + [FollowupAction("action_listen")]
