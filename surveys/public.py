"""The public answering page `/s/<slug>/` and its thank-you page: anonymous, no tracking.

The page stores nothing about the person: no IP address, no user agent, no
time of day. One cookie, `kohtaamo_survey`, holds a random token so that the
same browser is told it has answered already; only an HMAC of it per survey is
stored (surveys.actions.browser_mark). It is a courtesy, not proof: another
browser or a cleared cookie can answer again. The language is switched with
plain `?lang=` links, as on the client page (widget.views), and remembered in
Django's language cookie.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language_info
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from common.languages import is_supported, language_codes
from common.ratelimit import make_limiter
from surveys.actions import (
    AlreadyAnswered,
    SurveyClosed,
    SurveyInvalid,
    SurveyNotFound,
    do_submit_response,
    has_answered,
    new_browser_token,
    public_survey,
    survey_questions,
)
from surveys.models import SCALE_MAX, SCALE_MIN, Question, Survey

COOKIE = "kohtaamo_survey"
COOKIE_AGE = 365 * 24 * 3600
# A token the server made is 43 characters of base64url; anything else in the cookie is replaced.
# Responses a survey takes at once, then per second (per survey, shared by every process with Redis): a
# youth panel answering together after an event passes, a script posting thousands does not.
RESPONSE_LIMITER = make_limiter("survey-responses", burst=200, per_second=2.0)
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def own_name(code: str) -> str:
    """A language named in itself ("Suomi", "Svenska"), as on the client page."""
    name = str(get_language_info(code)["name_local"])
    return name[:1].upper() + name[1:]


def browser_token(request: HttpRequest) -> str | None:
    token = request.COOKIES.get(COOKIE, "")
    return token if 32 <= len(token) <= 64 and set(token) <= TOKEN_CHARS else None


def _language(request: HttpRequest) -> str | None:
    """Switch to the language of `?lang=`, if Kohtaamo speaks it; returns the code chosen now."""
    chosen = request.GET.get("lang", "")
    if is_supported(chosen):
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
        return chosen
    return None


def _render(request: HttpRequest, template: str, context: dict[str, Any], *, token: str | None = None) -> HttpResponse:
    chosen = _language(request)
    context["languages"] = [
        {"code": code, "name": own_name(code), "current": code == translation.get_language()}
        for code in language_codes()
    ]
    response = render(request, template, context)
    if chosen:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    if token:
        set_token(request, response, token)
    return response


def set_token(request: HttpRequest, response: HttpResponse, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_AGE,
        path="/s/",
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def _survey(slug: str) -> Survey:
    try:
        return public_survey(slug)
    except SurveyNotFound:
        raise Http404 from None


def question_items(
    questions: list[Question], values: dict[int, list[str]], errors: dict[int, list[str]]
) -> list[dict[str, Any]]:
    """Each question with its number, what was answered (to show again after an error) and its errors."""
    return [
        {
            "question": q,
            "number": n,
            "values": values.get(q.pk, []),
            "errors": errors.get(q.pk, []),
            "scale": range(SCALE_MIN, SCALE_MAX + 1),
        }
        for n, q in enumerate(questions, start=1)
    ]


@require_http_methods(["GET", "POST"])
@never_cache  # a shared phone's back button must not bring back someone's answers from the cache
def answer(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the survey and take its answers; a survey not open shows a plain page that says so."""
    survey = _survey(slug)
    token = browser_token(request)
    if not survey.accepts_answers():
        return _render(request, "surveys/public/not_open.html", {"survey": survey})
    if has_answered(survey, token):
        return _render(request, "surveys/public/answered.html", {"survey": survey})
    questions = survey_questions(survey)
    if request.method == "GET":
        # The token is given with the page, so that a browser that answers already holds it.
        return _render(
            request,
            "surveys/public/answer.html",
            {"survey": survey, "items": question_items(questions, {}, {})},
            token=None if token else new_browser_token(),
        )
    raw = {q.pk: request.POST.getlist(f"q-{q.pk}") for q in questions}
    if RESPONSE_LIMITER.hit(f"survey-{survey.slug}") > 0:
        # The answers stay on the page; nothing was stored.
        response = _render(
            request,
            "surveys/public/answer.html",
            {"survey": survey, "items": question_items(questions, raw, {}), "busy": True},
        )
        response.status_code = 429
        return response
    fresh = token is None
    token = token or new_browser_token()
    try:
        do_submit_response(survey, raw, token)
    except SurveyClosed:
        return _render(request, "surveys/public/not_open.html", {"survey": survey})
    except AlreadyAnswered:
        return _render(request, "surveys/public/answered.html", {"survey": survey})
    except SurveyInvalid as refusal:
        errors = {int(key.removeprefix("q-")): texts for key, texts in refusal.errors.items()}
        summary = [
            {"target": f"q-{q.pk}", "number": n, "text": " ".join(errors[q.pk])}
            for n, q in enumerate(questions, start=1)
            if q.pk in errors
        ]
        # 200, as a form with errors is: a client's slip is not worth a warning in the server's log.
        return _render(
            request,
            "surveys/public/answer.html",
            {"survey": survey, "items": question_items(questions, raw, errors), "summary": summary},
            token=token if fresh else None,
        )
    response = redirect("survey_public:thanks", survey.slug)
    if fresh:
        set_token(request, response, token)
    return response


@require_GET
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    return _render(request, "surveys/public/thanks.html", {"survey": survey})
