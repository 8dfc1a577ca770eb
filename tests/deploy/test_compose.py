"""docker-compose.yml is a valid Compose file (checked against the vendored Compose
Specification schema: no compose engine runs here) and keeps secrets out of the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "deploy" / "compose-spec.schema.json").read_text())


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_validates_against_the_compose_specification():
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = sorted(validator.iter_errors(_compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_broken_file():
    broken = _compose()
    broken["services"]["backend"]["ports"] = "8080:8080"  # must be a list
    broken["services"]["backend"]["restart_policy"] = "always"  # no such key
    assert len(list(jsonschema.Draft7Validator(SCHEMA).iter_errors(broken))) >= 2


def test_no_secret_is_written_into_the_compose_file():
    for name, service in _compose()["services"].items():
        env = service.get("environment") or {}
        for key, value in (env.items() if isinstance(env, dict) else []):
            if re.search(r"SECRET|PASSWORD|TOKEN", key):
                assert isinstance(value, str) and value.startswith("${"), f"{name}.{key} is not from the environment"
