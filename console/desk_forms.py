"""Forms of the desks' opening hours page (/console/desks/<id>/hours/): weekly periods and exceptions.

The forms read what was typed; the rules (closes after opens, no overlaps, no
past days) are desks.opening's, whose errors the view puts on these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from desks.models import DESK_LANGUAGES, ExceptionKind, Weekday
from desks.opening import REASON_MAX_CHARS, NewException, WeeklyPeriod

REASON_LABELS = {
    "fi": _("Reason shown to clients, in Finnish"),
    "sv": _("Reason shown to clients, in Swedish"),
    "en": _("Reason shown to clients, in English"),
}


def _time_field(label: Any, *, required: bool) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Give a time."), "invalid": _("Write the time as 14:30.")},
    )


class PeriodForm(forms.Form):
    """One weekly period; a row left empty is no period."""

    weekday = forms.TypedChoiceField(
        label=_("Day"), choices=[("", "—"), *Weekday.choices], coerce=int, required=False, empty_value=None
    )
    opens = _time_field(_("Opens"), required=False)
    closes = _time_field(_("Closes"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [data.get(name) is not None for name in ("weekday", "opens", "closes")]
        if any(given) and not all(given):
            for name, there in zip(("weekday", "opens", "closes"), given, strict=True):
                if not there:
                    self.add_error(name, _("Fill in the day and both times, or leave the row empty."))
        return data

    def period(self) -> WeeklyPeriod | None:
        data = self.cleaned_data
        if self.cleaned_data.get("DELETE") or data.get("weekday") is None:
            return None
        return WeeklyPeriod(data["weekday"], data["opens"], data["closes"])


PeriodFormSet = forms.formset_factory(PeriodForm, extra=2, can_delete=True, max_num=50, validate_max=True)


class ExceptionForm(forms.Form):
    """A closure (one day or a range) or a special opening, with its reason in every language."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=ExceptionKind.choices, initial=ExceptionKind.CLOSED, widget=forms.RadioSelect
    )
    starts_on = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the first day."), "invalid": _("Write the day as 2026-12-24.")},
    )
    ends_on = forms.DateField(
        label=_("Last day"),
        required=False,
        help_text=_("Leave empty for one day."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Write the day as 2026-12-24.")},
    )
    opens = _time_field(_("Opens"), required=False)
    closes = _time_field(_("Closes"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opens"].help_text = _("Only for a special opening.")
        for lang in DESK_LANGUAGES:
            self.fields[f"reason_{lang}"] = forms.CharField(
                label=REASON_LABELS[lang], max_length=REASON_MAX_CHARS, required=False
            )

    def new_exception(self) -> NewException:
        data = self.cleaned_data
        return NewException(
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data.get("ends_on") or data["starts_on"],
            opens=data.get("opens"),
            closes=data.get("closes"),
            reasons={lang: data.get(f"reason_{lang}", "") for lang in DESK_LANGUAGES},
        )

    @property
    def reason_fields(self) -> list[forms.BoundField]:
        return [self[f"reason_{lang}"] for lang in DESK_LANGUAGES]


class QueueLimitForm(forms.Form):
    """A desk's queue limit (desks.opening.check_queue_limit): empty for the service's own."""

    queue_limit = forms.IntegerField(
        label=_("At most this many clients in the queue"),
        required=False,
        min_value=1,
        help_text=_("Those after them are offered a message, another desk or the chatbot. Empty: the service's limit."),
    )


class CallsForm(forms.Form):
    """Whether the desk's calls go through the relay only (desks.opening.do_set_calls_relay_only, docs/calls.md)."""

    calls_relay_only = forms.BooleanField(
        label=_("Calls only through the relay server"),
        required=False,
        help_text=_(
            "Keeps the client's address hidden from the counsellor's browser. Turn off only at a desk "
            "whose callers are staff."
        ),
    )
