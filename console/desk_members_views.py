"""A desk's members, chosen by its organisation's admin: own staff and partner staff.

`/console/desks/<id>/members/`: the admin of the desk's organisation (or a
superuser) adds and removes the desk's members. Own staff are picked from a
list; staff of a partner organisation are named by their exact login name or
e-mail address (desks.members.find_staff), so the page reveals nothing about
other organisations' staff. The rules are desks.members'; the audit rows are
written by the model signals (audit.changes), as for every membership change.
Others who reach the page: 403 for roles that never choose members, 404 for
another organisation's admin (their desk is none of theirs, as if missing).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import Role, Staff
from desks.members import (
    IDENTIFIER_MAX_CHARS,
    MemberError,
    do_add_member,
    do_remove_member,
    find_staff,
    may_manage_members,
    members_of,
    own_staff_to_add,
)
from desks.models import Desk


class StaffChoiceField(forms.ModelChoiceField[Staff]):
    """A staff member named by login name, public name and role, as the admin knows them."""

    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.username} ({obj.public_name}, {obj.get_role_display()})"


class OwnMemberForm(forms.Form):
    """One of the desk's organisation's staff who answer clients and are not members yet."""

    staff = StaffChoiceField(label=gettext_lazy("Staff member"), queryset=Staff.objects.none())

    def __init__(self, *args: Any, desk: Desk, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = own_staff_to_add(desk)


class PartnerMemberForm(forms.Form):
    """A partner organisation's staff member, by their exact login name or e-mail address."""

    identifier = forms.CharField(
        label=gettext_lazy("Login name or e-mail address"),
        max_length=IDENTIFIER_MAX_CHARS,
        help_text=gettext_lazy("Exactly as the partner organisation gave it to you."),
    )


def _managed_desk(request: HttpRequest, desk_id: int) -> Desk:
    """The desk whose members the request's staff member may choose; 403 or 404 for anyone else."""
    staff = request.user
    if not isinstance(staff, Staff) or not staff.is_active:
        raise PermissionDenied
    if not staff.is_superuser and staff.role != Role.ADMIN:
        raise PermissionDenied
    desk = Desk.objects.select_related("organisation").filter(pk=desk_id).first()
    if desk is None or not may_manage_members(staff, desk):
        raise Http404
    return desk


@require_http_methods(["GET", "POST"])
@login_required
def desk_members(request: HttpRequest, desk_id: int) -> HttpResponse:
    """The desk's members, and forms to add own or partner staff and to remove a member."""
    desk = _managed_desk(request, desk_id)
    own_form = OwnMemberForm(desk=desk, prefix="own")
    partner_form = PartnerMemberForm(prefix="partner")
    error = ""
    if request.method == "POST":
        action = request.POST.get("do", "")
        try:
            if action == "add_own":
                own_form = OwnMemberForm(request.POST, desk=desk, prefix="own")
                if own_form.is_valid():
                    added = do_add_member(desk, own_form.cleaned_data["staff"])
                    messages.success(request, _("%(name)s now works at this desk.") % {"name": added.staff.username})
                    return redirect(request.path)
            elif action == "add_partner":
                partner_form = PartnerMemberForm(request.POST, prefix="partner")
                if partner_form.is_valid():
                    added = do_add_member(desk, find_staff(partner_form.cleaned_data["identifier"]))
                    messages.success(request, _("%(name)s now works at this desk.") % {"name": added.staff.username})
                    return redirect(request.path)
            elif action == "remove":
                staff_id = request.POST.get("staff", "")
                if not staff_id.isdigit():
                    raise MemberError(_("This staff member does not work at this desk."))
                removed = do_remove_member(desk, int(staff_id))
                messages.success(request, _("%(name)s no longer works at this desk.") % {"name": removed.username})
                return redirect(request.path)
            else:
                error = _("Choose what to do.")
        except MemberError as problem:
            if action == "add_own":
                own_form.add_error("staff", problem.message)
            elif action == "add_partner":
                partner_form.add_error("identifier", problem.message)
            else:
                error = problem.message
    members = [
        {"staff": member, "partner": member.organisation_id != desk.organisation_id} for member in members_of(desk)
    ]
    return render(
        request,
        "console/desk_members.html",
        {
            "desk": desk,
            "members": members,
            "own_form": own_form,
            "partner_form": partner_form,
            "error": error,
            "page_url": reverse("console:desk_members", args=[desk.pk]),
        },
    )
