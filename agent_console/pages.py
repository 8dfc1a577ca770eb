"""Typed page contexts: what each template receives as `page` (no ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contact_center.callbacks import AttemptRow, CallbackRow
from contact_center.calls import CallerHistory, CallInfo, RegistrationRow
from contact_center.calls.registrations import Change
from contact_center.paging import Page
from contact_center.reference.lists import Choices


@dataclass(frozen=True)
class HomePage:
    recent_calls: list[CallInfo]
    my_callbacks: list[CallbackRow]
    queue: dict[str, int]
    tz: str
    floor: dict[str, int] | None = None  # supervisors: agents by status


@dataclass
class RegistrationForm:
    """The wrap-up form: new (for a PBX call, a callback, or by hand) or an edit."""

    choices: Choices
    action: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    call: CallInfo | None = None
    callback: CallbackRow | None = None
    history: CallerHistory | None = None
    editing: RegistrationRow | None = None
    phone_editable: bool = True
    # The access policy (contact_center.privacy.access): the number and name in full here?
    full_number: bool = False
    # A supervisor editing another's registration: number and name shown masked, kept as they are.
    personal_locked: bool = False


@dataclass(frozen=True)
class RegistrationListPage:
    choices: Choices
    result: Page[RegistrationRow]
    filters: dict[str, Any]
    agents: list[tuple[int, str]]
    show_agent_filter: bool
    errors: dict[str, str]
    page_links: dict[str, str | None]


@dataclass(frozen=True)
class RegistrationPage:
    choices: Choices
    reg: RegistrationRow
    changes: list[Change]
    can_edit: bool
    edit_until: str | None
    field_labels: dict[str, str]
    can_reveal: bool = False


@dataclass(frozen=True)
class CallbackQueuePage:
    choices: Choices
    queue: list[CallbackRow]
    closed: list[CallbackRow]
    counts: dict[str, int]
    user_id: int
    now: Any
    can_manage: bool
    full_ids: frozenset[int] = frozenset()  # callbacks whose number this user sees in full


@dataclass(frozen=True)
class CallbackPage:
    choices: Choices
    cb: CallbackRow
    attempts: list[AttemptRow]
    history: CallerHistory
    user_id: int
    can_manage: bool
    max_attempts: int
    full: bool = False  # the number and name in full (the agent holding it)


@dataclass(frozen=True)
class RevealedPage:
    phone: str | None
    name: str | None
    reason: str
    back: str
