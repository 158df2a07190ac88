"""Clients' feedback in the console: per desk and period, never tied to a conversation.

The view parses and authorises; which desks a staff member reads and the
figures (with the small-cell rule) are stats.feedback's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from console.history_forms import PeriodForm
from console.views import chat_staff
from desks.models import Desk
from stats.feedback import feedback_desks, feedback_summary

# With no dates chosen, the page shows this many days back from today.
DEFAULT_DAYS = 30


class FeedbackFilterForm(PeriodForm):
    """Which desk (one of one's own, or all of them) and which days."""

    field_order = ["desk", "since", "until"]
    desk = forms.ChoiceField(label=_("Desk"), required=False)

    def __init__(self, *args: Any, desks: list[Desk], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.desks = {str(desk.pk): desk for desk in desks}
        desk = self.fields["desk"]
        assert isinstance(desk, forms.ChoiceField)
        desk.choices = [("", _("All my desks")), *((key, d.name) for key, d in self.desks.items())]


@require_GET
@login_required
def feedback_page(request: HttpRequest) -> HttpResponse:
    """The feedback of one's desks: count, average rating and share helped per desk, comments newest first."""
    staff = chat_staff(request)
    desks = feedback_desks(staff)
    form = FeedbackFilterForm(request.GET or None, desks=list(desks))
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=DEFAULT_DAYS - 1), today
    summary = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        start = data.get("since") or start
        end = data.get("until") or end
        chosen = form.desks.get(data.get("desk") or "") if form.is_bound else None
        summary = feedback_summary(desks.filter(pk=chosen.pk) if chosen else desks, start, end)
    return render(
        request,
        "console/feedback.html",
        {"staff": staff, "form": form, "summary": summary, "start": start, "end": end, "searched": form.is_bound},
    )
