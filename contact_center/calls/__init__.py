"""Phone calls: how the exchange's call events come in and are recorded, what
follows from them, and the agents' work on calls.

Call events in (every path ends in `record`):

    pbx_ingest           store PBX events and merge them into call records (one statement)
    pbx_record           record(conn, settings, events): the ingest, then the hooks, in one transaction
    hooks                what else a change of calls does: screen pops, abandoned-call callbacks
    pbx_batcher          PbxBatcher, group commit of PBX event requests (one per process, from the runtime)
    queue_log            Asterisk queue_log lines -> PBX events; an import's summary
    ami/                 live call events straight from Asterisk over the Manager Interface

Reading and the agents' work:

    search               call records: the API's list, the supervisors' drill-down, the wallboard's live calls
    registrations        the agent's wrap-up of a call: check, create, edit (audited), change history
    registration_search  registrations of a period, filtered (the console's list, the drill-down)
    caller_lookup        what the agent sees when a call comes in: the call, the caller's history

The names below are the package's surface for the rest of the code; anything
else is imported from its module.
"""

from contact_center.calls.caller_lookup import CallerHistory, CallInfo, call_info, caller_history, recent_calls_for
from contact_center.calls.pbx_batcher import PbxBatcher
from contact_center.calls.pbx_ingest import ChangedCall, IngestResult, PbxEventIn
from contact_center.calls.pbx_record import record
from contact_center.calls.queue_log import parse_lines, summarise
from contact_center.calls.registration_search import RegistrationRow, list_registrations
from contact_center.calls.registrations import (
    RegistrationError,
    RegistrationInput,
    check_registration,
    register_call,
    update_registration,
)
from contact_center.calls.search import CallFilters, CallRow, LiveCalls, live_calls, search_calls

__all__ = [
    "CallFilters",
    "CallInfo",
    "CallRow",
    "CallerHistory",
    "ChangedCall",
    "IngestResult",
    "LiveCalls",
    "PbxBatcher",
    "PbxEventIn",
    "RegistrationError",
    "RegistrationInput",
    "RegistrationRow",
    "call_info",
    "caller_history",
    "check_registration",
    "list_registrations",
    "live_calls",
    "parse_lines",
    "recent_calls_for",
    "record",
    "register_call",
    "search_calls",
    "summarise",
    "update_registration",
]
