"""The audit log's filter form: its fields read a GET query into audit.actions.AuditFilters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Staff
from audit.actions import AuditFilters
from audit.models import Action
from console.history_forms import PeriodForm
from desks.models import Desk


class AuditFilterForm(PeriodForm):
    """Period, action, staff member and desk; every field optional. Only the reader's own staff and desks."""

    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any action")), *Action.choices])
    staff = forms.ChoiceField(label=_("Staff member"), required=False)
    desk = forms.ChoiceField(label=_("Desk"), required=False)

    def __init__(self, *args: Any, people: list[Staff], desks: list[Desk], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        self.desks = {str(desk.pk): desk for desk in desks}
        staff = self.fields["staff"]
        assert isinstance(staff, forms.ChoiceField)
        staff.choices = [("", _("Anybody")), *((key, staff_label(p)) for key, p in self.people.items())]
        desk = self.fields["desk"]
        assert isinstance(desk, forms.ChoiceField)
        desk.choices = [("", _("Any desk")), *((key, d.name) for key, d in self.desks.items())]

    def filters(self) -> AuditFilters:
        """The valid form's filters."""
        data = self.cleaned_data
        return AuditFilters(
            since=data.get("since"),
            until=data.get("until"),
            action=data.get("action") or "",
            staff=self.people.get(data.get("staff") or ""),
            desk=self.desks.get(data.get("desk") or ""),
        )


def staff_label(staff: Staff) -> str:
    """A staff member as the log names them: their user name, with their full name when they have one."""
    full = staff.get_full_name()
    return f"{staff.username} ({full})" if full else staff.username
