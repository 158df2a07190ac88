"""Shifts in the console: one's own (sign up, leave) and a supervisor's week plan of a desk.

Views parse, authorise and delegate: the rules of a shift are duty.shifts, who
may plan where and the audit are conversations.actions.duty.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from console.shift_forms import PlanShiftForm, ShiftTimesForm, SignUpForm
from console.views import chat_staff
from conversations.actions.duty import (
    desk_members,
    do_add_shift,
    do_remove_shift,
    planning_desks,
    shift_desks,
)
from duty.models import Shift
from duty.shifts import ShiftError, coverage, week_start


def _add(request: HttpRequest, form: ShiftTimesForm, **kwargs: object) -> bool:
    """Store the form's shift; a refusal of the rules goes to its field. True when stored."""
    starts_at, ends_at = form.times()
    try:
        do_add_shift(chat_staff(request), starts_at=starts_at, ends_at=ends_at, **kwargs)  # type: ignore[arg-type]
    except ShiftError as error:
        form.add_error(error.field, error.message)
        return False
    return True


@require_http_methods(["GET", "POST"])
@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    """My coming shifts, and signing up for one at my desks."""
    staff = chat_staff(request)
    desks = shift_desks(staff)
    form = SignUpForm(request.POST or None, desks=desks)
    if request.method == "POST" and form.is_valid():
        if _add(request, form, desk=form.cleaned_data["desk"], staff=staff):
            messages.success(request, _("You signed up for the shift."))
            return redirect("console:shifts")
    shifts = Shift.objects.filter(staff=staff, ends_at__gt=timezone.now()).select_related("desk")
    return render(
        request,
        "console/shifts.html",
        {
            "staff": staff,
            "form": form,
            "shifts": shifts,
            "has_desks": desks.exists(),
            "plans": planning_desks(staff).exists(),
        },
    )


@require_POST
@login_required
def remove_shift(request: HttpRequest, shift_id: int) -> HttpResponse:
    """Leave one's own shift, or remove one from a desk one supervises; back to where the button was."""
    staff = chat_staff(request)
    try:
        do_remove_shift(staff, shift_id)
    except Shift.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("The shift was removed."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/console/shifts/") else reverse("console:shifts"))


def _week(request: HttpRequest) -> dt.date:
    chosen = parse_date(request.GET.get("week", "") or "") if len(request.GET.get("week", "")) <= 10 else None
    return week_start(chosen or timezone.localdate())


@require_http_methods(["GET", "POST"])
@login_required
def plan_shifts(request: HttpRequest) -> HttpResponse:
    """A supervisor's week of one desk: each hour's planned staff, the gaps in its hours, adding and removing."""
    staff = chat_staff(request)
    desks = list(planning_desks(staff).prefetch_related("opening_periods"))
    if not desks:
        raise PermissionDenied
    chosen = request.GET.get("desk", "")
    desk = next((d for d in desks if str(d.pk) == chosen), None) if chosen else desks[0]
    if desk is None:
        raise Http404
    monday = _week(request)
    here = reverse("console:plan_shifts") + "?" + urlencode({"desk": str(desk.pk), "week": monday.isoformat()})
    form = PlanShiftForm(request.POST or None, members=desk_members(desk))
    if request.method == "POST" and form.is_valid():
        if _add(request, form, desk=desk, staff=form.cleaned_data["staff"]):
            messages.success(request, _("The shift was added."))
            return redirect(here)
    week = coverage(desk, monday)
    return render(
        request,
        "console/plan_shifts.html",
        {
            "staff": staff,
            "desks": desks,
            "desk": desk,
            "week": week,
            "form": form,
            "here": here,
            "previous": (monday - dt.timedelta(days=7)).isoformat(),
            "next": (monday + dt.timedelta(days=7)).isoformat(),
            "sunday": monday + dt.timedelta(days=6),
        },
    )
