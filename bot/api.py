"""The bot's JSON API: ``POST /api/bot/ask`` and ``GET /api/bot/status``.

Anonymous and stateless. ``ask`` is exempt from CSRF protection because it
changes no state: it reads the brain, writes nothing to the database, sets no
cookie and acts on no session, so a forged cross-site request can gain nothing
that the attacker could not get by calling the API directly. (Anything that
records state, such as feedback or a hand-off into the queue, must not use
this exemption.) For the same reason a question it cannot answer is not
recorded for the editors: any web page could make its visitors' browsers send
words here that would then be kept; only a conversation's are
(conversations.actions.bot).

Rate limiting has no client identity to key on and must not store or log IP
addresses, so one token bucket with a generous burst bounds the total rate of
answers: in Redis, shared by every server process, when `REDIS_URL` is set
(common.ratelimit), else in the one process's memory.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bot.cache import get_bot
from bot.openapi import schema
from common.gates import GateFull, gate
from common.languages import is_supported, language_codes
from common.ratelimit import make_limiter

MAX_TEXT_LENGTH = 1000
# Bodies beyond this are refused before parsing (10 kB of text plus JSON overhead fits).
MAX_BODY_BYTES = 64 * 1024

RATE_KEY = "bot-ask"
BUSY_RETRY_AFTER = 2  # seconds: a bot answer takes tens of milliseconds, the line is short
limiter = make_limiter("bot-api", burst=300, per_second=30.0)


def error(code: str, message: str, status: int = 400, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def parse_ask(request: HttpRequest) -> tuple[str, str | None] | JsonResponse:
    """The validated (text, lang) of an ask request, or the 400 (415) response."""
    # An empty body (no content type at all) is simply not JSON: 400 below.
    if request.content_type != "application/json" and request.META.get("CONTENT_LENGTH") not in (None, "", "0"):
        return error("unsupported_media_type", _("The request body must be JSON (application/json)."), 415)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # Checked before reading: Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with an HTML page.
    if declared > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return error("too_long", _("The message is too long."))
    try:
        payload: Any = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return error("invalid_json", _("The request body must be JSON."))
    if not isinstance(payload, dict):
        return error("invalid_body", _("The request body must be a JSON object."))
    if "text" not in payload or payload["text"] is None:
        return error("missing_text", _("The field 'text' is required."))
    text = payload["text"]
    if not isinstance(text, str):
        return error("invalid_text", _("The field 'text' must be a string."))
    if "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text):
        # NUL cannot be stored in PostgreSQL, a lone surrogate (a JSON escape) not as UTF-8 at all,
        # and an unanswered question is stored for the editors.
        return error("invalid_text", _("The field 'text' contains characters that are not allowed."))
    # Counted before stripping, as the schema's maxLength counts.
    if len(text) > MAX_TEXT_LENGTH:
        return error("too_long", _("The message is longer than %(max)d characters.") % {"max": MAX_TEXT_LENGTH})
    text = text.strip()
    if not text:
        return error("empty_text", _("The message is empty."))
    lang = payload.get("lang")
    if lang is not None and not is_supported(lang):
        langs = ", ".join(language_codes())
        return error("invalid_lang", _("The field 'lang' must be one of: %(langs)s.") % {"langs": langs})
    return text, lang


@csrf_exempt
@require_POST
def ask(request: HttpRequest) -> JsonResponse:
    wait = limiter.hit(RATE_KEY)
    if wait > 0:
        return error(
            "rate_limited", _("Too many questions right now. Try again soon."), 429, Retry_After=str(math.ceil(wait))
        )
    parsed = parse_ask(request)
    if isinstance(parsed, JsonResponse):
        return parsed
    text, lang = parsed
    try:
        # CPU-bound Python in a request thread: bounded, or a flood takes the GIL from every chat (common.gates).
        with gate("bot-api", settings.BOT_API_CONCURRENT_ANSWERS, settings.BOT_API_QUEUE_MAX).slot():
            result = get_bot().answer(text, lang)
    except GateFull:
        busy = _("Many people are asking right now. Try again in a moment.")
        return error("busy", busy, 503, Retry_After=str(BUSY_RETRY_AFTER))
    return JsonResponse(
        {
            "topic": result.topic,
            "confidence": round(result.confidence, 4),
            "answer": result.answer_html,
            "answer_markdown": result.answer,
            "lang": result.lang,
            "suggestions": result.suggestions,
            "referrals": result.referrals,
            "crisis": result.crisis,
            "offer_human": result.offer_human,
        }
    )


# Exempt so that another method is answered 405 (as documented), not the CSRF failure page:
# GET changes nothing and every other method is refused.
@csrf_exempt
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    bot = get_bot()
    return JsonResponse(
        {
            "analyser": bot.analyser_name,
            "topics": len(bot.slugs),
            "languages": bot.languages,
            "questions": bot.question_count,
        }
    )


@csrf_exempt
@require_GET
def openapi_schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(schema())
