"""Who may see which record, and whether a citizen's number or name is shown in
full or masked: the one access policy (issues 13 and 14).

A number (and the name that goes with it) is shown in full only where the
work needs it:

- the agent's own screen pop: a call answered on their extension (or one
  nobody answered that they took explicitly, audited);
- the callback they have claimed;
- the registration they are editing (their own, or any for a supervisor).

Everywhere else (the wallboard, dashboards, drill-down lists, supervisors'
record lists, exports, token-authenticated APIs) it is masked like
`+994 50 ••• •• 67`. A supervisor reveals one number with a typed reason
(audited `number_revealed`) and exports unmasked only with a reason.

Ownership: an agent sees a call's pop and registration form only when it
was answered on their extension (or taken by them), a registration only when
it is theirs, a conversation only when it waits for anybody or is theirs, a
callback's details only when it is open or theirs. Supervisors and admins
see every record (masked where the rule says so).

The functions take plain values (a role, a user id, an extension), so every
domain and adapter can ask the same questions without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from contact_center.text import normalize_phone

DOT = "•"
SUPERVISING_ROLES = frozenset({"supervisor", "admin"})


class Viewer(Protocol):
    """Who is looking: the console's CurrentUser fits; the API token is `API_VIEWER`."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...

    @property
    def extension(self) -> str | None: ...


@dataclass(frozen=True)
class TokenViewer:
    """The API token: sees every record, never a full number."""

    id: int = 0
    role: str = "api-token"
    extension: str | None = None


API_VIEWER = TokenViewer()


def supervises(viewer: Viewer) -> bool:
    return viewer.role in SUPERVISING_ROLES


# --- masking ---------------------------------------------------------------------------------
def mask_phone(value: str | None) -> str:
    """`+994 50 ••• •• 67`: the operator code and the last two digits stay (enough to
    tell two callers apart on a list, not enough to call anybody)."""
    if not value:
        return "—"
    full = normalize_phone(value)
    if full:
        national = full[4:]
        return f"+994 {national[:2]} {DOT * 3} {DOT * 2} {national[-2:]}"
    digits = [c for c in value if c.isdigit()]
    if len(digits) <= 2:
        return DOT * 3
    return DOT * 3 + "".join(digits[-2:])


def format_phone(value: str | None) -> str:
    """A number in full, grouped for reading: `+994 50 123 45 67`."""
    if not value:
        return "—"
    full = normalize_phone(value)
    if full:
        v = full[4:]
        return f"+994 {v[:2]} {v[2:5]} {v[5:7]} {v[7:]}"
    return value


def mask_name(value: str | None) -> str:
    """`A•••• M••••`: each word's first letter (how a list tells names apart), no more."""
    if not value or not value.strip():
        return "—"
    return " ".join(word[0] + DOT * 4 for word in value.split())


def show_phone(value: str | None, full: bool) -> str:
    return format_phone(value) if full else mask_phone(value)


def show_name(value: str | None, full: bool) -> str:
    if not value or not value.strip():
        return "—"
    return value if full else mask_name(value)


# Digit runs that look like a phone number inside free text (a chat message,
# a preview): 9+ digits with optional separators and a leading + or 0.
_NUMBER_IN_TEXT = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{7,18}\d(?!\w)")


def mask_numbers_in_text(text: str | None) -> str:
    """Free text with every phone-like number masked (previews, others' transcripts)."""
    if not text:
        return text or ""

    def repl(m: re.Match[str]) -> str:
        raw = m.group(0)
        digits = sum(c.isdigit() for c in raw)
        if digits < 9:
            return raw
        return mask_phone(raw) if normalize_phone(raw) else DOT * 3 + "".join(c for c in raw if c.isdigit())[-2:]

    return _NUMBER_IN_TEXT.sub(repl, text)


# --- calls -----------------------------------------------------------------------------------
def call_is_mine(viewer: Viewer, answered_on: str | None, taken_by: int | None) -> bool:
    """The call was answered on the viewer's extension, or they took it explicitly."""
    if answered_on:
        return bool(viewer.extension) and answered_on == viewer.extension
    return taken_by is not None and taken_by == viewer.id


def may_open_call(viewer: Viewer, answered_on: str | None, taken_by: int | None) -> bool:
    """The screen pop and the registration form of a PBX call."""
    return supervises(viewer) or call_is_mine(viewer, answered_on, taken_by)


def may_take_call(viewer: Viewer, answered_on: str | None, taken_by: int | None) -> bool:
    """A call no extension answered (an outage, a transfer the PBX did not report)
    may be taken by one agent, explicitly."""
    return answered_on is None and taken_by is None and viewer.role in ("agent", *SUPERVISING_ROLES)


def call_number_full(viewer: Viewer, answered_on: str | None, taken_by: int | None) -> bool:
    """The caller's number in full: on the agent's own pop and form only."""
    return call_is_mine(viewer, answered_on, taken_by)


# --- callbacks -------------------------------------------------------------------------------
def may_view_callback(viewer: Viewer, status: str, claimed_by: int | None) -> bool:
    """Open ones are the agents' shared queue; a claimed one belongs to its holder;
    closed ones to whoever worked them (supervisors see all)."""
    if supervises(viewer) or status == "open":
        return True
    return claimed_by == viewer.id


def callback_number_full(viewer: Viewer, status: str, claimed_by: int | None) -> bool:
    """In full only for the agent holding it (they are about to call)."""
    return status == "claimed" and claimed_by == viewer.id


# --- registrations ---------------------------------------------------------------------------
def may_view_registration(viewer: Viewer, agent_id: int) -> bool:
    return supervises(viewer) or agent_id == viewer.id


def registration_number_full(viewer: Viewer, agent_id: int, editing: bool) -> bool:
    """In full on the edit form of the registration's own agent."""
    return editing and agent_id == viewer.id


# --- conversations ---------------------------------------------------------------------------
def may_view_conversation(viewer: Viewer, status: str, assigned_to: int | None, resolved_by: int | None) -> bool:
    """Waiting ones are every agent's queue; otherwise the agent who has (or had) it."""
    return supervises(viewer) or status == "pending" or viewer.id in (assigned_to, resolved_by)


def conversation_text_full(viewer: Viewer, status: str, assigned_to: int | None) -> bool:
    """Numbers a citizen typed stay readable for the agent working the conversation
    (and for any agent while it waits to be claimed); masked for onlookers."""
    return status == "pending" or (assigned_to is not None and assigned_to == viewer.id)
