"""The OpenAPI 3.1 description of the bot's JSON API (written by hand)."""

from __future__ import annotations

from typing import Any

from common.languages import language_codes

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {
            "type": "string",
            "description": "A machine-readable code.",
            "enum": [
                "invalid_json",
                "invalid_body",
                "missing_text",
                "invalid_text",
                "empty_text",
                "too_long",
                "invalid_lang",
                "rate_limited",
                "busy",
                "unsupported_media_type",
            ],
        },
        "message": {"type": "string", "description": "A readable explanation."},
    },
}

_TOPIC_REF = {
    "type": "object",
    "required": ["slug", "title"],
    "properties": {"slug": {"type": "string"}, "title": {"type": "string"}},
}

_REFERRAL = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "url": {
            "type": "string",
            "anyOf": [{"format": "uri"}, {"maxLength": 0}],
            "description": "The service's web address, or empty.",
        },
        "phone": {"type": "string"},
        "hours": {"type": "string"},
    },
}

# At least one character that is not whitespace as the API strips it (Python's str.isspace,
# spelled out: ECMA's \s, which schema validators use, differs), and no NUL anywhere.
_SPACE = "\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_NOT_BLANK = f"^[^\\u0000]*[^\\u0000{_SPACE}][^\\u0000]*$"

_ASK_REQUEST = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "text": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1000,
            "pattern": _NOT_BLANK,
            "description": "The client's message: at most 1000 characters, not only whitespace, no NUL.",
        },
        "lang": {
            "enum": [*language_codes(), None],
            "description": "The page's language, used when the message's own language is unclear (null: not given).",
        },
    },
}

_ASK_RESPONSE = {
    "type": "object",
    "required": [
        "topic",
        "confidence",
        "answer",
        "answer_markdown",
        "lang",
        "suggestions",
        "referrals",
        "crisis",
        "offer_human",
    ],
    "properties": {
        "topic": {
            "type": "string",
            "description": "The answering topic's slug, or `crisis`, `handoff` or `unknown`.",
        },
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "answer": {"type": "string", "description": "The answer as sanitised HTML."},
        "answer_markdown": {"type": "string", "description": "The answer as written by editors (Markdown)."},
        "lang": {"type": "string", "enum": list(language_codes())},
        "suggestions": {
            "type": "array",
            "items": _TOPIC_REF,
            "description": "Follow-up topics, or the best guesses when the topic is `unknown`.",
        },
        "referrals": {"type": "array", "items": _REFERRAL},
        "crisis": {"type": "boolean", "description": "True when the message showed signs of acute risk."},
        "offer_human": {"type": "boolean", "description": "True when the client should be offered a person."},
    },
}

_STATUS_RESPONSE = {
    "type": "object",
    "required": ["analyser", "topics", "languages", "questions"],
    "properties": {
        "analyser": {"type": "string", "enum": ["voikko", "snowball"]},
        "topics": {"type": "integer", "minimum": 0},
        "languages": {"type": "array", "items": {"type": "string", "enum": list(language_codes())}},
        "questions": {"type": "integer", "minimum": 0, "description": "Example questions in the brain."},
    },
}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _not_allowed(allowed: str) -> dict[str, Any]:
    return {
        "description": f"Only {allowed} is allowed (no body).",
        "headers": {"Allow": {"description": "The allowed method.", "schema": {"type": "string", "const": allowed}}},
    }


def schema() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kohtaamo bot API",
            "version": "1.0.0",
            "description": "Anonymous, rate-limited questions to the chatbot, whose answers professionals author.",
        },
        "paths": {
            "/api/bot/ask": {
                "post": {
                    "operationId": "askBot",
                    "summary": "Ask the bot a question",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AskRequest"}}},
                    },
                    "responses": {
                        "200": _json("#/components/schemas/AskResponse", "The bot's answer."),
                        "400": _json(
                            "#/components/schemas/Error",
                            "Invalid input: not JSON, not an object, a missing, empty or too long `text` "
                            "(also a body over 64 KiB), an unknown `lang`.",
                        ),
                        "405": _not_allowed("POST"),
                        "415": _json("#/components/schemas/Error", "The body is not sent as application/json."),
                        "429": {
                            **_json("#/components/schemas/Error", "Too many requests."),
                            "headers": {
                                "Retry-After": {
                                    "description": "Seconds to wait.",
                                    "schema": {"type": "integer"},
                                }
                            },
                        },
                        "503": {
                            **_json(
                                "#/components/schemas/Error",
                                "Busy: this server process is answering as many questions as it can (`busy`).",
                            ),
                            "headers": {
                                "Retry-After": {
                                    "description": "Seconds to wait.",
                                    "schema": {"type": "integer"},
                                }
                            },
                        },
                    },
                }
            },
            "/api/bot/status": {
                "get": {
                    "operationId": "botStatus",
                    "summary": "The analyser in use and the size of the brain",
                    "responses": {
                        "200": _json("#/components/schemas/Status", "The bot's status."),
                        "405": _not_allowed("GET"),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "AskRequest": _ASK_REQUEST,
                "AskResponse": _ASK_RESPONSE,
                "Status": _STATUS_RESPONSE,
                "Error": _ERROR,
                "TopicRef": _TOPIC_REF,
                "Referral": _REFERRAL,
            }
        },
    }
