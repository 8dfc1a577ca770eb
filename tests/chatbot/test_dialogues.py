"""Behaviour a citizen notices, through the REST webhook the backend uses.

Every response is also checked against the contract: exactly one cc142
payload, as the last message (``payload_of``).
"""

from __future__ import annotations

import uuid

import pytest

from tests.plugins.rasa_server import payload_of, texts_of

pytestmark = pytest.mark.usefixtures("rasa_server")


def az_upper(text: str) -> str:
    """Azerbaijani capitals: i→İ, ı→I (Python's upper() maps i→I)."""
    return text.replace("i", "İ").replace("ı", "I").upper()


def ascii_fold(text: str) -> str:
    """How citizens type without Azerbaijani letters (case kept)."""
    return text.translate(
        str.maketrans("əƏıİşŞçÇğĞöÖüÜ", "eEiIsScCgGoOuU")
    )


class Conversation:
    def __init__(self, server):
        self.server = server
        self.sender = f"dialogue-{uuid.uuid4().hex}"

    def say(self, text: str):
        messages = self.server.send(text, sender=self.sender)
        return payload_of(messages), messages


def buttons_of(messages) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_greeting_is_answered_without_a_direction(rasa_server):
    payload, messages = Conversation(rasa_server).say("Salam")
    assert texts_of(messages), "the bot should greet back"
    assert payload["intent"] == "greet"
    assert payload["direction"] is None
    assert payload["handoff"] is False
    assert payload["callback"] is None


def test_two_nonsense_messages_in_a_row_escalate_on_the_second(rasa_server):
    chat = Conversation(rasa_server)
    first, messages = chat.say("asdkjh qwezx")
    assert first["handoff"] is False
    assert first["intent"] == "nlu_fallback"
    assert first["direction"] is None
    assert "/request_human" in buttons_of(messages), "offer an operator after the first"

    second, messages = chat.say("fghfgh jjjkk")
    assert second["handoff"] is True
    assert second["handoff_reason"] == "low_confidence"
    assert second["urgent"] is False
    assert texts_of(messages)


def test_one_nonsense_then_a_good_question_does_not_escalate(rasa_server):
    chat = Conversation(rasa_server)
    first, _ = chat.say("qwerty zxcvbn")
    assert first["handoff"] is False

    second, messages = chat.say("Pensiyamı necə rəsmiləşdirə bilərəm?")
    assert second["handoff"] is False
    assert second["direction"] == "social_protection"
    assert texts_of(messages)

    # the confident turn reset the counter: one more nonsense is not escalated
    third, _ = chat.say("blablabla xyxyxy")
    assert third["handoff"] is False


def test_callback_form_happy_path(rasa_server):
    chat = Conversation(rasa_server)
    payload, _ = chat.say("Əlilliyə görə müavinət necə alınır?")
    assert payload["direction"] == "disability"

    payload, messages = chat.say("Mənə zəng edin")
    assert payload["callback"] is None
    assert payload["handoff"] is False
    assert any("nömrə" in t for t in texts_of(messages)), messages

    payload, messages = chat.say("12345")
    assert payload["callback"] is None
    assert any("düzgün" in t for t in texts_of(messages)), "Azerbaijani validation message"
    assert any("nömrə" in t for t in texts_of(messages)), "asks for the number again"

    payload, messages = chat.say("050 123 45 67")
    assert payload["callback"] is None
    assert payload["direction"] is None
    assert any("rayon" in t for t in texts_of(messages)), "asks for the district"

    payload, messages = chat.say("yasamal")
    assert payload["callback"] is None
    confirmation = " ".join(texts_of(messages))
    assert "+994501234567" in confirmation and "Yasamal" in confirmation
    assert {"/affirm", "/deny"} <= set(buttons_of(messages))

    payload, messages = chat.say("Bəli")
    assert payload["callback"] == {
        "phone": "+994501234567",
        "district": "baku_yasamal",
        "name": None,
        "direction": "disability",
    }
    assert payload["handoff"] is False
    assert texts_of(messages)

    # emitted once: the next turn carries no callback
    payload, _ = chat.say("Çox sağ olun")
    assert payload["callback"] is None


def test_callback_district_by_city_name_and_button_confirmation(rasa_server):
    chat = Conversation(rasa_server)
    chat.say("/request_callback")
    chat.say("+994 55 765 43 21")
    payload, messages = chat.say("Lənkəran")
    assert set(buttons_of(messages)) >= {"Lənkəran şəhəri", "Lənkəran rayonu"}
    chat.say("Lənkəran şəhəri")
    payload, _ = chat.say("/affirm")
    assert payload["callback"]["phone"] == "+994557654321"
    assert payload["callback"]["district"] == "lenkeran_city"
    assert payload["callback"]["direction"] is None


def test_callback_declined_at_confirmation_emits_nothing(rasa_server):
    chat = Conversation(rasa_server)
    chat.say("Geri zəng sifariş etmək istəyirəm")
    chat.say("0701234567")
    chat.say("Sumqayıt")
    payload, messages = chat.say("Xeyr")
    assert payload["callback"] is None
    assert texts_of(messages)


def test_operator_request_inside_the_callback_form_hands_off(rasa_server):
    chat = Conversation(rasa_server)
    chat.say("Mənə zəng edin")
    payload, _ = chat.say("Operatorla danışmaq istəyirəm")
    assert payload["handoff"] is True
    assert payload["handoff_reason"] == "requested"
    assert payload["callback"] is None


def test_urgent_message_inside_the_callback_form_hands_off_as_urgent(rasa_server):
    chat = Conversation(rasa_server)
    chat.say("Mənə zəng edin")
    chat.say("050 123 45 67")
    payload, messages = chat.say("Ərim məni döyür, qorxuram")
    assert payload["handoff"] is True
    assert payload["urgent"] is True
    assert payload["handoff_reason"] == "urgent"
    assert texts_of(messages)


@pytest.mark.parametrize(
    "question",
    [
        "Pensiyamı necə rəsmiləşdirə bilərəm?",
        "İşsiz kimi qeydiyyata necə düşmək olar?",
        "Əlil arabası almaq üçün hara müraciət edim?",
        "İşəgötürən əmək haqqımı ödəmir",
        "Elektron arayışı haradan əldə edə bilərəm?",
        "Şəhid ailəsinə mənzil nə vaxt veriləcək?",
        "Könüllü DOST proqramına necə qoşulmaq olar?",
    ],
)
def test_folded_and_capitalised_questions_are_classified_the_same(rasa_server, question):
    proper, _ = Conversation(rasa_server).say(question)
    folded, _ = Conversation(rasa_server).say(ascii_fold(question))
    caps, _ = Conversation(rasa_server).say(az_upper(question))
    caps_ascii, _ = Conversation(rasa_server).say(ascii_fold(az_upper(question)))
    assert proper["direction"] is not None, proper
    for variant in (folded, caps, caps_ascii):
        assert variant["direction"] == proper["direction"]
        assert variant["intent"] == proper["intent"]
        assert variant["confidence"] == pytest.approx(proper["confidence"], abs=1e-3)


def test_the_folding_component_runs_at_inference(rasa_server):
    parsed = rasa_server.parse("PENSİYAMI NECƏ ALIM?")
    assert parsed["text"] == "pensiyami nece alim?"
    assert parsed["intent"]["name"] == "social_protection"


@pytest.mark.parametrize(
    "text", ["", "😀", "/restart", "/back", "/foo", "?" * 3, "pensiya " * 200]
)
def test_odd_input_still_ends_with_exactly_one_payload(rasa_server, text):
    payload, _ = Conversation(rasa_server).say(text)  # payload_of checks the contract
    assert set(payload) == {
        "intent", "confidence", "direction", "handoff", "urgent", "handoff_reason", "callback",
    }
