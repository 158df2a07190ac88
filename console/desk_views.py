"""The desks' opening hours in the console: the supervised desks' list and one desk's hours page.

Views parse, authorise and delegate: who may change which desk is
desks.actions.desks_supervised_by (asked again by every `do_*`), the rules of a
change are desks.opening, what the hours mean is desks.hours. Whoever
supervises no desk gets 403; a desk the person does not supervise looks
missing (404), as in the rest of the console.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Staff
from console.desk_forms import CallsForm, ExceptionForm, PeriodFormSet, QueueLimitForm
from desks.actions import desks_supervised_by, may_keep_hours
from desks.hours import describe_exception, desk_status, periods_of, upcoming_exceptions, with_hours
from desks.members import may_manage_members
from desks.models import Desk
from desks.opening import (
    do_add_exception,
    do_add_public_holidays,
    do_delete_exception,
    do_set_calls_relay_only,
    do_set_queue_limit,
    do_set_weekly_hours,
)


def hours_keeper(request: HttpRequest) -> Staff:
    """The logged-in staff member, if they keep some desk's hours (desks.actions.may_keep_hours); else 403.

    A supervisor at no desk is refused like a counsellor: there is nothing for them here.
    """
    staff = request.user
    if not isinstance(staff, Staff) or not may_keep_hours(staff):
        raise PermissionDenied
    return staff


@require_GET
@login_required
def desk_list(request: HttpRequest) -> HttpResponse:
    """The desks the person supervises, each with its state now, weekly hours and coming exceptions."""
    staff = hours_keeper(request)
    desks = with_hours(desks_supervised_by(staff).select_related("organisation"))
    # The members page is the desk's organisation's admin's (desks.members), the hours its supervisors' too.
    rows = [{"desk": desk, "state": desk_status(desk), "members": may_manage_members(staff, desk)} for desk in desks]
    return render(request, "console/desk_list.html", {"staff": staff, "rows": rows})


def _errors_into(form: Form, error: ValidationError) -> None:
    """desks.opening's errors on the form: by field where it names one, else above the form."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "POST"])
@login_required
def desk_hours(request: HttpRequest, desk_id: int) -> HttpResponse:
    """One desk's weekly hours and exceptions. Each form posts its `action`; success comes back here."""
    staff = hours_keeper(request)
    desk = desks_supervised_by(staff).select_related("organisation").filter(pk=desk_id).first()
    if desk is None:
        raise Http404
    here = reverse("console:desk_hours", args=[desk.pk])
    initial = [{"weekday": p.weekday, "opens": p.opens, "closes": p.closes} for p in periods_of(desk)]
    periods = PeriodFormSet(prefix="periods", initial=initial)
    exception = ExceptionForm(prefix="exception")
    queue = QueueLimitForm(prefix="queue", initial={"queue_limit": desk.queue_limit})
    calls = CallsForm(prefix="calls", initial={"calls_relay_only": desk.calls_relay_only})
    weekly_errors: list[str] = []
    weekly_invalid = False
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "weekly":
        periods = PeriodFormSet(request.POST, prefix="periods", initial=initial)
        weekly_invalid = not periods.is_valid()
        if not weekly_invalid:
            wanted = [p for p in (form.period() for form in periods.forms) if p is not None]
            try:
                do_set_weekly_hours(staff, desk, wanted)
            except ValidationError as error:
                weekly_errors, weekly_invalid = error.messages, True
            else:
                messages.success(request, _("The weekly hours were saved."))
                return redirect(here)
    elif action == "add":
        exception = ExceptionForm(request.POST, prefix="exception")
        if exception.is_valid():
            try:
                do_add_exception(staff, desk, exception.new_exception())
            except ValidationError as error:
                _errors_into(exception, error)
            else:
                messages.success(request, _("The exception was added."))
                return redirect(here + "#exceptions-heading")
    elif action == "queue":
        queue = QueueLimitForm(request.POST, prefix="queue")
        if queue.is_valid():
            try:
                do_set_queue_limit(staff, desk, queue.cleaned_data["queue_limit"])
            except ValidationError as error:
                _errors_into(queue, error)
            else:
                messages.success(request, _("The queue limit was saved."))
                return redirect(here + "#queue-heading")
    elif action == "calls":
        calls = CallsForm(request.POST, prefix="calls")
        if calls.is_valid():
            do_set_calls_relay_only(staff, desk, calls.cleaned_data["calls_relay_only"])
            messages.success(request, _("The call setting was saved."))
            return redirect(here + "#calls-heading")
    elif action == "delete":
        exception_id = request.POST.get("exception", "")
        if not exception_id.isdigit() or not do_delete_exception(staff, desk, int(exception_id)):
            raise Http404
        messages.success(request, _("The exception was removed."))
        return redirect(here + "#exceptions-heading")
    elif action == "holidays":
        year = request.POST.get("year", "")
        this_year = timezone.localdate().year
        if year not in (str(this_year), str(this_year + 1)):
            raise Http404
        added = do_add_public_holidays(staff, desk, int(year))
        messages.success(
            request,
            ngettext(
                "Closed on %(count)s public holiday of %(year)s.",
                "Closed on %(count)s public holidays of %(year)s.",
                added,
            )
            % {"count": added, "year": year}
            if added
            else _("The desk is already closed on every coming public holiday of %(year)s.") % {"year": year},
        )
        return redirect(here + "#exceptions-heading")
    elif request.method == "POST":
        raise Http404
    this_year = timezone.localdate().year
    fresh = with_hours(Desk.objects.filter(pk=desk.pk)).get()
    context = {
        "staff": staff,
        "desk": desk,
        "state": desk_status(fresh),
        "periods": periods,
        "weekly_errors": weekly_errors,
        "weekly_invalid": weekly_invalid,
        "exception": exception,
        "queue": queue,
        "calls": calls,
        # Every coming exception, also those past the client page's 60 days, each with its remove button.
        "upcoming": [(e.pk, describe_exception(e)) for e in upcoming_exceptions(fresh, days=None)],
        "years": [this_year, this_year + 1],
    }
    return render(request, "console/desk_hours.html", context)
