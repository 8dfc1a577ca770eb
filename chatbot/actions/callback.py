"""The ``callback_form``: phone → district → confirmation.

The form never rejects a message (every slot is ``from_text``);
``validate_callback_form`` decides what each message means:

- a valid value fills the requested slot (phone via ``normalize_phone``,
  district by folded name, Azerbaijani or Russian, against the shipped list
  of ``cc142_text.districts``, yes / no in both languages);
- "operator", an urgent message or clear frustration ends the form and hands off;
- "no" / "cancel" on the phone or district question cancels it;
- a clear question about a service is answered, then the form goes on;
- anything else gets a validation message (in the conversation's language)
  and the question again.

Ending early sets ``requested_slot`` to None plus ``callback_outcome``; the
rule "callback form finished" then runs ``action_callback_submit``, which
reports the outcome. On confirmation it stores the callback in the
``callback_ready`` slot for the payload: the backend creates the callback,
the bot never does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.directions import direction_of
from actions.districts import District, district_by_code, find_phone, match_districts, mentions_baku
from actions.handoff import hand_off
from actions.metadata import emit_payload, nlu_result, turn_events
from actions.phrases import has_digits, says_no, says_yes, wants_to_cancel
from components.keywords import urgent_category

FORM_SLOTS = ("callback_phone", "callback_district", "callback_confirmed")
ANSWER_QUESTION_CONFIDENCE = 0.85
HANDOFF_CONFIDENCE = 0.5


def _intent(tracker: Tracker) -> Optional[Text]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def _confidence(tracker: Tracker) -> float:
    return float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0)


def _text(tracker: Tracker) -> Text:
    return (tracker.latest_message or {}).get("text") or ""


def _end_form(requested: Optional[Text], outcome: Text) -> List[EventType]:
    events: List[EventType] = [SlotSet("callback_outcome", outcome)]
    if requested:
        events.append(SlotSet(requested, None))
    events.append(SlotSet("requested_slot", None))
    return events


def _language(tracker: Tracker) -> Text:
    return tracker.get_slot("language") or "az"


def _district_buttons(candidates: List[District], language: Text) -> List[Dict[Text, Text]]:
    # the payload comes back as the citizen's message: in their language, so it
    # also keeps the conversation's language
    return [{"title": d.label(language), "payload": d.label(language)} for d in candidates[:6]]


class ValidateCallbackForm(Action):
    def name(self) -> Text:
        return "validate_callback_form"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = _text(tracker)
        intent = _intent(tracker)

        if requested is None:
            # Form activation: the request may already carry the number/district.
            return self._prefill(text)

        if intent == "urgent" or urgent_category(text):
            return _end_form(requested, "urgent")
        if intent == "request_human" and _confidence(tracker) >= HANDOFF_CONFIDENCE:
            return _end_form(requested, "requested")
        if intent == "frustration" and _confidence(tracker) >= HANDOFF_CONFIDENCE:
            return _end_form(requested, "frustration")

        if requested == "callback_phone":
            return self._phone(dispatcher, tracker, text, intent)
        if requested == "callback_district":
            return self._district(dispatcher, tracker, text, intent)
        if requested == "callback_confirmed":
            return self._confirmation(dispatcher, tracker, text, intent)
        return []

    @staticmethod
    def _prefill(text: Text) -> List[EventType]:
        events: List[EventType] = []
        phone = find_phone(text)
        if phone:
            events.append(SlotSet("callback_phone", phone))
            found = match_districts(text)
            if len(found) == 1:
                events.append(SlotSet("callback_district", found[0].code))
        return events

    def _phone(self, dispatcher, tracker, text, intent) -> List[EventType]:
        phone = find_phone(text)
        if phone:
            events: List[EventType] = [SlotSet("callback_phone", phone)]
            found = match_districts(text)
            if len(found) == 1:  # "050 123 45 67, Yasamal"
                events.append(SlotSet("callback_district", found[0].code))
            return events
        if intent == "deny" or wants_to_cancel(text):
            return _end_form("callback_phone", "cancelled")
        answered = self._answer_question(dispatcher, tracker, text)
        if answered:
            return [SlotSet("callback_phone", None), *answered]
        dispatcher.utter_message(response="utter_invalid_phone")
        return [SlotSet("callback_phone", None)]

    def _district(self, dispatcher, tracker, text, intent) -> List[EventType]:
        found = match_districts(text)
        if len(found) == 1:
            return [SlotSet("callback_district", found[0].code)]
        if len(found) > 1:
            dispatcher.utter_message(
                response="utter_ambiguous_district",
                buttons=_district_buttons(found, _language(tracker)),
            )
            return [SlotSet("callback_district", None)]
        if mentions_baku(text):
            dispatcher.utter_message(response="utter_baku_district")
            return [SlotSet("callback_district", None)]
        if intent == "deny" or wants_to_cancel(text):
            return _end_form("callback_district", "cancelled")
        answered = self._answer_question(dispatcher, tracker, text)
        if answered:
            return [SlotSet("callback_district", None), *answered]
        dispatcher.utter_message(response="utter_invalid_district")
        return [SlotSet("callback_district", None)]

    @staticmethod
    def _confirmation(dispatcher, tracker, text, intent) -> List[EventType]:
        yes = intent == "affirm" or says_yes(text)
        no = intent == "deny" or says_no(text)
        if yes and no:  # "yox, yox, bəli" – trust the classifier
            yes, no = intent == "affirm", intent == "deny"
        if yes and not no:
            return [SlotSet("callback_confirmed", "yes")]
        if no and not yes:
            return [SlotSet("callback_confirmed", "no")]
        answered = ValidateCallbackForm._answer_question(dispatcher, tracker, text)
        if not answered:
            dispatcher.utter_message(response="utter_confirm_help")
        return [SlotSet("callback_confirmed", None), *answered]

    @staticmethod
    def _answer_question(dispatcher, tracker, text) -> List[EventType]:
        """A confident service question inside the form: answer it, then resume."""
        intent, confidence = nlu_result(tracker)
        direction = direction_of(intent)
        if (
            direction is None
            or "/" not in (intent or "")
            or (confidence or 0) < ANSWER_QUESTION_CONFIDENCE
            or has_digits(text)
        ):
            return []
        dispatcher.utter_message(response=f"utter_{intent}")
        dispatcher.utter_message(response="utter_callback_resume")
        return [SlotSet("turn_direction", direction), SlotSet("direction", direction)]


class _AskAction(Action, ABC):
    """Asks the next form question; a form turn ends here, so it sends the payload."""

    response: Text = ""
    # validation prompts that already ask the question in other words
    replaced_by: frozenset = frozenset()

    @abstractmethod
    def name(self) -> Text: ...

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        if not self._already_prompted(tracker):
            dispatcher.utter_message(response=self.response, **self.variables(tracker))
        return emit_payload(dispatcher, tracker, in_form=True)

    def _already_prompted(self, tracker: Tracker) -> bool:
        return any(
            e.get("event") == "bot"
            and (e.get("metadata") or {}).get("utter_action") in self.replaced_by
            for e in turn_events(tracker)
        )

    def variables(self, tracker: Tracker) -> Dict[Text, Any]:
        return {}


class ActionAskCallbackPhone(_AskAction):
    response = "utter_ask_callback_phone"

    def name(self) -> Text:
        return "action_ask_callback_phone"


class ActionAskCallbackDistrict(_AskAction):
    response = "utter_ask_callback_district"
    replaced_by = frozenset({"utter_ambiguous_district", "utter_baku_district"})

    def name(self) -> Text:
        return "action_ask_callback_district"


class ActionAskCallbackConfirmed(_AskAction):
    response = "utter_ask_callback_confirmed"

    def name(self) -> Text:
        return "action_ask_callback_confirmed"

    def variables(self, tracker: Tracker) -> Dict[Text, Any]:
        district = district_by_code(tracker.get_slot("callback_district") or "")
        return {"district_name": district.label(_language(tracker)) if district else ""}


class ActionCallbackSubmit(Action):
    """Runs when the form ends: confirmed, declined, cancelled or handed off."""

    def name(self) -> Text:
        return "action_callback_submit"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        outcome = tracker.get_slot("callback_outcome")
        phone = tracker.get_slot("callback_phone")
        district = tracker.get_slot("callback_district")
        confirmed = tracker.get_slot("callback_confirmed")
        reset = [SlotSet(slot, None) for slot in (*FORM_SLOTS, "callback_outcome")]

        if outcome in ("requested", "urgent", "frustration"):
            return hand_off(dispatcher, outcome) + reset
        if outcome == "cancelled" or confirmed != "yes" or not (phone and district):
            dispatcher.utter_message(response="utter_callback_cancelled")
            return reset
        callback = {
            "phone": phone,
            "district": district,
            "name": None,
            "direction": tracker.get_slot("direction"),
        }
        dispatcher.utter_message(response="utter_callback_submitted", callback_phone=phone)
        return [SlotSet("callback_ready", callback)] + reset
