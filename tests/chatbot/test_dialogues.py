"""Behaviour a citizen notices, through the REST webhook the backend uses.

Every response is also checked against the contract: exactly one cc142
payload, as the last message (``payload_of``). Azerbaijani and Russian
dialogues, frustration (insults, "you don't understand", the same message
again) handed to a person.
"""

from __future__ import annotations

import re
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


CYRILLIC = re.compile(r"[А-Яа-яЁё]")
CONTRACT_FIELDS = {
    "contract", "intent", "confidence", "direction", "answer_key", "language",
    "handoff", "urgent", "handoff_reason", "callback",
}


class Conversation:
    def __init__(self, server):
        self.server = server
        self.sender = f"dialogue-{uuid.uuid4().hex}"

    def say(self, text: str, language: str | None = None):
        messages = self.server.send(text, sender=self.sender, language=language)
        return payload_of(messages), messages


LATIN = re.compile(r"[A-Za-zəƏıİşŞçÇğĞöÖüÜ]")


def russian(messages) -> bool:
    """Every text and button title is Russian (mostly Cyrillic: names like VƏM may stay)."""
    texts = texts_of(messages) + [b["title"] for m in messages for b in m.get("buttons") or []]
    return bool(texts) and all(
        len(CYRILLIC.findall(t)) > 3 * len(LATIN.findall(t)) for t in texts
    )


def azerbaijani(messages) -> bool:
    texts = texts_of(messages)
    return bool(texts) and not any(CYRILLIC.search(t) for t in texts)


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
    "text",
    ["", "😀", "/restart", "/back", "/session_start", "/foo", "?" * 3, "pensiya " * 200],
)
def test_odd_input_still_ends_with_exactly_one_payload(rasa_server, text):
    payload, _ = Conversation(rasa_server).say(text)  # payload_of checks the contract
    assert set(payload) == CONTRACT_FIELDS
    assert payload["contract"] == 2 and payload["language"] == "az"


# ------------------------------------------------------------------ Russian


@pytest.mark.parametrize(
    ("azerbaijani_question", "russian_question"),
    [
        ("Pensiyamı necə rəsmiləşdirə bilərəm?", "Как мне оформить пенсию?"),
        ("İşəgötürən əmək haqqımı ödəmir", "Работодатель не платит мне зарплату"),
        ("Əlil arabası almaq üçün hara müraciət edim?", "Куда обратиться, чтобы получить инвалидную коляску?"),
    ],
)
def test_a_russian_question_gets_the_same_answer_key_in_russian(
    rasa_server, azerbaijani_question, russian_question
):
    az, az_messages = Conversation(rasa_server).say(azerbaijani_question)
    ru, ru_messages = Conversation(rasa_server).say(russian_question)
    assert az["answer_key"] and ru["answer_key"] == az["answer_key"]
    assert ru["direction"] == az["direction"] is not None
    assert (az["language"], ru["language"]) == ("az", "ru")
    assert azerbaijani(az_messages) and russian(ru_messages)
    assert {"/request_human"} <= set(buttons_of(ru_messages))


def test_the_language_is_kept_and_the_citizen_can_switch(rasa_server):
    chat = Conversation(rasa_server)
    payload, messages = chat.say("Здравствуйте")
    assert payload["language"] == "ru" and payload["answer_key"] == "greet" and russian(messages)
    # a district name or a number says nothing about the language: it is kept
    payload, messages = chat.say("Как получить справку?")
    assert payload["language"] == "ru" and russian(messages)
    payload, _ = chat.say("050 123 45 67")
    assert payload["language"] == "ru"
    # the citizen writes Azerbaijani: the bot follows
    payload, messages = chat.say("Arayışı necə ala bilərəm?")
    assert payload["language"] == "az" and azerbaijani(messages)
    # the widget's AZ | RU switch (request metadata) wins over the text
    payload, messages = chat.say("Elektron arayışı haradan götürmək olar?", language="ru")
    assert payload["language"] == "ru" and russian(messages)
    assert payload["direction"] == "certificates" and payload["handoff"] is False


def test_callback_form_in_russian(rasa_server):
    chat = Conversation(rasa_server)
    payload, messages = chat.say("Перезвоните мне, пожалуйста")
    assert payload["language"] == "ru" and russian(messages)
    assert any("номер" in t for t in texts_of(messages))

    payload, messages = chat.say("123")
    assert payload["callback"] is None and russian(messages)
    assert any("неверн" in t for t in texts_of(messages)), "validation message in Russian"

    payload, messages = chat.say("+994 55 765 43 21")
    assert russian(messages) and any("район" in t for t in texts_of(messages))

    payload, messages = chat.say("Ленкорань")
    assert russian(messages)
    assert set(buttons_of(messages)) >= {"город Ленкорань", "Ленкоранский район"}

    payload, messages = chat.say("Ленкоранский район")
    confirmation = " ".join(texts_of(messages))
    assert "+994557654321" in confirmation and "Ленкоранский район" in confirmation
    assert russian(messages)

    payload, messages = chat.say("Да, подтверждаю")
    assert payload["callback"] == {
        "phone": "+994557654321", "district": "lenkeran", "name": None, "direction": None,
    }
    assert payload["language"] == "ru" and russian(messages)


def test_russian_operator_request_and_urgency_inside_the_callback_form(rasa_server):
    chat = Conversation(rasa_server)
    chat.say("Закажите мне обратный звонок")
    payload, messages = chat.say("Нет, лучше соедините с оператором")
    assert payload["handoff"] is True and payload["handoff_reason"] == "requested"
    assert payload["answer_key"] == "handoff_requested" and russian(messages)

    chat = Conversation(rasa_server)
    chat.say("Перезвоните мне")
    chat.say("050 123 45 67")
    payload, messages = chat.say("Муж меня бьёт, мне страшно")
    assert payload["handoff"] is True and payload["urgent"] is True
    assert payload["answer_key"] == "handoff_urgent" and russian(messages)


def test_russian_in_latin_letters_falls_back_in_russian_and_then_goes_to_a_person(rasa_server):
    chat = Conversation(rasa_server)
    first, messages = chat.say("kak mne oformit posobie na rebenka")
    assert first["direction"] is None and first["handoff"] is False
    assert first["language"] == "ru" and russian(messages)
    second, _ = chat.say("pochemu vy ne otvechaete na moy vopros")
    assert second["direction"] is None
    assert second["handoff"] is True and second["handoff_reason"] == "low_confidence"


# -------------------------------------------------------------- frustration


def test_the_same_question_again_goes_to_a_person(rasa_server):
    chat = Conversation(rasa_server)
    first, _ = chat.say("Əlilliyə görə müavinət necə alınır?")
    assert first["direction"] == "disability" and first["handoff"] is False
    second, messages = chat.say("əlilliyə görə müavinət necə alınır")
    assert second["handoff"] is True and second["handoff_reason"] == "frustration"
    assert second["answer_key"] == "handoff_frustration" and azerbaijani(messages)


def test_the_same_russian_question_again_goes_to_a_person(rasa_server):
    chat = Conversation(rasa_server)
    first, _ = chat.say("Как получить путёвку в санаторий?")
    assert first["handoff"] is False and first["language"] == "ru"
    chat.say("Спасибо")
    third, messages = chat.say("КАК ПОЛУЧИТЬ ПУТЁВКУ В САНАТОРИЙ")
    assert third["handoff"] is True and third["handoff_reason"] == "frustration"
    assert russian(messages)


@pytest.mark.parametrize(
    ("question", "complaint", "language"),
    [
        ("İşsizlikdən sığorta necə alınır?", "Sən heç nə başa düşmürsən", "az"),
        ("İşsizlikdən sığorta necə alınır?", "bu cavablar faydasizdir", "az"),
        ("Как встать на учёт в службу занятости?", "Вы вообще не понимаете, о чём я", "ru"),
        ("Как встать на учёт в службу занятости?", "бесполезная программа", "ru"),
    ],
)
def test_frustration_after_an_answer_goes_to_a_person(rasa_server, question, complaint, language):
    chat = Conversation(rasa_server)
    answered, _ = chat.say(question)
    assert answered["direction"] == "employment" and answered["handoff"] is False
    payload, messages = chat.say(complaint)
    assert payload["handoff"] is True and payload["handoff_reason"] == "frustration"
    assert payload["urgent"] is False and payload["language"] == language
    assert payload["answer_key"] == "handoff_frustration"
    assert russian(messages) if language == "ru" else azerbaijani(messages)


def test_frustration_inside_the_callback_form_goes_to_a_person(rasa_server):
    chat = Conversation(rasa_server)
    chat.say("Mənə zəng edin")
    payload, _ = chat.say("Sən axmaq robotsan, heç nə başa düşmürsən")
    assert payload["handoff"] is True and payload["handoff_reason"] == "frustration"
    assert payload["callback"] is None
