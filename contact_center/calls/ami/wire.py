"""AMI framing, without IO: bytes in, messages and problems out.

The exchange greets with a banner line (`Asterisk Call Manager/11.0.0`),
then every message is `Key: Value` lines ended by `\\r\\n` (a lone `\\n` is
read the same) and closed by an empty line; keys repeat (ChanVariable) and
values may hold colons. The parser never raises on bad input: a line that is
not `Key: Value`, a message cut short, a line or message past the size bounds
are reported as `Problem`s and skipped, and whatever valid message follows
is still delivered.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

BANNER_PREFIX = "Asterisk Call Manager"
# Bounds: a real AMI line is well under 1 KiB and an event under 8 KiB
# (ChanVariable lines included); anything far bigger is not worth buffering.
MAX_LINE_BYTES = 64 * 1024
MAX_MESSAGE_BYTES = 256 * 1024
MAX_HEADERS = 1000


@dataclass(frozen=True, slots=True)
class Message:
    """One AMI message: its headers in order, repeated keys kept (e.g. ChanVariable)."""

    headers: tuple[tuple[str, str], ...]

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of `key` (case-insensitive, as Asterisk reads headers)."""
        wanted = key.lower()
        for k, v in self.headers:
            if k.lower() == wanted:
                return v
        return default

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [v for k, v in self.headers if k.lower() == wanted]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    def as_dict(self) -> dict[str, str]:
        """First value of every key (for logs and tests)."""
        out: dict[str, str] = {}
        for k, v in self.headers:
            out.setdefault(k, v)
        return out


@dataclass(frozen=True, slots=True)
class Banner:
    text: str

    @property
    def version(self) -> str:
        return self.text.partition("/")[2].strip()


@dataclass(frozen=True, slots=True)
class Problem:
    """Input that was skipped. kind: garbage_line, oversized_line, oversized_message,
    truncated_message, headerless_message."""

    kind: str
    detail: str


PROBLEM_TEXT = {
    "garbage_line": "a line that is not 'Key: Value' was skipped",
    "oversized_line": "a line longer than the bound was skipped with its message",
    "oversized_message": "a message larger than the bound was skipped",
    "truncated_message": "a message cut short (a new message began before its blank line) was skipped",
    "headerless_message": "a block with neither Event nor Response was skipped",
}


def _valid_key(key: str) -> bool:
    # Asterisk's keys are single tokens (Event, ChanVariable, DestCallerIDNum, ...).
    return bool(key) and len(key) <= 100 and not any(c.isspace() or ord(c) < 32 for c in key)


class Parser:
    """Bytes in, `Banner` / `Message` / `Problem` items out. Never raises on input."""

    def __init__(
        self,
        *,
        expect_banner: bool = True,
        max_line: int = MAX_LINE_BYTES,
        max_message: int = MAX_MESSAGE_BYTES,
        max_headers: int = MAX_HEADERS,
    ) -> None:
        self._expect_banner = expect_banner
        self._max_line = max_line
        self._max_message = max_message
        self._max_headers = max_headers
        self._buffer = bytearray()
        self._skip_line = False  # dropping the rest of an oversized line
        self._headers: list[tuple[str, str]] = []
        self._size = 0
        self._discarding = False  # dropping the rest of an oversized message

    def feed(self, data: bytes) -> list[Banner | Message | Problem]:
        out: list[Banner | Message | Problem] = []
        self._buffer += data
        start = 0
        while True:
            end = self._buffer.find(b"\n", start)
            if end < 0:
                break
            raw = bytes(self._buffer[start:end])
            start = end + 1
            if self._skip_line:
                self._skip_line = False
                continue
            if len(raw) > self._max_line:
                self._oversized_line(out)
                continue
            self._line(raw.rstrip(b"\r").decode("utf-8", "replace"), out)
        del self._buffer[:start]
        if len(self._buffer) > self._max_line:
            self._buffer.clear()
            if not self._skip_line:
                self._skip_line = True
                self._oversized_line(out)
        return out

    def feed_eof(self) -> list[Problem]:
        """The stream ended: a message or line left unfinished is reported, not delivered."""
        out: list[Problem] = []
        if self._headers or (self._buffer and not self._skip_line and self._buffer.strip()):
            detail = self._describe() or bytes(self._buffer[:80]).decode("utf-8", "replace")
            out.append(Problem("truncated_message", f"the connection ended inside a message: {detail}"))
        self._buffer.clear()
        self._reset()
        return out

    def _oversized_line(self, out: list[Banner | Message | Problem]) -> None:
        if self._discarding:
            return
        out.append(Problem("oversized_line", f"a line over {self._max_line} bytes in {self._describe() or 'no message'}"))
        if self._headers:  # the message lost a header: drop all of it
            self._headers.clear()
            self._discarding = True

    def _describe(self) -> str:
        for k, v in self._headers:
            if k.lower() in ("event", "response"):
                return f"{k}: {v[:60]}"
        return ""

    def _reset(self) -> None:
        self._headers = []
        self._size = 0
        self._discarding = False

    def _line(self, line: str, out: list[Banner | Message | Problem]) -> None:
        if self._expect_banner:
            self._expect_banner = False
            out.append(Banner(line.strip()))
            return
        if not line.strip():
            if self._headers and not self._discarding:
                if any(k.lower() in ("event", "response") for k, _ in self._headers):
                    out.append(Message(tuple(self._headers)))
                else:
                    shown = "; ".join(f"{k}: {v[:30]}" for k, v in self._headers[:3])
                    out.append(Problem("headerless_message", shown))
            self._reset()
            return
        key, sep, value = line.partition(":")
        if not sep or not _valid_key(key):
            out.append(Problem("garbage_line", line[:80]))
            return
        if key.lower() == "privilege" and not self._discarding and any(
            k.lower() == "privilege" for k, _ in self._headers
        ):
            # Every event starts 'Event: X' then 'Privilege: ...' (manager.c), so a second
            # Privilege means a new event began inside a half line ('ChannEvent: X'):
            # the old one was cut short, the new one is recovered.
            start_key, start_value = self._headers.pop()
            out.append(Problem("truncated_message", self._describe()))
            self._reset()
            glued = f"{start_key}: {start_value}"
            cut = glued.rfind("Event:")
            if cut > 0:
                self._headers.append(("Event", glued[cut + len("Event:"):].strip()))
        if key.lower() in ("event", "response"):
            if self._discarding:
                # No message has two of these: this line starts the next message.
                self._reset()
            elif any(k.lower() in ("event", "response") for k, _ in self._headers):
                # A message began before the last one was closed: the last one was cut short.
                out.append(Problem("truncated_message", self._describe()))
                self._reset()
        if self._discarding:
            return
        self._headers.append((key, value.strip()))
        self._size += len(line) + 2
        if len(self._headers) > self._max_headers or self._size > self._max_message:
            out.append(Problem("oversized_message", f"{self._describe() or 'a message'} past {self._max_message} bytes"))
            self._headers.clear()
            self._discarding = True


def encode_action(name: str, action_id: str, headers: Mapping[str, str] | None = None) -> bytes:
    """`Action: name` + ActionID + headers, closed by a blank line. A value with a
    line break would smuggle a header (or a second action): refused."""
    lines = [("Action", name), ("ActionID", action_id), *((headers or {}).items())]
    parts = []
    for key, value in lines:
        value = str(value)
        if not _valid_key(key) or "\r" in value or "\n" in value:
            raise ValueError(f"AMI header {key!r} has a line break or is not a single token")
        parts.append(f"{key}: {value}\r\n")
    parts.append("\r\n")
    return "".join(parts).encode()


def iter_messages(text: str) -> Iterator[Message]:
    """The messages of an AMI transcript (no banner), problems skipped; for tools and tests."""
    parser = Parser(expect_banner=False)
    for item in [*parser.feed(text.encode()), *parser.feed("\r\n".encode()), *parser.feed_eof()]:
        if isinstance(item, Message):
            yield item
