"""Callbacks (geri zəng): a citizen asks to be called back, an agent calls.

    create         from the public form and API (checked, rate-limited), the bot, an agent;
                   one open callback per phone number
    abandoned      the callbacks of abandoned calls, queued on the PBX ingest path
    working_hours  due_time: the SLA counted in working hours
    queue          the agents' queue: rows, claim, release, attempts, cancel
    search         callbacks of a period, filtered (the supervisors' drill-down)

The names below are the package's surface for the rest of the code; anything
else is imported from its module.
"""

from contact_center.callbacks.abandoned import create_for_abandoned_calls
from contact_center.callbacks.create import (
    CallbackCreated,
    CallbackInputError,
    CallbackLimited,
    CallbackRequest,
    check_callback_request,
    count_callback_request,
    create_callback,
    rate_limits,
)
from contact_center.callbacks.queue import AttemptRow, CallbackRow
from contact_center.callbacks.search import CallbackFilters, search_callbacks
from contact_center.callbacks.working_hours import due_time

__all__ = [
    "AttemptRow",
    "CallbackCreated",
    "CallbackFilters",
    "CallbackInputError",
    "CallbackLimited",
    "CallbackRequest",
    "CallbackRow",
    "check_callback_request",
    "count_callback_request",
    "create_callback",
    "create_for_abandoned_calls",
    "due_time",
    "rate_limits",
    "search_callbacks",
]
