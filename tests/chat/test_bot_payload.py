"""Reading Rasa's answer: texts, buttons and the cc142 payload (contract of the bot)."""

from __future__ import annotations

import pytest

from contact_center.chat.bot_client import BotUnavailable, CallbackRequest, parse_reply


def test_texts_buttons_and_classification_are_read():
    reply = parse_reply([
        {"recipient_id": "1", "text": "Ünvanlı sosial yardım üçün…",
         "buttons": [{"title": "Operatorla danışmaq", "payload": "/request_human"}]},
        {"recipient_id": "1", "text": "  "},
        {"recipient_id": "1", "custom": {"cc142": {
            "intent": "social_protection/targeted_assistance", "confidence": 0.97, "direction": "social_protection",
            "handoff": False, "urgent": False, "handoff_reason": None, "callback": None}}},
    ])
    assert [m.text for m in reply.messages] == ["Ünvanlı sosial yardım üçün…"]
    assert reply.messages[0].buttons[0].payload == "/request_human"
    assert (reply.intent, reply.confidence, reply.direction) == (
        "social_protection/targeted_assistance", 0.97, "social_protection")
    assert not reply.handoff and not reply.urgent and reply.callback is None and not reply.low_confidence


def test_urgent_implies_handoff_and_unknown_codes_are_dropped():
    reply = parse_reply([{"custom": {"cc142": {
        "intent": "urgent_help", "direction": "not-a-direction", "urgent": True, "handoff": False,
        "callback": {"phone": "+994501234567", "district": "baku_yasamal", "name": None, "direction": "vem"}}}}])
    assert reply.handoff and reply.urgent and reply.handoff_reason == "urgent"
    assert reply.direction is None
    assert reply.callback == CallbackRequest("+994501234567", "baku_yasamal", None, "vem")


def test_a_frustrated_citizen_is_handed_off_as_frustration_not_as_a_request():
    reply = parse_reply([{"text": "Bağışlayın, sizi operatora yönləndirirəm."},
                         {"custom": {"cc142": {"intent": "frustration", "handoff": True,
                                               "handoff_reason": "frustration"}}}])
    assert reply.handoff and reply.handoff_reason == "frustration" and not reply.urgent
    # a reason outside the contract is not stored
    assert parse_reply([{"custom": {"cc142": {"handoff": True, "handoff_reason": "bored"}}}]).handoff_reason is None


def test_fallback_turns_count_as_low_confidence():
    assert parse_reply([{"custom": {"cc142": {"intent": "nlu_fallback", "confidence": 0.2}}}]).low_confidence


def test_an_answer_that_is_not_a_list_means_the_bot_is_unavailable():
    with pytest.raises(BotUnavailable):
        parse_reply({"error": "boom"})
