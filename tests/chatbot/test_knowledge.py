"""The knowledge base (contact_center/knowledge/answers.json): sources, languages,
and the bot's generated domain (no Rasa needed).

Every answer states only what its sources state: a non-generic entry cites,
per factual claim, a document of chatbot/sources/ and the exact sentence it
rests on; a test fails when a claim has no source, when the cited sentence
is not in that document, or when the claim is no longer in the answer's text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.plugins.rasa_server import manage

REPO_ROOT = Path(__file__).resolve().parents[2]
KB_PATH = REPO_ROOT / "contact_center" / "knowledge" / "answers.json"
SOURCES = REPO_ROOT / "chatbot" / "sources"
DIRECTIONS = {
    "social_protection", "employment", "disability", "labour_relations",
    "certificates", "vem", "general",
}
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
NUMBER = re.compile(r"\d+")


def ws(text: str) -> str:
    return " ".join(text.split())


KB = json.loads(KB_PATH.read_text(encoding="utf-8"))
ANSWERS = {a["key"]: a for a in KB["answers"]}


def test_format_and_languages():
    assert KB["format"] == 1 and KB["languages"] == ["az", "ru"]
    assert len(ANSWERS) == len(KB["answers"]), "duplicate answer keys"
    for key, answer in ANSWERS.items():
        assert set(answer["text"]) == {"az", "ru"}, key
        assert all(answer["text"][lang].strip() for lang in ("az", "ru")), key
        assert CYRILLIC.search(answer["text"]["ru"]), f"{key}: Russian text is not Russian"
        expected_direction = key.split("/", 1)[0] if "/" in key else None
        assert answer["direction"] == expected_direction, key
        assert expected_direction is None or expected_direction in DIRECTIONS, key
        for payload in answer["buttons"]:
            assert set(KB["buttons"][payload]) == {"az", "ru"}, payload
        assert answer.get("generic") is True or answer.get("sources"), (
            f"{key}: neither sources nor generic"
        )
        assert not (answer.get("generic") and answer.get("sources")), key


@pytest.mark.parametrize("key", sorted(k for k, a in ANSWERS.items() if not a.get("generic")))
def test_every_claim_rests_on_a_sentence_of_its_document(key):
    answer = ANSWERS[key]
    assert answer["sources"], f"{key}: a non-generic entry without sources"
    for source in answer["sources"]:
        document = KB["documents"][source["document"]]
        path = REPO_ROOT / document["file"]
        assert path.parent == SOURCES and path.exists(), document
        assert ws(source["sentence"]) in ws(path.read_text(encoding="utf-8")), (
            f"{key}: sentence not in {source['document']}: {source['sentence']!r}"
        )
        assert ws(source["claim"]) in ws(answer["text"]["az"]), (
            f"{key}: claim no longer in the answer: {source['claim']!r}"
        )


def test_the_russian_text_states_the_same_figures_as_the_azerbaijani():
    """A Russian answer adds no number, date or amount the Azerbaijani one lacks."""
    for key, answer in ANSWERS.items():
        az = sorted(NUMBER.findall(answer["text"]["az"]))
        ru = sorted(NUMBER.findall(answer["text"]["ru"]))
        assert az == ru, f"{key}: az {az} vs ru {ru}"


def test_every_source_document_is_in_the_repository():
    files = {p.name for p in SOURCES.glob("*.txt")}
    assert {Path(d["file"]).name for d in KB["documents"].values()} == files


def test_every_trained_answer_key_has_an_entry_and_vice_versa():
    trained = set()
    for path in (REPO_ROOT / "chatbot" / "data").rglob("nlu*.yml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            intent = item.get("intent") or ""
            if "/" in intent:
                trained.add(intent)
    direction_keys = {k for k in ANSWERS if "/" in k}
    assert trained == direction_keys


def test_the_generated_domain_is_current():
    """domain/answers.yml is generated from the JSON (`manage.py domain`); `train` regenerates it."""
    assert manage.GENERATED_DOMAIN.read_text(encoding="utf-8") == manage.domain_yaml(), (
        "run `python chatbot/manage.py domain`"
    )
    domain = yaml.safe_load(manage.GENERATED_DOMAIN.read_text(encoding="utf-8"))
    assert set(domain["responses"]) == {f"utter_{k}" for k in ANSWERS}
    pension = domain["responses"]["utter_social_protection/pension"]
    ru, az = pension
    assert ru["condition"] == [{"type": "slot", "name": "language", "value": "ru"}]
    assert ru["text"] == ANSWERS["social_protection/pension"]["text"]["ru"]
    assert "condition" not in az and az["text"] == ANSWERS["social_protection/pension"]["text"]["az"]
    assert [b["title"] for b in ru["buttons"]] == ["Связаться с оператором", "Заказать обратный звонок"]


def test_the_knowledge_base_is_in_the_model_hash():
    hashed = {p.relative_to(REPO_ROOT).as_posix() for p in manage._hashed_files()}
    assert "contact_center/knowledge/answers.json" in hashed
    assert "chatbot/domain/answers.yml" in hashed


def test_the_action_server_knows_the_answer_keys():
    import sys

    bot_dir = str(REPO_ROOT / "chatbot")
    if bot_dir not in sys.path:
        sys.path.append(bot_dir)
    from actions.knowledge import ANSWER_KEYS, key_of_response

    assert ANSWER_KEYS == set(ANSWERS)
    assert key_of_response("utter_vem/car") == "vem/car"
    assert key_of_response("utter_ask_callback_phone") is None
