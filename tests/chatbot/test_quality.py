"""Held-out quality of the bot, in Azerbaijani and Russian.

Three held-out sets, never used for training (exact copies are checked):

- heldout.yml: Azerbaijani, labelled with the direction (the older set);
- heldout_az.yml and heldout_ru.yml: labelled with the answer key the bot
  should give (a knowledge-base key such as ``social_protection/pension``,
  or greet / thank / out_of_scope / handoff_requested / handoff_urgent /
  handoff_frustration); ``latin: true`` marks Russian typed in Latin letters.

Each message is sent in a fresh conversation through the REST webhook, as
the backend does. Asserted per language: direction accuracy >= 95 %,
answer-key accuracy >= 90 %, every explicit, urgent and frustrated message
handed to a person with its reason, ordinary questions never, the reply in
the message's language, and Latin-typed Russian never given a wrong
direction. A direction x direction confusion table is printed (-s or -rA).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.plugins.rasa_server import payload_of

HERE = Path(__file__).parent
MIN_DIRECTION_ACCURACY = 0.95
MIN_ANSWER_KEY_ACCURACY = 0.90
DIRECTIONS = (
    "social_protection", "employment", "disability", "labour_relations",
    "certificates", "vem", "general",
)
HANDOFF_KEYS = {
    "handoff_requested": "requested",
    "handoff_urgent": "urgent",
    "handoff_frustration": "frustration",
}
CONVERSATION_KEYS = {"greet", "thank", "out_of_scope", *HANDOFF_KEYS}


def load(name: str) -> list[dict]:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))["questions"]


def direction_of_key(key: str | None) -> str | None:
    return key.split("/", 1)[0] if key and "/" in key else None


def keyed(name: str, language: str) -> list[dict]:
    out = []
    for q in load(name):
        out.append({
            **q, "language": language, "latin": q.get("latin", False),
            "direction": direction_of_key(q["key"]),
        })
    return out


def old_set() -> list[dict]:
    out = []
    for q in load("heldout.yml"):
        key = None
        if q.get("urgent"):
            key = "handoff_urgent"
        elif q.get("handoff"):
            key = "handoff_requested"
        out.append({**q, "key": key, "language": "az", "latin": False, "old": True})
    return out


ALL = old_set() + keyed("heldout_az.yml", "az") + keyed("heldout_ru.yml", "ru")


@pytest.fixture(scope="module")
def results(rasa_server) -> list[tuple[dict, dict]]:
    return [(q, payload_of(rasa_server.send(q["text"]))) for q in ALL]


def by_language(results, language, *, latin=False, old=None):
    return [
        (q, p) for q, p in results
        if q["language"] == language and q["latin"] == latin
        and (old is None or bool(q.get("old")) == old)
    ]


def confusion_table(rows: list[tuple[dict, dict]]) -> str:
    labels = [*DIRECTIONS, None]
    counts = Counter((q["direction"], p["direction"]) for q, p in rows)
    short = {d: d[:6] for d in DIRECTIONS} | {None: "none"}
    lines = ["expected \\ got    " + " ".join(f"{short[c]:>6}" for c in labels)]
    for expected in labels:
        cells = " ".join(f"{counts[(expected, got)] or '.':>6}" for got in labels)
        lines.append(f"{str(expected):18}{cells}")
    return "\n".join(lines)


def test_heldout_sets_are_well_formed():
    keys = {a["key"] for a in __import__("json").loads(
        (HERE.parents[1] / "contact_center" / "knowledge" / "answers.json").read_text(encoding="utf-8")
    )["answers"]}
    for name in ("heldout_az.yml", "heldout_ru.yml"):
        questions = load(name)
        assert len(questions) >= 100
        texts = [q["text"] for q in questions]
        assert len(texts) == len(set(texts)), f"duplicates in {name}"
        assert {q["key"] for q in questions} <= keys | CONVERSATION_KEYS
        direction_keys = {q["key"] for q in questions if "/" in q["key"]}
        assert direction_keys == {k for k in keys if "/" in k}, f"{name} misses answer keys"
        for key in HANDOFF_KEYS:
            assert any(q["key"] == key for q in questions), (name, key)
    assert any(q.get("latin") for q in load("heldout_ru.yml"))


def test_heldout_questions_are_not_in_the_training_data():
    data_dir = HERE.parents[1] / "chatbot" / "data"
    training = {
        line.strip()[2:].strip().casefold()
        for path in data_dir.rglob("nlu*.yml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("- ")
    }
    leaked = [q["text"] for q in ALL if q["text"].casefold() in training]
    assert not leaked, f"held-out questions found in training data: {leaked}"


@pytest.mark.parametrize("language", ["az", "ru"])
def test_direction_accuracy(results, language):
    rows = by_language(results, language)
    wrong = [(q, p) for q, p in rows if p["direction"] != q["direction"]]
    accuracy = 1 - len(wrong) / len(rows)
    print(f"\n[{language}] direction accuracy: {accuracy:.1%} ({len(rows) - len(wrong)}/{len(rows)})")
    print(confusion_table(rows))
    for q, p in wrong:
        print(f"  MISS {q['text']!r}: expected {q['direction']}, got {p['direction']} "
              f"(intent={p['intent']}, confidence={p['confidence']})")
    assert accuracy >= MIN_DIRECTION_ACCURACY, f"[{language}] direction accuracy {accuracy:.1%}"


@pytest.mark.parametrize("language", ["az", "ru"])
def test_answer_key_accuracy(results, language):
    rows = [(q, p) for q, p in by_language(results, language, old=False)]
    wrong = [(q, p) for q, p in rows if p["answer_key"] != q["key"]]
    accuracy = 1 - len(wrong) / len(rows)
    services = [(q, p) for q, p in rows if q["direction"]]
    service_hits = sum(p["answer_key"] == q["key"] for q, p in services)
    print(f"\n[{language}] answer-key accuracy: {accuracy:.1%} ({len(rows) - len(wrong)}/{len(rows)}); "
          f"service questions {service_hits}/{len(services)}")
    for q, p in wrong:
        print(f"  MISS {q['text']!r}: expected {q['key']}, got {p['answer_key']} (intent={p['intent']})")
    assert accuracy >= MIN_ANSWER_KEY_ACCURACY, f"[{language}] answer-key accuracy {accuracy:.1%}"
    assert service_hits / len(services) >= MIN_ANSWER_KEY_ACCURACY


def test_every_handoff_urgent_and_frustrated_message_goes_to_a_person(results):
    missed = [
        (q["text"], p["handoff_reason"], p["urgent"])
        for q, p in results
        if q["key"] in HANDOFF_KEYS
        and not (p["handoff"] and p["handoff_reason"] == HANDOFF_KEYS[q["key"]]
                 and p["urgent"] == (q["key"] == "handoff_urgent"))
    ]
    assert not missed, f"not handed off with the right reason: {missed}"


def test_ordinary_questions_do_not_escalate(results):
    escalated = [
        (q["text"], p["handoff_reason"])
        for q, p in results
        if q["key"] not in HANDOFF_KEYS and not q["latin"] and p["handoff"]
    ]
    assert not escalated, f"ordinary questions escalated: {escalated}"


def test_the_reply_is_in_the_language_of_the_message(results):
    wrong = [(q["text"], p["language"]) for q, p in results if p["language"] != q["language"]]
    assert not wrong, wrong


def test_russian_in_latin_letters_never_gets_a_wrong_direction(results):
    rows = by_language(results, "ru", latin=True)
    assert rows
    misrouted = [
        (q["text"], p["direction"]) for q, p in rows if p["direction"] not in (None, q["direction"])
    ]
    assert not misrouted, misrouted
