"""Contact records in the console: the form after a conversation, the incomplete ones, contacts outside
Kohtaamo, and the organisation's lists of topics and fields of interest.

Views only parse, authorise and delegate: who may fill which record, what a
record holds and the lists' rules are stats.records' and stats.categories'.
A record of another desk or organisation answers 404, like a missing one.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Staff
from console.records_forms import OutsideContactForm, RecordForm
from console.views import chat_staff
from conversations.models import HandoffReason, Outcome
from desks.actions import desks_for_staff
from stats.categories import (
    CategoryError,
    categories_of,
    do_add_category,
    do_move_category,
    do_rename_category,
    do_set_category_active,
    may_manage_categories,
)
from stats.models import CategoryKind, ContactRecord, Medium
from stats.records import (
    RecordError,
    check_record,
    desks_incomplete,
    do_complete_record,
    do_record_outside_contact,
    own_incomplete,
    record_of_conversation,
)


def minutes_text(seconds: int | None) -> str:
    """A time in whole minutes for the record's summary ("under a minute", "12 min")."""
    if seconds is None:
        return ""
    minutes = seconds // 60
    if minutes < 1:
        return _("under a minute")
    return _("%(minutes)s min") % {"minutes": minutes}


def outcome_text(record: ContactRecord) -> str:
    return str(Outcome(record.outcome).label) if record.outcome in Outcome.values else ""


def _record(staff: Staff, record_id: int) -> ContactRecord:
    try:
        return check_record(staff, record_id)
    except ContactRecord.DoesNotExist:
        raise Http404 from None


def _apply_errors(form: RecordForm, error: RecordError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_GET
@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    """The staff member's incomplete records (a supervisor's also their desks'), with links to the forms."""
    staff = chat_staff(request)
    own = list(own_incomplete(staff).select_related("desk"))
    others = list(desks_incomplete(staff).select_related("desk", "counsellor")) if staff.may_supervise else []
    return render(
        request,
        "console/record_list.html",
        {
            "staff": staff,
            "own": [(record, outcome_text(record)) for record in own],
            "others": [(record, outcome_text(record)) for record in others],
            "supervisor": staff.may_supervise,
        },
    )


@require_GET
@login_required
def record_for_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The form of a conversation's record: where the console's "Fill in the contact record" leads."""
    staff = chat_staff(request)
    try:
        record = record_of_conversation(staff, conversation_id)
    except ContactRecord.DoesNotExist:
        raise Http404 from None
    return redirect("console:record", record_id=record.pk)


@require_http_methods(["GET", "POST"])
@login_required
def record_form(request: HttpRequest, record_id: int) -> HttpResponse:
    """The counsellor's part of one record; saving completes it (and may correct it later)."""
    staff = chat_staff(request)
    record = _record(staff, record_id)
    form = RecordForm(request.POST or None, organisation_id=record.organisation_id, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            do_complete_record(staff, record.pk, form.answers())
        except RecordError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The contact record was saved."))
            return redirect("console:records")
    return render(
        request,
        "console/record_form.html",
        {
            "staff": staff,
            "form": form,
            "record": record,
            "outcome": outcome_text(record),
            "medium": Medium(record.medium).label if record.medium in Medium.values else record.medium,
            "handoff": HandoffReason(record.handoff_reason).label
            if record.handoff_reason in HandoffReason.values
            else "",
            "wait": minutes_text(record.wait_seconds),
            "duration": minutes_text(record.duration_seconds),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def record_new(request: HttpRequest) -> HttpResponse:
    """A contact outside Kohtaamo (a phone call, an e-mail, a pop-up ...), recorded whole at once."""
    staff = chat_staff(request)
    desks = list(desks_for_staff(staff))
    if staff.organisation_id is not None:
        # The form's lists are the staff member's organisation's, so only its desks.
        desks = [desk for desk in desks if desk.organisation_id == staff.organisation_id]
    organisation_id = staff.organisation_id or (desks[0].organisation_id if desks else None)
    form = OutsideContactForm(request.POST or None, desks=desks, organisation_id=organisation_id)
    if request.method == "POST" and form.is_valid():
        day: dt.date = form.cleaned_data["day"]
        try:
            do_record_outside_contact(
                staff,
                medium=form.cleaned_data["medium"],
                day=day,
                desk=form.chosen_desk(),
                people=form.cleaned_data["people"],
                answers=form.answers(),
            )
        except RecordError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The contact was recorded."))
            return redirect("console:records")
    return render(request, "console/record_form.html", {"staff": staff, "form": form, "record": None})


# --- The organisation's lists ------------------------------------------------------------


def _category_staff(request: HttpRequest) -> Staff:
    staff = chat_staff(request)
    if not may_manage_categories(staff):
        raise PermissionDenied
    return staff


KIND_SECTIONS = (
    (CategoryKind.TOPIC, "topics"),
    (CategoryKind.INTEREST, "interests"),
)


@require_http_methods(["GET", "POST"])
@login_required
def categories(request: HttpRequest) -> HttpResponse:
    """The organisation's topics and fields of interest; POST adds one at the end of its list."""
    staff = _category_staff(request)
    error_kind, error, typed = "", "", ""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        typed = request.POST.get("name", "")
        try:
            category = do_add_category(staff, kind, typed)
        except CategoryError as problem:
            error_kind, error = kind, problem.message
        else:
            messages.success(request, _("“%(name)s” was added.") % {"name": category.name})
            return redirect(reverse("console:categories") + f"#category-{category.pk}")
    rows = list(categories_of(staff))
    sections = []
    for kind, slug in KIND_SECTIONS:
        items = [c for c in rows if c.kind == kind]
        sections.append(
            {
                "kind": kind,
                "slug": slug,
                "label": CategoryKind(kind).label,
                "items": items,
                "error": error if error_kind == kind else "",
                "typed": typed if error_kind == kind else "",
            }
        )
    return render(request, "console/categories.html", {"staff": staff, "sections": sections})


@require_POST
@login_required
def category_change(request: HttpRequest, category_id: int) -> HttpResponse:
    """Rename, move up or down, retire or take back one category of the organisation's lists."""
    staff = _category_staff(request)
    category = categories_of(staff).filter(pk=category_id).first()
    if category is None:
        raise Http404
    action = request.POST.get("do", "")
    back = reverse("console:categories") + f"#category-{category.pk}"
    if action == "rename":
        try:
            do_rename_category(category, request.POST.get("name", ""))
        except CategoryError as problem:
            messages.error(
                request,
                _("Could not rename “%(name)s”: %(problem)s")
                % {
                    "name": category.name,
                    "problem": problem.message,
                },
            )
        else:
            messages.success(request, _("The name was saved."))
    elif action in ("up", "down"):
        do_move_category(category, -1 if action == "up" else 1)
        messages.success(request, _("“%(name)s” was moved.") % {"name": category.name})
    elif action in ("retire", "restore"):
        do_set_category_active(category, action == "restore")
        if action == "retire":
            messages.success(request, _("“%(name)s” is no longer offered in new records.") % {"name": category.name})
        else:
            messages.success(request, _("“%(name)s” is in use again.") % {"name": category.name})
    else:
        return HttpResponse(status=400)
    return redirect(back)
