"""`rasa data validate` passes, and its warnings are only the two known false alarms.

Rasa 3.6 warns about
- responses "not used in any story or rule" even when a custom action sends
  them (the hand-off, fallback and callback-form messages): accepted only
  if the response name really appears in chatbot/actions/; and the
  retrieval intents' own ``utter_<direction>`` actions, unused since
  ``action_answer`` sends the answer key's response (``utter_<key>``);
- "duplicated intents across multiple domain files" for retrieval intents,
  which the importer adds again from the NLU data: accepted only for the
  seven direction intents.
Anything else (unknown intents in stories, story conflicts, duplicated
examples, missing responses ...) fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BOT_DIR = REPO_ROOT / "chatbot"
RASA = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
DIRECTIONS = {
    "social_protection", "employment", "disability", "labour_relations",
    "certificates", "vem", "general",
}
UNUSED_UTTERANCE = re.compile(r"The utterance '([\w/]+)' is not used in any story or rule")
DUPLICATED_INTENTS = re.compile(
    r"The following duplicated intents have been found across multiple domain files: (.+)"
)
RASA_WARNING = re.compile(r"site-packages/rasa/.*UserWarning: (.*)")


def run_validate() -> subprocess.CompletedProcess:
    assert RASA.exists(), f"{RASA} missing: run `python chatbot/manage.py install`"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run(
        [str(RASA), "data", "validate", "--domain", "domain", "--data", "data",
         "--config", "config.yml"],
        cwd=BOT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_rasa_data_validate_passes_without_unexpected_warnings():
    result = run_validate()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "No story structure conflicts found" in output, output[-5000:]

    action_code = "\n".join(
        p.read_text(encoding="utf-8") for p in (BOT_DIR / "actions").glob("*.py")
    )
    unexpected = []
    for line in output.splitlines():
        match = RASA_WARNING.search(line)
        if not match:
            continue
        warning = match.group(1).strip()
        if m := UNUSED_UTTERANCE.search(warning):
            if f'"{m.group(1)}"' in action_code:
                continue  # sent by a custom action
            if m.group(1).removeprefix("utter_") in DIRECTIONS:
                continue  # the retrieval umbrella: action_answer sends utter_<key>
        elif m := DUPLICATED_INTENTS.search(warning):
            if {i.strip() for i in m.group(1).split(",")} <= DIRECTIONS:
                continue  # retrieval intents re-added by Rasa's importer
        unexpected.append(warning)
    assert not unexpected, "unexpected validation warnings:\n" + "\n".join(unexpected)
