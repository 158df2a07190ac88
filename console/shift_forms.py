"""The forms of the shift pages: a shift's desk or person and its times (local, to the minute)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Staff
from desks.models import Desk

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

# The browser's own date-and-time picker (keyboard-usable), read back in the same format.
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _when_field(label: str | _StrPromise) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[LOCAL_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
    )


class ShiftTimesForm(forms.Form):
    """Start and end; that the end comes after the start is checked with the other rules (duty.shifts)."""

    starts_at = _when_field(_("Starts"))
    ends_at = _when_field(_("Ends"))

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        return self.cleaned_data["starts_at"], self.cleaned_data["ends_at"]


class SignUpForm(ShiftTimesForm):
    """Sign up for a shift at one of one's desks."""

    field_order = ["desk", "starts_at", "ends_at"]
    desk = forms.ModelChoiceField(queryset=Desk.objects.none(), label=_("Desk"), empty_label=None)

    def __init__(self, *args: Any, desks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["desk"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = desks


def public_name(staff: Staff) -> str:
    """A member as the planner knows them: their public name, never their user name."""
    return staff.public_name


class PlanShiftForm(ShiftTimesForm):
    """Plan a shift for a member of the desk."""

    field_order = ["staff", "starts_at", "ends_at"]
    staff = forms.ModelChoiceField(queryset=Staff.objects.none(), label=_("Staff member"), empty_label=None)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = members
        field.label_from_instance = public_name  # type: ignore[assignment,method-assign]
