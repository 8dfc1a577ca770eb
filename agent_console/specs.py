"""OpenAPI entries of the console's JSON endpoints (registered by agent_console.routes.setup).

The console's pages are HTML; these few answer JSON to its scripts: the agent's
status, live updates by long polling, the inbox actions, a number revealed.
All need a signed-in session (the `cc142_session` cookie) and, when they change
something, its CSRF token in `X-CSRF-Token`. The live WebSocket
(`/console/live/ws`) is described in docs/console.md, not here.
"""

from __future__ import annotations

from contact_center.web.openapi import Spec, error_responses

_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"
_SESSION: list[Spec] = [{"consoleSession": []}]


def _json(schema: Spec, description: str) -> Spec:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _ref(name: str) -> Spec:
    return {"$ref": f"#/components/schemas/{name}"}


def _refused(*codes: int) -> Spec:
    text = {401: "not signed in (or the session ended)", 403: "the role may not, or the CSRF token is missing",
            404: "no such object", 409: "the state does not allow it (e.g. another agent took the chat)",
            422: "invalid input; `field` names it"}
    return {str(c): _json(_ref("Error"), text[c]) for c in codes}


_ID = {"name": "id", "in": "path", "required": True, "description": "the conversation",
       "schema": {"type": "integer", "minimum": 1}}

SCHEMAS: Spec = {
    "ConsoleStatusRequest": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string",
                       "description": "available, paused or offline (`paused:<reason>` works too; "
                       "the older busy and break mean a pause)"},
            "reason": {"type": "string", "nullable": True,
                       "description": "a pause reason code (reference data); required with paused"},
        },
    },
    "ConsoleStatus": {
        "type": "object",
        "properties": {
            "status": {"type": "string", "description": "the status now"},
            "reason": {"type": "string", "nullable": True, "description": "the pause reason, when paused"},
        },
    },
    "LiveEvent": {
        "type": "object",
        "properties": {
            "seq": {"type": "integer", "description": "this process's event number (the next `cursor`)"},
            "topic": {"type": "string", "description": "see contact_center/events.py (call.answered, chat.message, ...)"},
            "data": {"type": "object", "description": "the topic's payload: ids, never records"},
        },
    },
    "LivePoll": {
        "type": "object",
        "properties": {
            "epoch": {"type": "string", "description": "the process's epoch: send it back with `cursor`"},
            "cursor": {"type": "integer", "description": "the last event number: send it back"},
            "events": {"type": "array", "items": _ref("LiveEvent"),
                       "description": "events after `cursor` this user may see"},
            "reset": {"type": "boolean", "description": "events were missed (restart, other process): reload views"},
            "listening": {"type": "boolean", "description": "the server hears the database's events"},
        },
    },
    "InboxAction": {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "reply or note: the text"},
            "canned": {"type": "string", "description": "reply: a canned response id, sent as it is when text is empty"},
            "outcome": {"type": "string", "description": "resolve: the outcome code"},
            "direction": {"type": "string", "description": "classify/resolve: a service direction code"},
            "district": {"type": "string", "description": "classify/resolve: a district code"},
            "target": {"type": "string", "description": "transfer: `user:<id>` (a colleague available now) "
                       "or `direction:<code>` (back to the queue, routed to that direction's agents)"},
            "note": {"type": "string", "maxLength": 500,
                     "description": "release/transfer: a note for the colleagues (never sent to the citizen)"},
            "idempotency_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,100}$",
                                "description": "the page's submission id (or the `Idempotency-Key` header): "
                                "a repeat acts once"},
        },
    },
    "InboxResult": {
        "type": "object",
        "properties": {
            "ok": {"type": "boolean", "description": "done"},
            "message": {"type": "string", "description": "what was done, for the agent (Azerbaijani)"},
            "duplicate": {"type": "boolean", "description": "a repeat of a submission id: nothing done again"},
        },
    },
    "RevealRequest": {
        "type": "object",
        "required": ["kind", "id", "reason"],
        "properties": {
            "kind": {"type": "string", "enum": ["call", "callback", "registration"], "description": "the record"},
            "id": {"type": "string", "pattern": "^[0-9]{1,18}$", "description": "its id"},
            "reason": {"type": "string", "description": "why the full number is needed (audited)"},
            "csrf_token": {"type": "string", "description": "the session's CSRF token (or the header)"},
        },
    },
    "Revealed": {
        "type": "object",
        "properties": {
            "phone": {"type": "string", "nullable": True, "description": "the full number"},
            "name": {"type": "string", "nullable": True, "description": "the citizen's name"},
        },
    },
}


def _inbox(summary: str) -> Spec:
    return {
        "post": {
            "tags": ["console"], "summary": summary, "security": _SESSION,
            "parameters": [_ID],
            "requestBody": {"content": {_JSON: {"schema": _ref("InboxAction")},
                                        _FORM: {"schema": _ref("InboxAction")}}},
            "responses": {"200": _json(_ref("InboxResult"), "done (with `Accept: application/json`; "
                                       "a form post without it is redirected, 303)"),
                          **_refused(401, 403, 404, 409, 422)},
        }
    }


PATHS: Spec = {
    "/console/status": {
        "post": {
            "tags": ["console"], "summary": "Set the signed-in agent's own status", "security": _SESSION,
            "requestBody": {"required": True, "content": {_JSON: {"schema": _ref("ConsoleStatusRequest")}}},
            "responses": {"200": _json(_ref("ConsoleStatus"), "the status now"), **_refused(401, 403, 422)},
        }
    },
    "/console/live/poll": {
        "get": {
            "tags": ["console"], "summary": "Live events by long polling (the WebSocket's fallback)",
            "security": _SESSION,
            "parameters": [
                {"name": "cursor", "in": "query", "description": "the last `cursor` seen",
                 "schema": {"type": "integer", "minimum": 0}},
                {"name": "epoch", "in": "query", "description": "the `epoch` it came with",
                 "schema": {"type": "string"}},
                {"name": "wait", "in": "query", "description": "seconds to wait for an event (at most 25)",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 25}},
            ],
            "responses": {"200": _json(_ref("LivePoll"), "events after `cursor`, or none after `wait`"),
                          **_refused(401)},
        }
    },
    "/console/inbox/{id}/claim": _inbox("Take a waiting chat"),
    "/console/inbox/{id}/reply": _inbox("Reply to the citizen"),
    "/console/inbox/{id}/note": _inbox("Add an internal note"),
    "/console/inbox/{id}/classify": _inbox("Set the direction and district"),
    "/console/inbox/{id}/resolve": _inbox("Close the chat with an outcome"),
    "/console/inbox/{id}/release": _inbox("Give the chat back to the queue (audited as chat_transferred)"),
    "/console/inbox/{id}/transfer": _inbox("Transfer the chat to an available colleague or to a direction"),
    "/console/inbox/{id}/typing": {
        "post": {
            "tags": ["console"], "summary": "The agent is typing (the citizen's widget shows it)",
            "security": _SESSION, "parameters": [_ID],
            "responses": {"204": {"description": "told"}, **_refused(401, 403, 404)},
        }
    },
    "/console/reveal": {
        "post": {
            "tags": ["console"], "summary": "Show a record's full number (supervisors; audited)",
            "security": _SESSION,
            "requestBody": {"required": True, "content": {_FORM: {"schema": _ref("RevealRequest")}}},
            "responses": {"200": _json(_ref("Revealed"), "with `Accept: application/json` (else an HTML page)"),
                          **_refused(401, 403, 404, 422),
                          **error_responses(503)},
        }
    },
}
