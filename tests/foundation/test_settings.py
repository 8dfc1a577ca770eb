"""Every backend setting is a field of Settings and a row of the README's
settings table, with the same default; nothing reads the environment around it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, Field
from pathlib import Path
from typing import Any

import pytest

from contact_center.config import Settings, SettingError

ROOT = Path(__file__).resolve().parents[2]

# README variables that Settings does not read, and why.
NOT_SETTINGS = {
    "RASA_PORT": "the bot's own port: chatbot/manage.py (standard library only, it runs before and without the "
                 "backend's packages) starts Rasa on it, and `cc142 up` points RASA_URL at it",
    "ACTIONS_PORT": "the port of the bot's action server, read by chatbot/manage.py only",
    "RASA_REPLICAS": "how many Rasa servers chatbot/manage.py starts; `cc142 up` lists them all in RASA_URL",
    "REDIS_URL": "Rasa's lock store, written into the bot's endpoints by chatbot/manage.py; the backend "
                 "never talks to Redis",
}
# Reads of a named variable outside contact_center/config.py: (module, variable).
READ_ELSEWHERE = {("contact_center/commands/up.py", "RASA_PORT"), ("contact_center/commands/up.py", "RASA_REPLICAS")}


def readme_table() -> dict[str, str]:
    """Variable -> its Default cell, from the README's settings table."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    out: dict[str, str] = {}
    for row in (line for line in section.splitlines() if line.startswith("| `")):
        variables, defaults, meaning = (cell.strip() for cell in row.strip().strip("|").split("|", 2))
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", variables)
        values = [d.strip() for d in defaults.split(" / ")]  # `A` / `B` | `1` / `2`
        assert names and len(values) == len(names), row
        assert meaning.strip(" |"), f"{row}: say what it does"
        for name, value in zip(names, values):
            assert name not in out, f"{name} has two rows"
            out[name] = value
    return out


def _default(f: Field[Any]) -> Any:
    return f.default_factory() if f.default is MISSING else f.default  # type: ignore[misc]


def test_the_readme_lists_every_setting_and_settings_read_every_variable_listed():
    documented = readme_table()
    read = set(Settings.variables())
    assert sorted(read - documented.keys()) == [], "settings missing from the README's table"
    assert sorted(documented.keys() - read - NOT_SETTINGS.keys()) == [], "README variables Settings does not read"
    assert not NOT_SETTINGS.keys() & read and NOT_SETTINGS.keys() <= documented.keys()  # no stale allowances


@pytest.mark.parametrize("variable", sorted(Settings.variables()))
def test_the_documented_default_is_the_default(variable):
    f = Settings.variables()[variable]
    cell = readme_table()[variable]
    if cell == "unset":
        assert _default(f) is None
    elif cell == "empty":  # an empty text, list or map
        assert _default(f) is not None and len(_default(f)) == 0
    else:
        written = re.match(r"`([^`]*)`", cell)
        assert written, f"{variable}: a default is `value`, empty or unset, got {cell!r}"
        # What the variable set to the documented text would give: the field's default.
        assert f.metadata["parse"](variable, written.group(1)) == _default(f)


class Recording(Mapping[str, str]):
    """An environment that notes every variable looked up."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        self.asked.add("<every variable>")
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def test_from_env_reads_exactly_the_declared_variables():
    env = Recording({"CC142_PORT": "9000", "CC142_DB_POOL_SIZE": "4", "PATH": "/usr/bin"})
    settings = Settings.from_env(env)
    assert env.asked == set(Settings.variables())
    assert (settings.port, settings.db_pool_size, settings.workers) == (9000, 4, 1)
    assert Settings.from_env({}) == Settings()  # unset: every default


SAMPLES = {"_int": "7", "_non_negative_int": "7", "_float": "2.5", "_bool": "1", "_text": "x",
           "_url": "http://127.0.0.1:9/v1/",
           "_path": "/srv/cc142", "_timezone": "Europe/Paris", "_hours": "08:00-17:00", "_days": "1-6",
           "_json_map": '{"104": "token"}', "_names": "142, 143", "_trimmed": " x ",
           "_networks": "10.0.0.0/8, 192.0.2.7", "_log_format": "json",
           "_origins": "https://dost.gov.az, https://e-social.gov.az",
           "_urls": "http://rasa-1:5005/, http://rasa-2:5005"}


@pytest.mark.parametrize("variable", sorted(Settings.variables()))
def test_each_variable_sets_its_own_field(variable):
    f = Settings.variables()[variable]
    changed = Settings.from_env({variable: SAMPLES[f.metadata["parse"].__name__]})
    assert [name for name in Settings.__dataclass_fields__
            if getattr(changed, name) != getattr(Settings(), name)] == [f.name]


@pytest.mark.parametrize("env, message", [
    ({"CC142_DB_POOL_SIZE": "ten"}, "CC142_DB_POOL_SIZE must be an integer"),
    ({"CC142_WORKERS": "2.5"}, "CC142_WORKERS must be an integer"),
    ({"CHAT_ROUTING_FALLBACK_SECONDS": "-5"}, "CHAT_ROUTING_FALLBACK_SECONDS must be 0 or more"),
    ({"CHAT_ROUTING_FALLBACK_SECONDS": "a minute"}, "CHAT_ROUTING_FALLBACK_SECONDS must be an integer"),
    ({"RASA_TIMEOUT_SECONDS": "soon"}, "RASA_TIMEOUT_SECONDS must be a number"),
    ({"CC142_TIMEZONE": "Mars/Olympus"}, "unknown time zone"),
    ({"CC142_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.300"}, "'10.0.0.300' is not an address"),
    ({"CC142_LOG_FORMAT": "xml"}, "CC142_LOG_FORMAT must be text or json"),
    ({"CHAT_EMBED_ORIGINS": "dost.gov.az"}, "CHAT_EMBED_ORIGINS: 'dost.gov.az' is not"),
    ({"RASA_URL": "http://rasa-1:5005,rasa-2:5005"}, "RASA_URL must be http"),
])
def test_a_bad_value_is_named(env, message):
    with pytest.raises(SettingError, match=message):
        Settings.from_env(env)


def _reads(tree: ast.AST) -> Iterator[str]:
    """Names of the variables a module reads from os.environ / os.getenv ("?" when computed)."""

    def environ(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ" and \
            isinstance(node.value, ast.Name) and node.value.id == "os"

    def named(arg: ast.AST | None) -> str:
        return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else "?"

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if (environ(node.func.value) and node.func.attr in ("get", "pop", "setdefault")) or (
                    node.func.attr == "getenv" and isinstance(node.func.value, ast.Name) and node.func.value.id == "os"):
                yield named(node.args[0] if node.args else None)
        elif isinstance(node, ast.Subscript) and environ(node.value):
            yield named(node.slice)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and \
                {a.name for a in node.names} & {"environ", "getenv"}:
            yield "?"


def test_no_setting_is_read_around_settings():
    found = set()
    for package in ("contact_center", "webhooks", "agent_console"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if module != "contact_center/config.py":
                found |= {(module, name) for name in _reads(ast.parse(path.read_text(encoding="utf-8")))}
    assert found == READ_ELSEWHERE
