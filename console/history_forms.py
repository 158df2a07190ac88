"""The history search form: its fields read a GET query into conversations.actions.history.HistoryFilters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.actions.history import SEARCH_MAX_CHARS, HistoryFilters
from conversations.models import Outcome
from desks.models import Desk

# day.month.year as Finns write it: 7.12.2026, 07.12.26, or 7.12. for this year.
FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")

CRISIS_CHOICES = [
    ("", _("Any")),
    ("yes", _("Flagged as a possible crisis")),
    ("no", _("Not flagged")),
]


class FinnishDateField(forms.Field):
    """A day written day.month.year (Finnish style); the year may be short or left out (this year)."""

    default_error_messages = {
        "invalid": _("Write the date as day.month.year, for example 24.12.2026."),
    }

    def to_python(self, value: Any) -> dt.date | None:
        text = str(value or "").strip()
        if not text:
            return None
        day = month = year = None
        if match := FINNISH_DATE.match(text):
            day, month = int(match[1]), int(match[2])
            year = int(match[3]) if match[3] else timezone.localdate().year
            if match[3] and len(match[3]) == 2:
                year += 2000
        elif match := ISO_DATE.match(text):  # what a browser's autofill or an old link may send
            year, month, day = int(match[1]), int(match[2]), int(match[3])
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class PeriodForm(forms.Form):
    """A period from one day to another, each written day.month.year and optional: the console's filters share it.

    The history, the audit log, the feedback page and the reports each filter
    by such a period; the fields, their keyboard hints and the one rule (the end
    is not before the start) live here.
    """

    since = FinnishDateField(label=_("From"), required=False, help_text=_("day.month.year"))
    until = FinnishDateField(label=_("To"), required=False, help_text=_("day.month.year"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("since", "until"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "size": 12})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned


class HistorySearchForm(PeriodForm):
    """Search closed conversations: words, desk, dates, outcome, crisis flag; every field optional."""

    field_order = ["q", "desk", "since", "until", "outcome", "crisis"]

    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=SEARCH_MAX_CHARS,
        help_text=_("Found in the messages, the private notes and the nickname."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    desk = forms.ChoiceField(label=_("Desk"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *Outcome.choices])
    crisis = forms.ChoiceField(label=_("Possible crisis"), required=False, choices=CRISIS_CHOICES)

    def __init__(self, *args: Any, desks: list[Desk], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.desks = {str(desk.pk): desk for desk in desks}
        desk = self.fields["desk"]
        assert isinstance(desk, forms.ChoiceField)
        desk.choices = [("", _("All my desks")), *((key, d.name) for key, d in self.desks.items())]

    def filters(self) -> HistoryFilters:
        """The valid form's filters."""
        data = self.cleaned_data
        crisis = {"yes": True, "no": False}.get(data.get("crisis") or "")
        return HistoryFilters(
            desk=self.desks.get(data.get("desk") or ""),
            since=data.get("since"),
            until=data.get("until"),
            outcome=data.get("outcome") or "",
            crisis=crisis,
            text=data.get("q") or "",
        )
