"""OpenAPI description of GET /api/v1/stats/summary: every field, what it counts."""

from __future__ import annotations

from typing import Any

from contact_center.stats.filters import CHANNELS
from contact_center.stats.params import PERIODS
from contact_center.web.openapi import Spec, error_responses


def _i(desc: str) -> Spec:
    return {"type": "integer", "description": desc}


def _rate(desc: str) -> Spec:
    return {"type": "number", "format": "double", "minimum": 0, "maximum": 1, "nullable": True,
            "description": desc + " (fraction 0..1; null when the denominator is 0)"}


def _sec(desc: str) -> Spec:
    return {"type": "number", "nullable": True, "description": desc + " (seconds; null when there is none)"}


def _obj(props: dict[str, Any], desc: str = "") -> Spec:
    out: Spec = {"type": "object", "properties": props, "required": list(props)}
    if desc:
        out["description"] = desc
    return out


def _arr(item: Spec, desc: str) -> Spec:
    return {"type": "array", "items": item, "description": desc}


_BREAKDOWN = _obj({
    "code": {"type": "string", "nullable": True, "description": "reference code (null: not classified)"},
    "label": {"type": "string", "description": "Azerbaijani label from the reference tables"},
    "count": _i("registered calls (or conversations) with this code"),
    "share": _rate("count / the section's total"),
})

CALLS = _obj({
    "offered": _i("inbound calls that entered the queue in the period (counted on the local day they entered "
                  "it; outbound calls are never offered)"),
    "answered": _i("offered calls connected to an agent"),
    "answer_rate": _rate("answered / offered"),
    "abandoned": _i("offered calls that left the queue unanswered: the caller hung up (abandoned), the queue "
                    "timed out (timeout), the caller left by key (exit_key) or the queue had no agents "
                    "(exit_empty). Calls still in progress are neither answered nor abandoned"),
    "abandon_rate": _rate("abandoned / offered"),
    "unanswered_by_reason": _obj({r: _i(f"unanswered calls with status {r}") for r in
                                  ("abandoned", "timeout", "exit_key", "exit_empty")},
                                 "`abandoned` split by the reason the call left the queue"),
    "in_progress": _i("offered calls not yet answered or ended"),
    "short_abandoned": _i("abandoned calls whose wait was shorter than short_abandon_seconds"),
    "short_abandon_seconds": _i("SHORT_ABANDON_SECONDS (default 10)"),
    "abandon_rate_excl_short": _rate("(abandoned - short_abandoned) / (offered - short_abandoned)"),
    "asa_seconds": _sec("average speed of answer: mean wait of answered calls"),
    "wait_mean_seconds": _sec("mean line wait of answered and abandoned calls"),
    "wait_median_seconds": {"type": "integer", "nullable": True, "description":
                            "median line wait of answered and abandoned calls, in whole seconds (waits are "
                            "truncated to whole seconds; nearest-rank: the smallest s with at least half the "
                            "waits <= s)"},
    "wait_p90_seconds": {"type": "integer", "nullable": True, "description":
                         "90th percentile of the line wait, whole seconds, nearest-rank as the median"},
    "aht_seconds": _sec("average handle time: mean talk time of answered calls that ended (no wrap-up time "
                        "is measured)"),
    "service_level": _rate("answered calls whose wait, truncated to whole seconds as Asterisk's holdtime, is at "
                           "most service_level_seconds / answered calls"),
    "service_level_seconds": _i("SERVICE_LEVEL_SECONDS, the threshold T (default 20)"),
    "registered": _i("calls an agent registered (direction, type, district, outcome): registrations of the "
                     "offered calls plus phone registrations with no queue record (entered by hand), counted "
                     "on the call's day"),
    "registered_rate": _rate("registered / offered"),
    "registered_without_queue_record": _i("of `registered`, those entered by hand without a PBX queue record"),
    "by_direction": _arr(_BREAKDOWN, "registered calls by service direction (istiqamət), every direction in "
                                     "catalogue order; share of registered"),
    "by_type": _arr(_BREAKDOWN, "registered calls by call type (növ), catalogue order"),
    "by_outcome": _arr(_BREAKDOWN, "registered calls by how they were closed (cavablandırma növü): "
                                   "sent_to_office = sent to the records office, investigation = registered for "
                                   "investigation"),
    "by_district": _arr(_obj({**_BREAKDOWN["properties"], "area": {"type": "string", "enum": ["baku", "region"],
                                                                    "description": "Baku or the regions"}}),
                        "registered calls by district (rayon), districts with calls only, most calls first"),
    "baku_share": _rate("registered calls from Baku districts / registered"),
    "regions_share": _rate("registered calls from the regions / registered"),
    "by_hour": _arr(_obj({"hour": _i("local hour 0..23 the call entered the queue"), "offered": _i("offered"),
                          "answered": _i("answered"), "abandoned": _i("abandoned")}), "24 entries"),
    "by_day": _arr(_obj({"date": {"type": "string", "format": "date", "description": "local date"}, "offered": _i("offered"),
                         "answered": _i("answered"), "abandoned": _i("abandoned"), "registered": _i("registered")}),
                   "one entry per local date of the period"),
    "per_agent": _arr(_obj({"agent": {"type": "string", "description": "extension (the one that answered; for "
                                                                       "calls without a PBX record, the registering agent's)"},
                            "name": {"type": "string", "nullable": True, "description": "the user's full name"},
                            "answered": _i("calls answered"), "talk_seconds": _sec("total talk time"),
                            "aht_seconds": _sec("mean talk time"), "registered": _i("calls registered"),
                            "csat": {"$ref": "#/components/schemas/StatsSatisfaction"}}, "one agent"),
                      "agents with calls, most answered first"),
    "wait_histogram": _arr(_obj({"seconds": _i("whole seconds waited"), "answered": _i("answered calls"),
                                 "abandoned": _i("abandoned calls")}),
                           "the line-wait distribution at one-second resolution (non-empty seconds only)"),
}, "Inbound calls (channel phone). Filters direction and district match registered calls only; queue "
   "matches the call's queue; agent the answering extension.")

CALLBACKS = _obj({
    "requested": _obj({"total": _i("callback requests made in the period (by request day)"),
                       "by_source": {"type": "object", "additionalProperties": {"type": "integer"},
                                     "description": "web, bot, abandoned_call, agent, facebook, instagram"}},
                      "callback requests"),
    "completed": _i("requests closed with a result: reached + unreachable"),
    "reached": _i("the citizen was reached"),
    "unreachable": _i("closed after the attempts ran out"),
    "cancelled": _i("cancelled requests"),
    "open": _i("requests still open or claimed"),
    "attempted": _i("requests with at least one call attempt"),
    "within_sla_rate": _rate("attempted requests whose first attempt was at or before their due time "
                             "(CALLBACK_SLA_MINUTES within working hours) / attempted requests"),
    "recovered_abandons": _i("requests created for an abandoned call whose citizen was then reached"),
}, "Callback requests (əks-əlaqə), counted on the day they were requested; the agent filter matches the "
   "claiming agent.")

_CH = ("web_chat", "facebook", "instagram")
CHATS = _obj({
    "conversations": _obj({"total": _i("conversations started in the period"),
                           **{c: _i(f"{c} conversations") for c in _CH}}, "conversations by channel"),
    "bot_handled": _i("conversations that stayed with the bot (no hand-off to an agent)"),
    "handed_off": _i("conversations handed off to an agent"),
    "containment_rate": _rate("bot_handled / conversations"),
    "by_direction": _arr(_BREAKDOWN, "chatbot requests by the direction the bot classified (last entry: code "
                                     "null, not classified)"),
    "first_response_seconds": _obj({"mean": _sec("mean of first agent reply minus hand-off time"),
                                    "median": {"type": "integer", "nullable": True,
                                               "description": "median, whole seconds, nearest-rank"},
                                    "count": _i("handed-off conversations with an agent reply")},
                                   "time from the hand-off to the first agent reply"),
    "first_response_target_seconds": _i("CHAT_FIRST_RESPONSE_TARGET_SECONDS: the chat SLA's target"),
    "first_response_breaches": _i("handed-off conversations whose first agent reply came later than the target "
                                  "(whole seconds; unanswered ones count as abandoned, not here)"),
    "first_response_breach_rate": _rate("first_response_breaches / first_response_seconds.count"),
    "abandoned": _i("the citizen left after the hand-off before any agent replied"),
    "answered": _i("conversations that got at least one bot or agent reply"),
    "by_channel": {"type": "object", "description": "the same per channel (web_chat, facebook, instagram)",
                   "additionalProperties": _obj({"conversations": _i("conversations"),
                                                 "answered": _i("with at least one reply"),
                                                 "bot_handled": _i("no hand-off"), "handed_off": _i("handed off"),
                                                 "abandoned": _i("left before an agent replied")})},
    "social": _obj({c: _obj({"messages_received": _i("citizen messages (text or attachment)"),
                             "messages_answered": _i("citizen messages followed by a bot or agent reply"),
                             "answer_rate": _rate("messages_answered / messages_received"),
                             "conversations": _i("conversations"),
                             "conversations_answered": _i("conversations with a reply")}, f"{c} inbox")
                    for c in ("facebook", "instagram")},
                   "Facebook and Instagram inbox: messages count on their conversation's start day"),
}, "Web chat, Facebook and Instagram conversations, counted on the day they started; agent filter: "
   "the assigned agent.")

SATISFACTION = _obj({
    "responses": _i("ratings (1-5) given"),
    "score": _rate("ratings of 4 or 5 / responses: the satisfaction DOST reports"),
    "mean": {"type": "number", "nullable": True, "minimum": 1, "maximum": 5,
             "description": "the average rating 1..5 (null when there is none)"},
}, "Citizen satisfaction: how many rated, the share of 4-5 and the average")

CSAT = _obj({
    "responses": _i("conversations the citizen rated (1-5)"),
    "score": _rate("ratings of 4 or 5 / responses"),
    "by_channel": {"type": "object", "description": "per channel (web_chat, facebook, instagram)",
                   "additionalProperties": _obj({"responses": _i("ratings"), "score": _rate("share of 4-5")})},
    "calls": {"$ref": "#/components/schemas/StatsSatisfaction",
              "description": "the post-call IVR survey (PBX `survey` events) of the period's calls, counted on "
                             "the call's day; agent filter: the answering extension"},
    "chats": {"$ref": "#/components/schemas/StatsSatisfaction",
              "description": "the chat ratings: the same as the top-level responses and score, plus the mean"},
}, "Citizen satisfaction. The top-level responses, score and by_channel are the conversation ratings "
   "(as before calls had a survey); calls and chats give each channel's figures")

CHANNELS_SECTION = _obj({
    "incoming_calls": _i("calls.offered"), "callbacks": _i("callbacks.requested.total"),
    "chatbot_and_social": _i("chats.conversations.total"), "web_chat": _i("web chat conversations"),
    "facebook": _i("Facebook conversations"), "instagram": _i("Instagram conversations"),
    "total": _i("all requests (Ümumi müraciət sayı) = incoming_calls + callbacks + chatbot_and_social"),
}, "All requests by channel, as in the monthly overview")

_CHANGE = _obj({"current": {"type": "number", "nullable": True, "description": "this period"},
                "previous": {"type": "number", "nullable": True, "description": "the same dates a year earlier"},
                "change": {"type": "number", "nullable": True, "description": "current - previous"},
                "change_rate": {"type": "number", "format": "double", "nullable": True,
                                "description": "change / previous: a fraction that may exceed 1 or be negative "
                                               "(null when previous is 0)"}})
YOY = {"type": "object", "description": "The same figures for the same dates a year earlier (29 February -> 28), "
       "each scalar as {current, previous, change, change_rate}",
       "properties": {"from": {"type": "string", "format": "date", "description": "first date a year earlier"},
                      "to": {"type": "string", "format": "date", "description": "last date a year earlier"},
                      **{s: {"type": "object", "description": f"the {s} section's scalar figures by name",
                             "additionalProperties": {"$ref": "#/components/schemas/YoyChange"}}
                         for s in ("calls", "callbacks", "chats", "channels")},
                      "csat": {"type": "object", "description": "responses and score (chats) as at the top of "
                                                                "csat; calls and chats: their responses, score, mean",
                               "properties": {
                                   "responses": {"$ref": "#/components/schemas/YoyChange"},
                                   "score": {"$ref": "#/components/schemas/YoyChange"},
                                   **{p: {"type": "object", "description": f"csat.{p} compared",
                                          "additionalProperties": {"$ref": "#/components/schemas/YoyChange"}}
                                      for p in ("calls", "chats")}},
                               "required": ["responses", "score", "calls", "chats"]}}}

# Where the figures were read (contact_center/db/reads.py): DATABASE_READ_URL's replica or the primary.
FRESHNESS: Spec = {
    "as_of": {"type": "string", "format": "date-time",
              "description": "how fresh the figures are: now on the primary or a caught-up replica; a lagging "
                             "replica's last replayed transaction time"},
    "read_from": {"type": "string", "enum": ["replica", "primary"],
                  "description": "primary: no DATABASE_READ_URL, or the replica did not answer (then a warning "
                                 "is logged and the replica is tried again after 10 s)"},
}

SUMMARY = _obj({
    "from": {"type": "string", "format": "date", "description": "first local date of the period"},
    "to": {"type": "string", "format": "date", "description": "last local date of the period"},
    "timezone": {"type": "string", "description": "CC142_TIMEZONE: the days are local days in it"},
    "filters": _obj({f: {"type": "string", "nullable": True, "description": f"the {f} filter (null: none)"}
                     for f in ("channel", "queue", "agent", "direction", "district", "language")},
                    "the filters applied"),
    "calls": {"$ref": "#/components/schemas/StatsCalls"},
    "callbacks": {"$ref": "#/components/schemas/StatsCallbacks"},
    "chats": {"$ref": "#/components/schemas/StatsChats"},
    "csat": {"$ref": "#/components/schemas/StatsCsat"},
    "channels": {"$ref": "#/components/schemas/StatsChannels"},
    "agents": {"$ref": "#/components/schemas/StatsAgents"},
    "yoy": {"$ref": "#/components/schemas/StatsYoy"},
    **FRESHNESS,
})
_NUMN = {"type": "number", "nullable": True}
AGENTS = _obj({"included": {"type": "boolean", "description": "asked for with include=agents"},
               "per_agent": _arr(_obj({
    "user_id": {"type": "integer", "description": "the console user"},
    "username": {"type": "string", "description": "sign-in name"},
    "display_name": {"type": "string", "description": "the user's full name (or the username)"},
    "extensions": {"type": "array", "items": {"type": "string"}, "description": "extensions held in the period"},
    "logged_in_seconds": {"type": "number", "description": "time in any state but offline"},
    "available_seconds": {"type": "number", "description": "logged in, not paused, not on a call or wrap-up"},
    "on_call_seconds": {"type": "number", "description": "answered call to its end"},
    "wrap_up_seconds": {"type": "number", "description": "after a call: WRAP_UP_SECONDS or until registered"},
    "paused_seconds": {"type": "number", "description": "paused (any reason)"},
    "paused_by_reason": {"type": "object", "additionalProperties": {"type": "number"},
                         "description": "reason code (or the exchange's text) -> seconds"},
    "occupancy": {**_NUMN, "description": "(on_call + wrap_up) / (logged_in - paused)"},
    "calls_answered": {"type": "integer", "description": "calls answered on the user's extensions"},
    "aht_seconds": {**_NUMN, "description": "mean talk time of those calls"},
    "registered_rate": {**_NUMN, "description": "registered / answered"},
    "chats_handled": {"type": "integer", "description": "conversations assigned to the user"},
    "chat_first_response_seconds": {**_NUMN, "description": "mean first reply minus assignment"},
    "chat_handle_seconds": {**_NUMN, "description": "mean resolution minus assignment"},
    "chat_csat": _obj({"responses": {"type": "integer", "description": "ratings"},
                       "score": {**_NUMN, "description": "share of 4-5 ratings"}}, "chat CSAT"),
    "call_csat": {"$ref": "#/components/schemas/StatsSatisfaction",
                  "description": "post-call survey of the calls the user answered (on their extensions)"},
    "callbacks_completed": {"type": "integer", "description": "callbacks closed reached or unreachable"},
    "callback_success_rate": {**_NUMN, "description": "reached / completed"},
}), "per person across channels (docs/stats.md, Per agent), only with include=agents (empty otherwise); "
    "calls.per_agent stays per extension")},
    "agents' figures")

SCHEMAS: Spec = {"StatsAgents": AGENTS, "StatsSummary": SUMMARY, "StatsCalls": CALLS, "StatsCallbacks": CALLBACKS, "StatsChats": CHATS,
                 "StatsCsat": CSAT, "StatsSatisfaction": SATISFACTION, "StatsChannels": CHANNELS_SECTION, "StatsYoy": YOY, "YoyChange": _CHANGE}


def _q(name: str, desc: str, required: bool = False, **schema: Any) -> Spec:
    return {"name": name, "in": "query", "required": required, "description": desc,
            "schema": {"type": "string", **schema}}


PATHS: Spec = {
    "/api/v1/stats/summary": {
        "get": {
            "operationId": "api_stats_summary",
            "summary": "Call-centre figures for a period of local dates, with the same period a year earlier",
            "description": "Figures are exact at all times: days changed since the last rollup refresh are "
                           "computed from the records. A filter on a dimension a section does not have "
                           "(e.g. queue for chats) leaves that section empty; `channel` selects the sections "
                           "(phone: calls; callback: callbacks; web_chat/facebook/instagram: that chat channel). "
                           "Response header Server-Timing: app;dur=<ms> is the server time. Several of queue, "
                           "agent, direction, district at once are computed from the records: at most 400 days "
                           "(422 otherwise). 503 (Retry-After) for periods over 62 days while the rollups are "
                           "built for the first time. The console's dashboard takes the same parameters.",
            "security": [{"apiToken": []}],
            "parameters": [
                _q("period", "today, week (Monday to today), month (the 1st to today), custom (from .. to) or "
                             "cumulative (the first record to today); default: custom when from or to is given, "
                             "else today", enum=list(PERIODS)),
                _q("from", "first local date (period=custom: required; other periods ignore it)", format="date"),
                _q("to", "last local date, >= from, at most 25 years later (period=custom: required)",
                   format="date"),
                _q("channel", "phone, callback, web_chat, facebook or instagram",
                   enum=list(CHANNELS)),
                _q("queue", "PBX queue name"),
                _q("agent", "agent extension"),
                _q("direction", "direction code (reference table directions)"),
                _q("district", "district code (reference table districts)"),
                _q("language", "az or ru: chats in that language only (the other sections are empty); computed "
                               "from the records, at most 400 days", enum=["az", "ru"]),
                _q("include", "agents: also agents.per_agent (per person, from the records of the whole "
                              "period; slower for long periods)", enum=["agents"]),
            ],
            "responses": {
                "200": {"description": "the figures",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StatsSummary"}}}},
                **error_responses(401, 422, 503),
            },
        }
    }
}

_CELL = _obj({"value": {"type": "number", "nullable": True, "description": "the figure (rates as fractions, times "
                                                                          "in seconds)"},
              "kind": {"type": "string", "enum": ["count", "rate", "seconds", "change", "rate_change", "text"],
                       "description": "how to read the value"},
              "text": {"type": "string", "description": "formatted as in the printed report (98,74 %)"}},
             "one figure")
SCHEMAS["StatsReport"] = _obj({
    "title": {"type": "string", "description": "Statistik icmal — aylıq"},
    "month": {"type": "string", "description": "YYYY-MM"},
    "period": _obj({"from": {"type": "string", "format": "date", "description": "first day"},
                    "to": {"type": "string", "format": "date", "description": "last day"},
                    "label": {"type": "string", "description": "01.08.24 – 31.08.24"},
                    "month_label": {"type": "string", "description": "2024, avqust"}}, "the month"),
    "cumulative_from": {"type": "string", "format": "date", "description": "first day of the cumulative figures "
                                                                         "(the first record)"},
    "timezone": {"type": "string", "description": "CC142_TIMEZONE"},
    "generated_at": {"type": "string", "format": "date-time", "description": "when it was built"},
    **FRESHNESS,
    "headlines": _arr(_obj({"label": {"type": "string", "description": "Azerbaijani label"}, "value": _CELL,
                            "rate": {**_CELL, "nullable": True}}), "the headline tiles"),
    "tables": _arr(_obj({"key": {"type": "string", "description": "stable id (also in icmal.csv)"},
                         "title": {"type": "string", "description": "Azerbaijani title"},
                         "headers": {"type": "array", "items": {"type": "string"}, "description": "column titles"},
                         "note": {"type": "string", "description": "a footnote, may be empty"},
                         "rows": _arr(_obj({"label": {"type": "string", "description": "row label"},
                                            "emphasis": {"type": "boolean", "description": "a total row"},
                                            "cells": _arr(_CELL, "one per column after the label")}), "rows")}),
                   "the report's tables in print order"),
}, "The monthly statistical overview; the printable page, PDF, XLSX and CSV show the same tables")

PATHS["/api/v1/stats/report"] = {
    "get": {
        "operationId": "api_stats_report",
        "summary": "The monthly overview (Statistik icmal — aylıq) as JSON or a file",
        "description": "format=json (default): the report's tables; pdf: the printable overview; xlsx: sheets "
                       "İcmal, Gün üzrə, Qeydiyyata alınmış zənglər, Söhbətlər (one row per record); csv: a zip of "
                       "icmal.csv, gun_uzre.csv, registered_calls.csv, conversations.csv.",
        "security": [{"apiToken": []}],
        "parameters": [_q("month", "YYYY-MM", True), _q("format", "json, pdf, xlsx or csv",
                                                          enum=["json", "pdf", "xlsx", "csv"])],
        "responses": {
            "200": {"description": "the report", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/StatsReport"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                    {"schema": {"type": "string", "format": "binary"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}}}},
            **error_responses(401, 422),
        },
    }
}

_N = {"type": "number"}
SCHEMAS["StaffingPlan"] = _obj({
    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
    "target_sl": _N, "threshold": _N, "shrinkage": _N,
    "wrap_up_seconds": {**_N, "nullable": True, "description": "mean wrap-up per answered call (agent states)"},
    "cells": _arr(_obj({
        "weekday": {"type": "integer", "description": "1 = Monday (ISO)"},
        "hour": {"type": "integer", "description": "local (Baku) hour 0-23"},
        "offered_per_hour": {**_N, "description": "mean offered calls in this hour over the period's weeks"},
        "handle_seconds": {**_N, "nullable": True, "description": "mean talk + wrap-up of answered calls"},
        "agents_needed": {"type": "integer", "description": "Erlang C: the fewest agents reaching target_sl"},
        "scheduled_agents": {"type": "integer", "description": "ceil(agents_needed / (1 - shrinkage))"},
        "service_level": {**_N, "nullable": True, "description": "with agents_needed"},
        "agents_present": {**_N, "description": "mean agents logged in (not offline) during this hour"},
        "gap": {**_N, "description": "agents_present - scheduled_agents: below 0 is under-staffed"},
    }), "168 cells: Monday 0:00 first"),
    "days_off": _arr(_obj({
        "day": {"type": "string", "format": "date"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["fixed", "movable", "extra", "moved"]},
    }), "public holidays and moved days off in the period, left out of every average"),
}, "Erlang C staffing for every weekday x hour of a period (docs/stats.md)")

PATHS["/api/v1/stats/staffing"] = {
    "get": {
        "operationId": "api_stats_staffing",
        "summary": "Erlang C staffing plan: needed vs present agents per weekday x hour (Baku time)",
        "description": "The statistics' AHT stays talk time; here the handling time is talk + wrap-up.",
        "security": [{"apiToken": []}],
        "parameters": [_q("from", "YYYY-MM-DD", True), _q("to", "YYYY-MM-DD", True),
                       _q("target_sl", "share answered within the threshold (default 0.8)"),
                       _q("threshold", "seconds (default SERVICE_LEVEL_SECONDS)"),
                       _q("shrinkage", "share of paid time not on the phones (default 0)")],
        "responses": {
            "200": {"description": "the plan", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/StaffingPlan"}}}},
            **error_responses(401, 422),
        },
    }
}
