"""Fuzzing (issue 13): schemathesis against the OpenAPI document a real backend serves.

Every operation of /api/v1/openapi.json gets FUZZ_EXAMPLES generated requests
(default 20: the suite; `make fuzz` runs many more). PBX and Meta bodies are
signed so the fuzzer reaches the handlers; the read APIs get the API token; the
backend runs with high rate limits so it does not mostly see 429s; the console's
JSON endpoints are fuzzed with a signed-in supervisor's session. The property:
never a 5xx, responses conform to the document, and every 4xx is JSON with
`error` and `message`.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contact_center.app import create_app
from contact_center.appkeys import OPENAPI
from contact_center.config import Settings
from contact_center.web.signatures import sign_sha256
from tests.helpers import ROOT
from tests.plugins.backend import API_TOKEN, PBX_SECRET, BackendProcess, free_port, start_backend
from tests.plugins.console import csrf_from

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
META_SECRET = "fuzz-meta-secret"
SIGNED = {"/api/v1/pbx/events": ("X-Signature-256", PBX_SECRET),
          "/api/v1/pbx/queue-log": ("X-Signature-256", PBX_SECRET),
          "/webhooks/meta": ("X-Hub-Signature-256", META_SECRET)}
RAN: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzzed_backend(database_url: str) -> Iterator[BackendProcess]:
    env = {
        "DATABASE_URL": database_url,
        "PBX_WEBHOOK_SECRET": PBX_SECRET,
        "CC142_API_TOKEN": API_TOKEN,
        "META_APP_SECRET": META_SECRET,
        "META_VERIFY_TOKEN": "fuzz-verify",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",  # closed: chats go to a person at once
        "RASA_TIMEOUT_SECONDS": "1",
        "META_GRAPH_URL": f"http://127.0.0.1:{free_port()}",
        "CHAT_RATE_PER_IP": "1000000",
        "CHAT_RATE_PER_VISITOR": "1000000",
        "CALLBACK_RATE_PER_IP": "1000000",
        "CALLBACK_RATE_PER_PHONE": "1000000",
    }
    backend = start_backend(env, Path(tempfile.mkdtemp(prefix="cc142-fuzz-")))
    yield backend
    backend.stop()
    if RAN:
        print(f"\nfuzz: {sum(RAN.values())} cases over {len(RAN)} operations: {dict(RAN)}")


@pytest.fixture(scope="module")
def api_schema(fuzzed_backend: BackendProcess):
    return schemathesis.openapi.from_url(fuzzed_backend.url + "/api/v1/openapi.json")


def _operations() -> list[tuple[str, str]]:
    """The operations, for test ids (the fuzzer loads the document the backend serves)."""
    app = create_app(Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1/none"))
    return [(method.upper(), path) for path, ops in app[OPENAPI]["paths"].items() for method in ops]


def _signed(kwargs: dict, header: str, secret: str) -> dict:
    """The body as bytes (as the backend will read it), signed."""
    headers = dict(kwargs.get("headers") or {})
    if "json" in kwargs:
        kwargs["data"] = json.dumps(kwargs.pop("json")).encode()
        headers.setdefault("Content-Type", "application/json")
    data = kwargs.get("data") or b""
    if isinstance(data, str):
        data = data.encode()
    kwargs["data"] = data
    headers[header] = sign_sha256(secret, data)
    kwargs["headers"] = headers
    return kwargs


def errors_are_json(ctx, response, case) -> None:
    """A 4xx names what is wrong: JSON with `error` and `message` (the Meta check's 403 is Meta's plain text)."""
    if not 400 <= response.status_code < 500 or case.path == "/webhooks/meta" and case.method == "GET":
        return
    body = response.json()
    assert isinstance(body, dict) and body.get("error") and body.get("message"), response.text


@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_5xx_and_clear_4xx(api_schema, fuzzed_backend, request, method, path):
    operation = api_schema[path][method]
    console = request.getfixturevalue("console_session") if path.startswith("/console/") else None

    @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE)))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def fuzz(case):
        _call_and_check(case, fuzzed_backend, console)

    fuzz()


@pytest.fixture(scope="module")
def console_session(fuzzed_backend: BackendProcess, database_url: str) -> requests.Session:
    """A supervisor signed in on the fuzzed backend: the console's JSON endpoints are
    fuzzed with a session (cookie, CSRF header, JSON answers), not just refused."""
    password = "fuzz-parol-" + secrets.token_hex(8)
    subprocess.run([sys.executable, "-m", "contact_center", "create-user", "fuzzboss", "--role", "supervisor",
                    "--full-name", "Fuzz Boss", "--extension", "1999", "--password", password],
                   cwd=ROOT, env=os.environ | {"DATABASE_URL": database_url}, check=True, timeout=120)
    http = requests.Session()
    page = http.get(fuzzed_backend.url + "/console/login", timeout=30)
    signed_in = http.post(fuzzed_backend.url + "/console/login", timeout=30, allow_redirects=False,
                          data={"username": "fuzzboss", "password": password, "csrf_token": csrf_from(page.text)})
    assert signed_in.status_code == 303, signed_in.text
    http.headers.update({"Accept": "application/json",
                         "X-CSRF-Token": csrf_from(http.get(fuzzed_backend.url + "/console", timeout=30).text)})
    return http


def _call_and_check(case, fuzzed_backend: BackendProcess, console: requests.Session | None = None) -> None:
    kwargs = case.as_transport_kwargs(base_url=fuzzed_backend.url)
    kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {API_TOKEN}"
    if case.path in SIGNED:
        kwargs = _signed(kwargs, *SIGNED[case.path])
    kwargs["timeout"] = 30
    if console is not None:
        kwargs.pop("cookies", None)
        response = console.request(**kwargs)
    else:
        response = requests.request(**kwargs)
    RAN[f"{case.method} {case.path}"] += 1
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance, errors_are_json],
    )
