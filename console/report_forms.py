"""The report's filter form: a period, a desk and a contact method (and, for the regional view, an organisation).

The desks and organisations offered are the scope's (stats.reports.report_scope);
one outside it is never a choice, and the view answers 404 before the form sees it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.history_forms import PeriodForm
from stats.models import Medium
from stats.reports import ReportFilters, ReportScope

# The longest period one report adds up: ten years (a longer one is a mistyped year).
MAX_DAYS = 3660


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year so far: the first of January to today."""
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), today


class ReportForm(PeriodForm):
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    desk = forms.ChoiceField(label=_("Desk"), required=False)
    medium = forms.ChoiceField(
        label=_("Contact method"), required=False, choices=[("", _("All contact methods")), *Medium.choices]
    )

    def __init__(self, *args: Any, scope: ReportScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.desks = {str(desk.pk): desk for desk in scope.desks}
        self.organisations = {str(org.pk): org for org in scope.organisations}
        desk = self.fields["desk"]
        assert isinstance(desk, forms.ChoiceField)
        desk.choices = [
            ("", _("All desks")),
            *(
                (key, f"{d.name} ({d.organisation.name})" if scope.regional else str(d.name))
                for key, d in self.desks.items()
            ),
        ]
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ChoiceField)
        if scope.regional:
            organisation.choices = [("", _("All organisations")), *((k, o.name) for k, o in self.organisations.items())]
        else:
            del self.fields["organisation"]
        since, until = default_period()
        self.fields["since"].widget.attrs.update({"placeholder": since.strftime("%-d.%-m.%Y")})
        self.fields["until"].widget.attrs.update({"placeholder": until.strftime("%-d.%-m.%Y")})

    def outside_scope(self) -> bool:
        """Whether the query names a desk or an organisation the scope does not hold (the view answers 404)."""
        data = self.data
        desk = data.get("desk") or ""
        organisation = data.get("organisation") or ""
        return bool(desk and desk not in self.desks) or bool(
            organisation and (organisation not in self.organisations or not self.scope.regional)
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        default_since, default_until = default_period()
        since = cleaned.get("since") or default_since
        until = cleaned.get("until") or default_until
        if "since" not in self.errors and "until" not in self.errors:
            if since > until:
                self.add_error("until", _("The end date is before the start date."))
            elif (until - since).days > MAX_DAYS:
                self.add_error("until", _("A report covers at most ten years."))
        cleaned["since"], cleaned["until"] = since, until
        return cleaned

    def filters(self) -> ReportFilters:
        """The valid form's filters (an unbound form: this year so far, everything in the scope)."""
        if not self.is_bound:
            since, until = default_period()
            return ReportFilters(since, until)
        data = self.cleaned_data
        return ReportFilters(
            since=data["since"],
            until=data["until"],
            desk=self.desks.get(data.get("desk") or ""),
            medium=data.get("medium") or "",
            organisation=self.organisations.get(data.get("organisation") or ""),
        )
