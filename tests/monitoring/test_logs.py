"""Logs: JSON lines with the request's id, and nothing personal in any line,
database errors included (contact_center/monitoring/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from contact_center.db.engine import make_engine
from contact_center.monitoring import logs
from contact_center.monitoring.logs import REQUEST_ID_VAR, ROUTE_VAR, format_exception, redact
from tests.helpers import signed
from tests.plugins.backend import free_port

PHONE = "+994501234567"
PHONE_FORMS = ("+994501234567", "994501234567", "501234567", "050 123 45 67", "0501234567")
CITIZEN_TEXT = "Mənim təqaüdüm gecikir, nə etməliyəm"


def no_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return "501234567" not in digits and all(form not in text for form in PHONE_FORMS)


@pytest.mark.parametrize("raw", [
    "+994501234567", "call from 0501234567.", "050 123 45 67", "(050) 123-45-67", "+994 50 123 45 67",
    "tel:994501234567;", "nömrə=+994-50-123-45-67",
])
def test_phone_numbers_are_redacted(raw):
    out = redact(raw)
    assert "[phone]" in out and no_phone(out), out


@pytest.mark.parametrize("raw", [
    "2026-12-01 09:00:00", "call 1709362800.1 answered", "request 3f2a9c4e5b6d7e8f90a1b2c3d4e5f607",
    "listening on 10.0.0.1:8080", "conversation 1234", "KeyError: 'user_id'", "constraint \"uq_callbacks_open_phone\"",
])
def test_what_is_not_personal_stays(raw):
    assert redact(raw) == raw


def test_quoted_free_text_is_removed():
    out = redact(f"invalid input for query argument $2: '{CITIZEN_TEXT}' (expected int)")
    assert CITIZEN_TEXT not in out and "query argument $2" in out


async def _raise_from_database(url: str, *, hide: bool) -> DBAPIError:
    engine = make_engine(url) if hide else create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TEMP TABLE t (phone varchar(32), note text CHECK (length(note) < 5))"))
            await conn.execute(text("INSERT INTO t VALUES (:phone, :note)"), {"phone": PHONE, "note": CITIZEN_TEXT})
    except DBAPIError as exc:
        return exc
    finally:
        await engine.dispose()
    raise AssertionError("the insert should have failed")


async def test_the_engines_hide_parameters(database_url):
    exc = await _raise_from_database(database_url, hide=True)
    assert PHONE not in str(exc) and CITIZEN_TEXT not in str(exc)
    # Without it the parameters are in the text: what hide_parameters protects against.
    bare = await _raise_from_database(database_url, hide=False)
    assert PHONE in str(bare) and CITIZEN_TEXT in str(bare)


async def test_a_database_error_is_logged_without_its_values(database_url):
    exc = await _raise_from_database(database_url, hide=False)  # even from an engine without hide_parameters
    rendered = format_exception(exc)
    assert no_phone(rendered) and CITIZEN_TEXT not in rendered and "Failing row" not in rendered
    assert "CheckViolationError" in rendered and "SQLSTATE 23514" in rendered
    assert "INSERT INTO t VALUES" in rendered  # the statement, without its values
    assert 'Traceback (most recent call last)' in rendered


@pytest.mark.parametrize("statement", [
    "SELECT CAST(CAST(:v AS text) AS integer)",  # PostgreSQL quotes the value in its message
    "SELECT :v + 1",  # asyncpg refuses to encode it, quoting the value
])
async def test_a_database_message_that_quotes_a_value_loses_it(database_url, statement):
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(statement).bindparams(v=f"{CITIZEN_TEXT} {PHONE}"))
    except DBAPIError as exc:
        rendered = format_exception(exc)
    finally:
        await engine.dispose()
    assert no_phone(rendered) and "təqaüdüm" not in rendered, rendered
    assert "SQLSTATE" in rendered or "DataError" in rendered


@contextmanager
def configured(log_format: str) -> Iterator[io.StringIO]:
    """The process's logging as `cc142` sets it up, into a string; pytest's own put back after."""
    root = logging.getLogger()
    names = (*logs.QUIET, logs.ACCESS_LOGGER)
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in names}
    stream = io.StringIO()
    logs.configure(log_format, stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


def test_json_lines_carry_the_request_context():
    with configured("json") as stream:
        log = logging.getLogger("contact_center.test")
        id_token, route_token = REQUEST_ID_VAR.set("3f2a9c4e5b6d7e8f90a1b2c3d4e5f607"), ROUTE_VAR.set("chat_messages")
        try:
            log.warning("bot unavailable for conversation %s: caller %s", 42, PHONE)
            try:
                raise ValueError(f"bad text {CITIZEN_TEXT!r} from {PHONE}")
            except ValueError:
                log.exception("failed")
        finally:
            REQUEST_ID_VAR.reset(id_token)
            ROUTE_VAR.reset(route_token)
        log.info("outside a request", extra={"phone": PHONE, "status": 200})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == [
        "bot unavailable for conversation 42: caller [phone]", "failed", "outside a request"]
    first = lines[0]
    assert list(first)[:6] == ["time", "level", "logger", "message", "request_id", "route"]
    assert (first["level"], first["logger"], first["request_id"], first["route"]) == (
        "WARNING", "contact_center.test", "3f2a9c4e5b6d7e8f90a1b2c3d4e5f607", "chat_messages")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["time"])
    assert "ValueError" in lines[1]["exception"] and CITIZEN_TEXT not in lines[1]["exception"]
    assert lines[2]["request_id"] is None and lines[2]["status"] == 200
    assert "phone" not in lines[2]  # a record's other extras are not written
    assert no_phone(stream.getvalue())


def test_text_lines_are_redacted_too():
    with configured("text") as stream:
        logging.getLogger("contact_center.test").warning("callback for %s", PHONE)
    assert "callback for [phone]" in stream.getvalue() and no_phone(stream.getvalue())


# --- a real backend process, in JSON mode, doing what leaks if anything does ---------------

TRAP = (
    """CREATE FUNCTION cc142_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.note LIKE '%maintenance%' THEN
           RAISE EXCEPTION 'callbacks refused for %', NEW.phone USING DETAIL = NEW.note;
         END IF;
         RAISE EXCEPTION 'callbacks are closed';
       END $$""",
    "CREATE TRIGGER cc142_test_refuse BEFORE INSERT ON callbacks FOR EACH ROW EXECUTE FUNCTION cc142_test_refuse()",
)
UNTRAP = ("DROP TRIGGER IF EXISTS cc142_test_refuse ON callbacks", "DROP FUNCTION IF EXISTS cc142_test_refuse()")


async def _run(engine, statements) -> None:
    async with engine.begin() as conn:
        for statement in statements:
            await conn.exec_driver_sql(statement)


def _call(base: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(base + path, data=body, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


async def test_a_backend_process_logs_json_without_personal_data(backend_processes, engine):
    await _run(engine, UNTRAP + TRAP)
    try:
        proc = backend_processes(CC142_LOG_FORMAT="json", RASA_URL=f"http://127.0.0.1:{free_port()}",
                                 RASA_TIMEOUT_SECONDS="1")
        base = proc.url
        answers = {}
        # bad input, with the number in it
        answers["bad_phone"] = _call(base, "POST", "/api/v1/callbacks",
                                     json.dumps({"phone": PHONE + "x9", "note": CITIZEN_TEXT}).encode())
        answers["bad_json"] = _call(base, "POST", "/api/v1/callbacks", f"{{phone: {PHONE}".encode())
        answers["bad_chat"] = _call(base, "POST", "/api/v1/chat/messages",
                                    json.dumps({"visitor_id": "v-1", "text": CITIZEN_TEXT}).encode())
        # database errors whose statement carries the number and the text
        answers["db_error"] = _call(base, "POST", "/api/v1/callbacks",
                                    json.dumps({"phone": PHONE, "note": CITIZEN_TEXT}).encode())
        answers["db_error_detail"] = _call(base, "POST", "/api/v1/callbacks",
                                           json.dumps({"phone": PHONE, "note": CITIZEN_TEXT + " maintenance"}).encode())
        # a chat message (the bot is down: logged as a warning) and a PBX event from the number
        answers["chat"] = _call(base, "POST", "/api/v1/chat/messages",
                                json.dumps({"visitor_id": "v-" + "b2" * 12, "text": CITIZEN_TEXT}).encode())
        body, headers = signed(json.dumps({"event_id": "e1", "call_id": "c1", "type": "enqueued",
                                           "at": "2026-03-02T10:00:00+04:00", "caller": PHONE, "queue": "142"}))
        answers["pbx"] = _call(base, "POST", "/api/v1/pbx/events", body, headers)
        answers["search"] = _call(base, "GET", f"/console/calls?phone={PHONE.replace('+', '%2B')}")
    finally:
        await _run(engine, UNTRAP)
        proc.stop()

    assert [answers[k][0] for k in answers] == [422, 400, 422, 500, 500, 200, 202, 200]  # the search: to the sign-in page
    log = proc.log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert len(lines) == len(log.splitlines()), "every line is one JSON object"
    assert no_phone(log), [line for line in log.splitlines() if not no_phone(line)]
    assert CITIZEN_TEXT not in log and "təqaüdüm" not in log and "maintenance" not in log

    access = [line for line in lines if line["logger"] == "cc142.access"]
    assert len(access) >= len(answers)
    for line in access:
        assert {"time", "level", "message", "request_id", "route", "status", "duration_ms", "method", "path"} <= set(line)
        assert "?" not in line["path"] and "?" not in line["message"]  # no query string (search terms)
    assert any(line["path"] == "/console/calls" and line["status"] == 303 for line in access)
    by_id = {line["request_id"]: line for line in access}
    for name, (status, headers, _body) in answers.items():
        line = by_id[headers["X-Request-Id"]]
        assert line["status"] == status, name
    assert by_id[answers["pbx"][1]["X-Request-Id"]]["route"] == "pbx_events"

    errors = [line for line in lines if line["level"] == "ERROR"]
    assert len(errors) == 2
    for line, name in zip(errors, ("db_error", "db_error_detail")):
        assert line["request_id"] == answers[name][1]["X-Request-Id"] and line["route"] == "api_callbacks_create"
        assert "RaiseError" in line["exception"] and "SQLSTATE P0001" in line["exception"]
    assert "callbacks refused for [phone]" in errors[1]["exception"]
    bot_down = [line for line in lines if line["logger"] == "contact_center.chat.receive"]
    assert bot_down and bot_down[0]["request_id"] == answers["chat"][1]["X-Request-Id"]
