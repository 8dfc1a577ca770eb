"""OpenAPI entries of the foundation's endpoints (PBX, health); the record APIs describe
themselves (contact_center/api/records.py)."""

from __future__ import annotations

from contact_center.web.openapi import Spec, error_responses

_DATE = {"type": "string", "format": "date"}

SCHEMAS: Spec = {
    "PbxEvent": {
        "type": "object",
        "required": ["event_id", "call_id", "type", "at"],
        "properties": {
            "event_id": {"type": "string", "maxLength": 200, "description": "unique per PBX; a repeat is a duplicate"},
            "call_id": {"type": "string", "maxLength": 200, "description": "the PBX call id"},
            "type": {"type": "string", "enum": ["enqueued", "ringing", "answered", "transferred", "completed", "abandoned"]},
            "at": {"type": "string", "format": "date-time", "description": "with a UTC offset"},
            "caller": {"type": "string", "nullable": True},
            "queue": {"type": "string", "nullable": True},
            "agent": {"type": "string", "nullable": True, "description": "the agent's extension"},
            "direction": {"type": "string", "enum": ["inbound", "outbound"], "default": "inbound"},
        },
    },
    "PbxSurveyEvent": {
        "type": "object",
        "description": "The citizen's rating of a call from the post-call IVR survey (docs/stats.md, call "
                       "satisfaction); may arrive before the call's own events",
        "required": ["event_id", "call_id", "type", "at", "score"],
        "properties": {
            "event_id": {"type": "string", "maxLength": 200, "description": "unique per PBX; a repeat is a duplicate"},
            "call_id": {"type": "string", "maxLength": 200, "description": "the PBX call id of the rated call"},
            "type": {"type": "string", "enum": ["survey"]},
            "at": {"type": "string", "format": "date-time", "description": "with a UTC offset"},
            "score": {"type": "integer", "minimum": 1, "maximum": 5,
                      "description": "1..5; of several surveys of one call the latest `at` counts"},
            "caller": {"type": "string", "nullable": True},
        },
    },
    "PbxAgentEvent": {
        "type": "object",
        "description": "An agent's state at the exchange (docs/stats.md, agent states); stored apart from the "
                       "call events, no call_id",
        "required": ["event_id", "type", "at", "agent"],
        "properties": {
            "event_id": {"type": "string", "maxLength": 200, "description": "unique per PBX; a repeat is a duplicate"},
            "type": {"type": "string", "enum": ["agent_login", "agent_logoff", "agent_pause", "agent_unpause"]},
            "at": {"type": "string", "format": "date-time", "description": "with a UTC offset"},
            "agent": {"type": "string", "maxLength": 64, "description": "the agent's extension"},
            "queue": {"type": "string", "nullable": True, "description": "absent: every queue (logoff, pause all)"},
            "reason": {"type": "string", "nullable": True, "maxLength": 200,
                       "description": "agent_pause: why (a pause_reasons code or the exchange's own text)"},
        },
    },
}

PATHS: Spec = {
    "/api/v1/pbx/events": {
        "post": {
            "operationId": "pbx_events",
            "summary": "PBX call, survey and agent events (one or an array of up to 1000), all-or-nothing, "
                       "idempotent",
            "security": [{"hmac": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                {"$ref": "#/components/schemas/PbxEvent"},
                {"$ref": "#/components/schemas/PbxSurveyEvent"},
                {"$ref": "#/components/schemas/PbxAgentEvent"},
                {"type": "array", "maxItems": 1000, "items": {"oneOf": [
                    {"$ref": "#/components/schemas/PbxEvent"}, {"$ref": "#/components/schemas/PbxSurveyEvent"},
                    {"$ref": "#/components/schemas/PbxAgentEvent"}]}},
            ]}}}},
            "responses": {
                "202": {"description": "stored", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "accepted": {"type": "integer", "description": "new events stored"},
                        "duplicates": {"type": "integer", "description": "events whose event_id was already stored"}}}}}},
                **error_responses(400, 401, 422),
            },
        }
    },
    "/api/v1/pbx/queue-log": {
        "post": {
            "operationId": "pbx_queue_log",
            "summary": "Import an Asterisk queue_log (text body); re-posting the same lines adds nothing",
            "security": [{"hmac": []}],
            "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}},
            "responses": {
                "202": {"description": "import summary", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "lines": {"type": "integer"}, "events": {"type": "integer", "description": "call events read"},
                        "accepted": {"type": "integer"}, "duplicates": {"type": "integer"},
                        "calls": {"type": "integer", "description": "call records touched"},
                        "non_call_events": {"type": "integer", "description": "agent and system lines"},
                        "agent_events": {"type": "integer", "description": "agent lines read (login, pause, ...)"},
                        "malformed": {"type": "array", "items": {"type": "object", "properties": {
                            "line": {"type": "integer"}, "error": {"type": "string"}}}},
                        "unknown_events": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "unknown_lines": {"type": "array", "items": {"type": "integer"}}}}}}},
                **error_responses(400, 401),
            },
        }
    },
    "/healthz": {"get": {"operationId": "healthz", "summary": "The process is alive",
                         "responses": {"200": {"description": "{\"status\": \"ok\"}"}}}},
    "/readyz": {"get": {"operationId": "readyz",
                        "summary": "The database answers and the schema is at the newest migration",
                        "description": "`bot` (cached a few seconds) is `ready`, `starting` or `unavailable`; "
                                       "it never makes the answer 503: chats reach a person without the bot. "
                                       "`ami` is the Asterisk Manager connection: `{\"state\": \"off\"}` "
                                       "without AMI_HOST; `standby` in a process that does not hold it; "
                                       "in the one that does, `connecting`, `connected`, `disconnected` or "
                                       "`auth_failed` with the peer, last error and last event time; never 503",
                        "responses": {"200": {"description": "{\"status\": \"ready\", \"migration\": rev, "
                                                             "\"bot\": \"ready\", \"ami\": {\"state\": ...}}"},
                                      **error_responses(503)}}},
    "/api/v1/openapi.json": {"get": {"operationId": "openapi", "summary": "This description",
                                     "responses": {"200": {"description": "OpenAPI 3 document"}}}},
}
