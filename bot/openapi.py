"""The OpenAPI 3.1 description of the bot's JSON API (written by hand)."""

from __future__ import annotations

from typing import Any

from bot.engine import LANGS

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
        "url": {"type": "string", "format": "uri"},
        "phone": {"type": "string"},
        "hours": {"type": "string"},
    },
}

_ASK_REQUEST = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "text": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1000,
            "description": "The client's message; 1 to 1000 characters after stripping whitespace.",
        },
        "lang": {
            "type": "string",
            "enum": list(LANGS),
            "description": "The page's language, used when the message's own language is unclear.",
        },
    },
}

_ASK_RESPONSE = {
    "type": "object",
    "required": ["topic", "confidence", "answer", "answer_markdown", "lang", "suggestions", "referrals", "crisis"],
    "properties": {
        "topic": {
            "type": "string",
            "description": "The answering topic's slug, or `crisis`, `handoff` or `unknown`.",
        },
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "answer": {"type": "string", "description": "The answer as sanitised HTML."},
        "answer_markdown": {"type": "string", "description": "The answer as written by editors (Markdown)."},
        "lang": {"type": "string", "enum": list(LANGS)},
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
        "languages": {"type": "array", "items": {"type": "string", "enum": list(LANGS)}},
        "questions": {"type": "integer", "minimum": 0, "description": "Example questions in the brain."},
    },
}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


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
                        "400": _json("#/components/schemas/Error", "Invalid input."),
                        "405": {"description": "Only POST is allowed."},
                        "429": {
                            **_json("#/components/schemas/Error", "Too many requests."),
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
                    "responses": {"200": _json("#/components/schemas/Status", "The bot's status.")},
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
