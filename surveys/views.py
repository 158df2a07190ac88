"""The staff's survey pages under /surveys/: the list, the builder, a survey's page with its link, preview, results.

Views parse, authorise through surveys.actions and render. Another
organisation's survey, and a draft to a counsellor, answers 404 like a missing
one; what a role may see but not change answers 403.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Staff
from audit.actions import record
from audit.models import Action, ObjectKind
from common.languages import supported_language
from stats.suppression import figure
from surveys.actions import (
    SurveyDraft,
    SurveyForbidden,
    SurveyInvalid,
    SurveyNotFound,
    check_may_build,
    check_may_use_surveys,
    check_staff_survey,
    do_close_survey,
    do_duplicate_survey,
    do_open_survey,
    do_save_survey,
    draft_of,
    may_build_surveys,
    survey_questions,
    surveys_for,
)
from surveys.forms import apply_op, builder_context, draft_from_post
from surveys.models import Status, Survey
from surveys.public import question_items
from surveys.results import results_csv_rows, survey_results

View = Callable[..., HttpResponse]


def survey_staff(view: View) -> View:
    """Login required; SurveyNotFound answers 404 and SurveyForbidden 403, whatever the view was doing."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not isinstance(request.user, Staff):
            raise PermissionDenied
        try:
            return view(request, request.user, *args, **kwargs)
        except SurveyNotFound:
            raise Http404 from None
        except SurveyForbidden:
            raise PermissionDenied from None

    return wrapped


def public_link(request: HttpRequest, survey: Survey) -> str:
    return request.build_absolute_uri(reverse("survey_public:answer", args=[survey.slug]))


@require_GET
@survey_staff
def survey_list(request: HttpRequest, staff: Staff) -> HttpResponse:
    check_may_use_surveys(staff)
    surveys = list(surveys_for(staff).order_by("-created_at", "-pk"))
    counts = dict(
        Survey.objects.filter(pk__in=[s.pk for s in surveys]).annotate(n=Count("responses")).values_list("pk", "n")
    )
    rows = [{"survey": s, "responses": figure(counts.get(s.pk, 0)).value} for s in surveys]
    return render(
        request,
        "surveys/list.html",
        {"staff": staff, "rows": rows, "may_build": may_build_surveys(staff)},
    )


def _builder(
    request: HttpRequest,
    staff: Staff,
    survey: Survey | None,
    draft: SurveyDraft,
    errors: dict[str, list[str]],
    focus: str = "",
    said: str = "",
) -> HttpResponse:
    context = builder_context(draft, errors)
    context.update({"staff": staff, "survey": survey, "focus": focus, "said": said})
    return render(request, "surveys/builder.html", context)


def _build(request: HttpRequest, staff: Staff, survey: Survey | None) -> HttpResponse:
    if request.method == "GET":
        draft = draft_of(survey) if survey else SurveyDraft(language=supported_language(get_language()))
        return _builder(request, staff, survey, draft, {})
    draft, errors = draft_from_post(request.POST)
    op = request.POST.get("op", "save")
    if op != "save":
        change = apply_op(draft, op)
        return _builder(
            request, staff, survey, draft, {}, change.focus if change else "", change.said if change else ""
        )
    if not errors:
        try:
            saved = do_save_survey(staff, draft, survey)
        except SurveyInvalid as refusal:
            errors = refusal.errors
        else:
            messages.success(request, _("The survey was saved."))
            return redirect("surveys:detail", saved.pk)
    return _builder(request, staff, survey, draft, errors, focus="error-summary")


@require_http_methods(["GET", "POST"])
@survey_staff
def survey_create(request: HttpRequest, staff: Staff) -> HttpResponse:
    check_may_use_surveys(staff)
    check_may_build(staff)
    return _build(request, staff, None)


@require_http_methods(["GET", "POST"])
@survey_staff
def survey_edit(request: HttpRequest, staff: Staff, survey_id: int) -> HttpResponse:
    survey = check_staff_survey(staff, survey_id, build=True)
    if survey.status != Status.DRAFT:
        messages.info(request, _("Only a draft can be changed. Make a copy to change it."))
        return redirect("surveys:detail", survey.pk)
    return _build(request, staff, survey)


@require_GET
@survey_staff
def survey_detail(request: HttpRequest, staff: Staff, survey_id: int) -> HttpResponse:
    """A survey's page: its status, its link to share with a copy button, and what may be done with it."""
    survey = check_staff_survey(staff, survey_id, build=True)
    return render(
        request,
        "surveys/detail.html",
        {
            "staff": staff,
            "survey": survey,
            "link": public_link(request, survey),
            "questions": survey_questions(survey),
            "responses": figure(survey.responses.count()).value,
            "accepts": survey.accepts_answers(),
        },
    )


@require_GET
@survey_staff
def survey_preview(request: HttpRequest, staff: Staff, survey_id: int) -> HttpResponse:
    """The survey as a client will see it, without a way to send it."""
    survey = check_staff_survey(staff, survey_id, build=True)
    return render(
        request,
        "surveys/preview.html",
        {"staff": staff, "survey": survey, "items": question_items(survey_questions(survey), {}, {})},
    )


def _status_change(
    request: HttpRequest, staff: Staff, survey_id: int, change: Callable[[Staff, Survey], Survey], said: str
) -> HttpResponse:
    survey = check_staff_survey(staff, survey_id, build=True)
    try:
        survey = change(staff, survey)
    except SurveyInvalid as refusal:
        for texts in refusal.errors.values():
            for text in texts:
                messages.error(request, text)
    else:
        messages.success(request, said)
    return redirect("surveys:detail", survey.pk)


@require_POST
@survey_staff
def survey_open(request: HttpRequest, staff: Staff, survey_id: int) -> HttpResponse:
    return _status_change(request, staff, survey_id, do_open_survey, _("The survey is open. Share its link."))


@require_POST
@survey_staff
def survey_close(request: HttpRequest, staff: Staff, survey_id: int) -> HttpResponse:
    return _status_change(request, staff, survey_id, do_close_survey, _("The survey is closed. The results stay."))


@require_POST
@survey_staff
def survey_duplicate(request: HttpRequest, staff: Staff, survey_id: int) -> HttpResponse:
    survey = check_staff_survey(staff, survey_id, build=True)
    copy = do_duplicate_survey(staff, survey)
    messages.success(request, _("A copy was made as a draft. It has a link of its own."))
    return redirect("surveys:edit", copy.pk)


@require_GET
@survey_staff
def survey_results_page(request: HttpRequest, staff: Staff, survey_id: int) -> HttpResponse:
    survey = check_staff_survey(staff, survey_id)
    return render(
        request,
        "surveys/results.html",
        {"staff": staff, "survey": survey, "results": survey_results(survey), "may_build": may_build_surveys(staff)},
    )


@require_GET
@survey_staff
def survey_results_csv(request: HttpRequest, staff: Staff, survey_id: int) -> HttpResponse:
    """The results as CSV, hidden cells as "<5"; audited before anything is written."""
    survey = check_staff_survey(staff, survey_id)
    record(staff, Action.SURVEY_EXPORT, kind=ObjectKind.SURVEY, object_id=survey.pk)
    rows = results_csv_rows(survey_results(survey))
    name = f"survey-{slugify(survey.title)[:40] or survey.pk}-{timezone.localdate().isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # a byte order mark, so that a spreadsheet reads the file as UTF-8
    csv.writer(response).writerows(rows)
    return response
