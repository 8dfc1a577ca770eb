"""OpenAPI entries of the public channel endpoints: callback requests, the web
chat's JSON API and Meta's webhook (registered by webhooks.routes.setup)."""

from __future__ import annotations

from contact_center.web.openapi import Spec, error_responses

_JSON = "application/json"


def _json(schema: Spec, description: str) -> Spec:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _ref(name: str) -> Spec:
    return {"$ref": f"#/components/schemas/{name}"}


_RATE_LIMITED = {"429": {"description": "too many requests; `Retry-After` says when to try again",
                         "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                         "content": {_JSON: {"schema": _ref("Error")}}}}

SCHEMAS: Spec = {
    "CallbackRequest": {
        "type": "object",
        "required": ["phone"],
        "properties": {
            "phone": {"type": "string", "description": "an Azerbaijani number: +994XXXXXXXXX, 0XXXXXXXXX or XXXXXXXXX"},
            "name": {"type": "string", "maxLength": 200, "nullable": True, "description": "the citizen's name"},
            "district": {"type": "string", "nullable": True, "description": "a district code (reference data)"},
            "direction": {"type": "string", "nullable": True, "description": "a service direction code"},
            "preferred_time": {"type": "string", "maxLength": 100, "nullable": True, "description": "free text"},
            "note": {"type": "string", "maxLength": 2000, "nullable": True, "description": "what it is about"},
            "source": {"type": "string", "deprecated": True,
                       "description": "ignored: the server records requests made here as web"},
        },
    },
    "ChatReply": {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "description": "the stored message"},
            "text": {"type": "string", "description": "in the conversation's language"},
            "buttons": {"type": "array", "description": "quick replies", "items": {"type": "object", "properties": {
                "title": {"type": "string", "description": "shown"},
                "payload": {"type": "string", "description": "sent back as `payload` when pressed"}}}},
            "sender": {"type": "string", "enum": ["bot", "system"], "description": "who wrote it"},
            "kind": {"type": "string", "enum": ["text", "event"], "description": "a message or a system event"},
            "event": {"type": "string", "nullable": True,
                      "description": "system events: agent_joined, resolved, csat_thanks, ..."},
        },
    },
    "ChatResult": {
        "type": "object",
        "properties": {
            "conversation_id": {"type": "integer", "nullable": True, "description": "the conversation"},
            "status": {"type": "string", "enum": ["bot", "pending", "open", "resolved"],
                       "description": "the conversation's status after this message"},
            "direction": {"type": "string", "nullable": True, "description": "the service direction, once known"},
            "handoff": {"type": "boolean", "description": "the conversation is with the agents (pending or open)"},
            "urgent": {"type": "boolean", "description": "flagged urgent (supervisors are alerted)"},
            "language": {"type": "string", "enum": ["az", "ru"],
                         "description": "the conversation's language: the replies are in it"},
            "replies": {"type": "array", "items": _ref("ChatReply"), "description": "the bot's answers, in order"},
            "message_id": {"type": "integer", "nullable": True, "description": "the stored citizen message"},
            "duplicate": {"type": "boolean", "description": "this client_message_id was already stored: nothing happened"},
        },
    },
    "ChatMessage": {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "description": "message id (pass the last as `after`)"},
            "conversation_id": {"type": "integer", "description": "its conversation"},
            "sender": {"type": "string", "enum": ["citizen", "bot", "agent", "system"], "description": "who wrote it"},
            "kind": {"type": "string", "enum": ["text", "attachment", "event"], "description": "what it is"},
            "text": {"type": "string", "description": "the text"},
            "buttons": {"type": "array", "items": {"type": "object"}, "description": "quick replies"},
            "event": {"type": "string", "nullable": True, "description": "system events: agent_joined, resolved, ..."},
            "at": {"type": "string", "format": "date-time", "description": "when it was stored"},
        },
    },
}

_VISITOR = {"type": "string", "minLength": 8, "maxLength": 128, "pattern": "^[A-Za-z0-9_.:-]+$",
            "description": "the browser's random visitor id (kept in the widget)"}

PATHS: Spec = {
    "/api/v1/callbacks": {
        "post": {
            "operationId": "api_callbacks_create",
            "summary": "A citizen asks to be called back (web form, chatbot); one open request per number",
            "requestBody": {"required": True, "content": {_JSON: {"schema": _ref("CallbackRequest")}}},
            "responses": {
                "201": _json({"type": "object", "properties": {
                    "id": {"type": "integer", "description": "the callback request"},
                    "due_at": {"type": "string", "format": "date-time", "description": "counted in working hours"}}},
                             "queued"),
                "200": _json({"type": "object", "properties": {
                    "id": {"type": "integer", "description": "the open request it joined"},
                    "due_at": {"type": "string", "format": "date-time", "description": "its due time"},
                    "existing": {"type": "boolean", "enum": [True], "description": "always true here"}}},
                             "the number already had an open request; this one added what it knows to it"),
                **error_responses(400, 422), **_RATE_LIMITED,
            },
        }
    },
    "/api/v1/chat/messages": {
        "post": {
            "operationId": "chat_messages",
            "summary": "A web chat visitor's message; answers with the bot's replies",
            "requestBody": {"required": True, "content": {_JSON: {"schema": {
                "type": "object", "required": ["visitor_id", "text"], "properties": {
                    "visitor_id": _VISITOR,
                    "text": {"type": "string", "maxLength": 2000, "description": "what the citizen wrote"},
                    "payload": {"type": "string", "maxLength": 200, "description": "a pressed button's payload"},
                    "client_message_id": {"type": "string", "maxLength": 100,
                                          "description": "makes a retried post idempotent"},
                    "language": {"type": "string", "enum": ["az", "ru"],
                                 "description": "the citizen's choice (the widget's AZ | RU switch): "
                                                "it wins over the language the bot reads from the text"}}}}}},
            "responses": {"200": _json(_ref("ChatResult"), "stored, with the replies"),
                          **error_responses(400, 422), **_RATE_LIMITED},
        }
    },
    "/api/v1/reference/districts": {
        "get": {
            "operationId": "api_reference_districts",
            "summary": "The districts a callback may name (active ones, as admins edit them); "
                       "the bot's callback form matches against this list",
            "responses": {"200": _json({"type": "object", "properties": {
                "districts": {"type": "array", "description": "Baku first, then the regions", "items": {
                    "type": "object", "properties": {
                        "code": {"type": "string", "description": "the district code"},
                        "label": {"type": "string", "description": "the official name (Azerbaijani)"},
                        "short_name": {"type": "string", "description": "the name as people say it"},
                        "kind": {"type": "string", "description": "baku_district, city or rayon"},
                        "area": {"type": "string", "description": "baku or region"}}}}}}, "the list")},
        }
    },
    "/api/v1/chat/history": {
        "get": {
            "operationId": "chat_history",
            "summary": "The visitor's latest messages (up to 200, oldest first) and conversation state",
            "parameters": [
                {"name": "X-Visitor-Id", "in": "header", "schema": _VISITOR},
                {"name": "visitor_id", "in": "query", "schema": _VISITOR, "description": "when the header is not sent"},
                {"name": "after", "in": "query", "schema": {"type": "integer", "default": 0},
                 "description": "only messages with a larger id"},
            ],
            "responses": {
                "200": _json({"type": "object", "properties": {
                    "state": {"type": "object", "description": "the latest conversation", "properties": {
                        "conversation_id": {"type": "integer", "nullable": True, "description": "null: none yet"},
                        "status": {"type": "string", "nullable": True, "description": "bot, pending, open, resolved"},
                        "urgent": {"type": "boolean", "description": "flagged urgent"},
                        "agent_joined": {"type": "boolean", "description": "an agent is in the conversation"},
                        "csat_pending": {"type": "boolean", "description": "a 1-5 rating is awaited"},
                        "csat_score": {"type": "integer", "nullable": True, "description": "the rating given"},
                        "csat_window_hours": {"type": "integer", "description": "how long a rating is accepted"},
                        "language": {"type": "string", "nullable": True, "enum": ["az", "ru", None],
                                     "description": "the conversation's language"}}},
                    "messages": {"type": "array", "items": _ref("ChatMessage"), "description": "oldest first"}}},
                             "history"),
                "410": {"description": "the token was idle longer than CHAT_VISITOR_TTL_HOURS: it is forgotten; "
                                       "start with a new one", "content": {_JSON: {"schema": _ref("Error")}}},
                **error_responses(422), **_RATE_LIMITED,
            },
        }
    },
    "/api/v1/chat/forget": {
        "post": {
            "operationId": "chat_forget",
            "summary": "End the chat and forget this device: the server unlinks the visitor token from its "
                       "conversations (they stay for the agents and the statistics)",
            "requestBody": {"required": True, "content": {_JSON: {"schema": {
                "type": "object", "required": ["visitor_id"], "properties": {"visitor_id": _VISITOR}}}}},
            "responses": {"200": _json({"type": "object", "properties": {
                "forgotten": {"type": "boolean", "enum": [True]},
                "conversations": {"type": "integer", "description": "conversations unlinked"}}}, "forgotten"),
                **error_responses(400, 422), **_RATE_LIMITED},
        }
    },
    "/webhooks/meta": {
        "get": {
            "operationId": "meta_verify",
            "summary": "Meta's subscription check: echoes hub.challenge for the right META_VERIFY_TOKEN",
            "parameters": [{"name": n, "in": "query", "required": True, "schema": {"type": "string"}}
                           for n in ("hub.mode", "hub.verify_token", "hub.challenge")],
            "responses": {"200": {"description": "the challenge", "content": {"text/plain": {"schema": {"type": "string"}}}},
                          "403": {"description": "wrong mode or token"}, **error_responses(400)},
        },
        "post": {
            "operationId": "meta_events",
            "summary": "Messenger / Instagram webhook events, signed with X-Hub-Signature-256 (META_APP_SECRET); "
                       "stored durably and answered at once, idempotent by message id",
            "parameters": [{"name": "X-Hub-Signature-256", "in": "header", "required": True,
                            "schema": {"type": "string"}, "description": "sha256=<hex HMAC-SHA256 of the raw body>"}],
            "requestBody": {"required": True, "content": {_JSON: {"schema": {
                "type": "object", "description": "Meta's webhook payload (object: page | instagram, entry: [...])"}}}},
            "responses": {
                "200": _json({"type": "object", "properties": {
                    "accepted": {"type": "integer", "description": "new message items stored"},
                    "duplicates": {"type": "integer", "description": "items already stored"},
                    "ignored": {"type": "integer", "description": "items not handled (logged)"}}}, "stored"),
                **error_responses(400, 401),
            },
        },
    },
}
