"""Installing never touches the machine's own Python: the backend venv brings uv,
and every install command names `.venv` or `.venv-rasa` as its target."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.plugins.rasa_server import manage

ROOT = Path(__file__).resolve().parents[2]
BACKEND_VENV = ROOT / ".venv"
RASA_VENV = ROOT / ".venv-rasa"


def _names_a_project_venv(command: list[str]) -> bool:
    """The command's program (uv) and its target (the venv made, or the --python installed into)."""
    if command[1:2] == ["venv"]:
        targets = [command[0], command[-1]]
    else:
        targets = [command[0], command[command.index("--python") + 1]]
    return all(Path(t).is_relative_to(BACKEND_VENV) or Path(t).is_relative_to(RASA_VENV) for t in targets)


def test_install_commands_name_the_project_venvs_as_their_targets():
    uv = manage.uv_executable()
    commands = manage.install_commands(uv, manage.base_interpreter(), create_venv=True)
    assert [c[1] for c in commands] == ["venv", "pip"]
    assert uv == BACKEND_VENV / "bin" / "uv"
    for command in commands:
        assert _names_a_project_venv(command), command
    venv, pip = commands
    # the interpreter is an explicit path outside any venv, never a version uv would look up or download
    interpreter = Path(venv[venv.index("--python") + 1])
    assert interpreter.is_absolute() and interpreter.exists()
    assert not interpreter.is_relative_to(BACKEND_VENV)
    assert pip[pip.index("--python") + 1] == str(RASA_VENV / "bin" / "python")
    assert f"rasa=={manage.RASA_VERSION}" in pip
    assert manage.uv_env()["UV_PYTHON_DOWNLOADS"] == "never"
    assert manage.uv_env()["UV_NATIVE_TLS"] == "1"  # the system CA store, as pip uses it
    assert "VIRTUAL_ENV" not in manage.uv_env()


def test_install_runs_only_the_project_uv(monkeypatch, tmp_path):
    """A fresh install runs exactly the built commands, none of them the machine's pip."""
    ran: list[list[str]] = []
    versions = iter([None, manage.RASA_VERSION])
    text_package = iter([False, True])  # missing, then installed
    monkeypatch.setattr(manage, "installed_version", lambda: next(versions))
    monkeypatch.setattr(manage, "text_package_current", lambda: next(text_package))
    monkeypatch.setattr(manage, "VENV", tmp_path / ".venv-rasa")
    monkeypatch.setattr(manage.subprocess, "run", lambda cmd, **kw: ran.append(list(cmd)))
    manage.install()
    assert len(ran) == 3
    for command in ran:
        assert command[0] == str(BACKEND_VENV / "bin" / "uv")
        assert "-m" not in command  # never `python -m pip` nor `python -m uv`
    assert ran[0][-1] == str(tmp_path / ".venv-rasa")
    for command in ran[1:]:
        assert command[command.index("--python") + 1] == str(tmp_path / ".venv-rasa" / "bin" / "python")
    # the shared text package alone: nothing else in the (shared) Rasa venv changes
    assert "--no-deps" in ran[2] and ran[2][-1] == str(manage.TEXT_PACKAGE)


def test_install_adds_a_missing_text_package_to_an_existing_rasa_venv(monkeypatch, tmp_path):
    ran: list[list[str]] = []
    text_package = iter([False, True])
    monkeypatch.setattr(manage, "installed_version", lambda: manage.RASA_VERSION)
    monkeypatch.setattr(manage, "text_package_current", lambda: next(text_package))
    monkeypatch.setattr(manage.subprocess, "run", lambda cmd, **kw: ran.append(list(cmd)))
    manage.install()
    assert ran == [manage.text_package_command(manage.uv_executable())]


def test_without_the_backend_venv_install_stops_instead_of_falling_back(monkeypatch, tmp_path):
    ran: list[list[str]] = []
    monkeypatch.setenv("CC142_VENV", str(tmp_path / "no-venv"))
    monkeypatch.setattr(manage, "installed_version", lambda: None)
    monkeypatch.setattr(manage.subprocess, "run", lambda cmd, **kw: ran.append(list(cmd)))
    with pytest.raises(manage.BotError, match="make install"):
        manage.install()
    assert ran == []


def test_manage_py_never_calls_pip():
    source = (ROOT / "chatbot" / "manage.py").read_text()
    assert not re.search(r"""["']-m["']\s*,\s*["']pip["']""", source)
    assert "shutil.which" not in source  # no uv (or pip) picked up from PATH


def test_make_installs_only_into_the_project_venvs():
    """`make -n -B install` prints every install step without running it."""
    out = subprocess.run(
        ["make", "-n", "-B", "install"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    steps = [line for line in out.splitlines() if re.search(r"\b(pip|uv|manage\.py)\b", line)]
    assert steps, out
    for line in steps:
        assert line.startswith(".venv/bin/"), line
