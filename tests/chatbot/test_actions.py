"""Custom actions called directly on the action server with tracker JSON.

The fixtures in ``trackers/`` are trimmed trackers as Rasa sends them; each
test posts one to ``/webhook`` (``next_action``) and checks the returned
events and messages. This isolates the actions from the NLU model: e.g. the
action-level urgency net must escalate even when the classifier said "greet".
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

TRACKERS = Path(__file__).with_name("trackers")
DEFAULT_SLOTS = {
    "language": "az", "direction": None, "fallback_count": 0.0, "handoff_reason": None,
    "turn_direction": None, "callback_ready": None, "requested_slot": None,
    "callback_phone": None, "callback_district": None, "callback_confirmed": None,
    "callback_outcome": None,
}


def load_tracker(name: str) -> dict[str, Any]:
    return json.loads((TRACKERS / name).read_text(encoding="utf-8"))


def run_action(server, action: str, tracker: dict[str, Any]) -> dict[str, Any]:
    assert server.actions_url, "set RASA_ACTIONS_URL when reusing a running bot"
    tracker = dict(tracker)
    tracker["slots"] = {**DEFAULT_SLOTS, **tracker.get("slots", {})}
    tracker.setdefault("active_loop", {})
    tracker.setdefault("paused", False)
    tracker.setdefault("followup_action", None)
    tracker.setdefault("latest_event_time", 0)
    tracker.setdefault("latest_input_channel", "rest")
    body = {
        "next_action": action,
        "sender_id": tracker["sender_id"],
        "tracker": tracker,
        "domain": {},
        "version": "3.6.21",
    }
    request = urllib.request.Request(
        server.actions_url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read().decode())


def slot_events(result: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}


def payload(result: dict[str, Any]) -> dict[str, Any]:
    customs = [r["custom"]["cc142"] for r in result["responses"] if r.get("custom")]
    assert len(customs) == 1 and result["responses"][-1].get("custom"), result
    return customs[0]


def test_cc142_reports_the_answer_key_and_resets_the_fallback_count(rasa_server):
    # DIET said "social_protection"; the single selector ranked a VƏM key first:
    # the answer is the best key of DIET's direction
    result = run_action(rasa_server, "action_cc142", load_tracker("pension_answered.json"))
    p = payload(result)
    assert p["contract"] == 2
    assert p["intent"] == "social_protection/pension"
    assert p["direction"] == "social_protection"
    assert p["answer_key"] == "social_protection/pension"
    assert p["language"] == "az"
    assert p["handoff"] is False and p["callback"] is None
    slots = slot_events(result)
    assert slots["direction"] == "social_protection"
    assert slots["fallback_count"] == 0.0


def test_cc142_escalates_urgent_text_the_classifier_missed(rasa_server):
    result = run_action(rasa_server, "action_cc142", load_tracker("urgent_missed_by_nlu.json"))
    p = payload(result)
    assert p["handoff"] is True and p["urgent"] is True
    assert p["handoff_reason"] == "urgent"
    assert p["direction"] is None
    assert result["responses"][0].get("response") == "utter_handoff_urgent"


def test_second_low_confidence_turn_hands_off(rasa_server):
    result = run_action(
        rasa_server, "action_low_confidence", load_tracker("second_low_confidence.json")
    )
    assert slot_events(result) == {"handoff_reason": "low_confidence", "fallback_count": 0.0}
    assert result["responses"][0].get("response") == "utter_handoff_low_confidence"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mənim nömrəm 050 123 45 67", "+994501234567"), ("0 5 0", None)],
)
def test_validate_callback_form_normalises_the_phone(rasa_server, text, expected):
    tracker = load_tracker("callback_phone_step.json")
    tracker["latest_message"]["text"] = text
    tracker["events"][-2]["text"] = text
    tracker["slots"]["callback_phone"] = text
    result = run_action(rasa_server, "validate_callback_form", tracker)
    assert slot_events(result)["callback_phone"] == expected
    if expected is None:
        assert result["responses"][0].get("response") == "utter_invalid_phone"


def test_answer_picks_the_best_key_of_the_predicted_direction(rasa_server):
    tracker = load_tracker("pension_answered.json")
    tracker["events"] = tracker["events"][:2]  # the question, before any answer
    result = run_action(rasa_server, "action_answer", tracker)
    assert [r.get("response") for r in result["responses"]] == ["utter_social_protection/pension"]


def test_the_same_question_again_hands_off_as_frustration(rasa_server):
    tracker = load_tracker("pension_answered.json")
    question = tracker["events"][1]
    tracker["events"] = [*tracker["events"], {**question, "timestamp": question.get("timestamp", 0) + 5}]
    result = run_action(rasa_server, "action_answer", tracker)
    assert slot_events(result)["handoff_reason"] == "frustration"
    assert result["responses"][0].get("response") == "utter_handoff_frustration"


def test_the_core_fallback_hands_off_as_frustration(rasa_server):
    tracker = load_tracker("pension_answered.json")
    tracker["events"] = tracker["events"][:2]  # no rule answered the message
    result = run_action(rasa_server, "action_core_fallback", tracker)
    p = payload(result)
    assert p["handoff"] is True and p["handoff_reason"] == "frustration"
    assert p["answer_key"] == "handoff_frustration"
    assert result["responses"][0].get("response") == "utter_handoff_frustration"


def test_the_payload_reports_the_language_slot(rasa_server):
    tracker = load_tracker("pension_answered.json")
    tracker["slots"] = {**tracker.get("slots", {}), "language": "ru"}
    assert payload(run_action(rasa_server, "action_cc142", tracker))["language"] == "ru"
