"""Held-out quality of the bot: direction accuracy and hand-off reliability.

Each question of heldout.yml (never used for training) is sent in a fresh
conversation through the REST webhook; the cc142 payload is compared with
the expected direction and hand-off / urgent flags.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.plugins.rasa_server import payload_of

HELDOUT = Path(__file__).with_name("heldout.yml")
MIN_DIRECTION_ACCURACY = 0.90
DIRECTIONS = {
    "social_protection", "employment", "disability", "labour_relations",
    "certificates", "vem", "general",
}


def load_questions() -> list[dict]:
    questions = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["questions"]
    for q in questions:
        q.setdefault("handoff", False)
        q.setdefault("urgent", False)
    return questions


@pytest.fixture(scope="module")
def results(rasa_server) -> list[tuple[dict, dict]]:
    return [(q, payload_of(rasa_server.send(q["text"]))) for q in load_questions()]


def test_heldout_set_is_well_formed():
    questions = load_questions()
    assert len(questions) >= 120
    assert {q["direction"] for q in questions} - {None} == DIRECTIONS
    texts = [q["text"] for q in questions]
    assert len(texts) == len(set(texts)), "duplicate held-out questions"
    ascii_only = [t for t in texts if not set(t) & set("əıöüğşçƏİÖÜĞŞÇ")]
    assert len(ascii_only) >= 0.2 * len(texts), "about a quarter typed without Azerbaijani letters"
    assert any(q["urgent"] for q in questions) and any(
        q["handoff"] and not q["urgent"] for q in questions
    )


def test_heldout_questions_are_not_in_the_training_data():
    data_dir = Path(__file__).resolve().parents[2] / "chatbot" / "data"
    training = {
        line.strip()[2:].strip().casefold()
        for path in data_dir.rglob("nlu.yml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("- ")
    }
    leaked = [q["text"] for q in load_questions() if q["text"].casefold() in training]
    assert not leaked, f"held-out questions found in training data: {leaked}"


def test_direction_accuracy(results):
    wrong = [(q, p) for q, p in results if p["direction"] != q["direction"]]
    accuracy = 1 - len(wrong) / len(results)
    per_direction: dict[str, list[bool]] = {}
    for q, p in results:
        per_direction.setdefault(str(q["direction"]), []).append(p["direction"] == q["direction"])
    print(f"\ndirection accuracy: {accuracy:.1%} ({len(results) - len(wrong)}/{len(results)})")
    for direction, hits in sorted(per_direction.items()):
        print(f"  {direction:18} {sum(hits)}/{len(hits)}")
    for q, p in wrong:
        print(
            f"  MISS {q['text']!r}: expected {q['direction']}, got {p['direction']} "
            f"(intent={p['intent']}, confidence={p['confidence']})"
        )
    assert accuracy >= MIN_DIRECTION_ACCURACY, f"direction accuracy {accuracy:.1%}"


def test_every_explicit_handoff_request_escalates(results):
    missed = [
        (q["text"], p)
        for q, p in results
        if q["handoff"] and not q["urgent"]
        and not (p["handoff"] and p["handoff_reason"] == "requested" and not p["urgent"])
    ]
    assert not missed, f"explicit hand-off requests not escalated: {missed}"


def test_every_urgent_message_escalates_as_urgent(results):
    missed = [
        (q["text"], p)
        for q, p in results
        if q["urgent"]
        and not (p["handoff"] and p["urgent"] and p["handoff_reason"] == "urgent")
    ]
    assert not missed, f"urgent messages not escalated as urgent: {missed}"


def test_ordinary_questions_do_not_escalate(results):
    escalated = [
        (q["text"], p["handoff_reason"]) for q, p in results if not q["handoff"] and p["handoff"]
    ]
    # a first unclear message never escalates; anything here is a false alarm
    assert not escalated, f"ordinary questions escalated: {escalated}"
