"""Who works at a desk, as its organisation's admin decides: own staff and partner staff.

A regional line is run by several municipalities, a partner's theme chat by
another organisation's staff: an organisation's admin adds staff of a partner
organisation to one of its desks without a superuser. A member from another
organisation ("partner staff") then sees that desk's queue and conversations
through the membership (desks.actions.desks_for_staff), nothing else of the
organisation: not its other desks, not its reports (stats.reports.report_scope
counts a supervisor's own organisation's desks only), not notes kept within it
(conversations.actions.notes.visible_notes).

Every change is audited by the model signals (conversations.access_changes ->
audit.changes.audit_membership_changed: DESK_MEMBERS in the desk's
organisation's log, naming the acting admin), and open sockets hear of it at
once, as for a change made in the Django admin.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import CHAT_ROLES, Role, Staff
from desks.models import Desk, DeskMembership

# A login name or an e-mail address at most this long (Django's user name and e-mail fields).
IDENTIFIER_MAX_CHARS = 254


class MemberError(Exception):
    """A member could not be added or removed; `message` says why, for the admin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def may_manage_members(staff: Staff, desk: Desk) -> bool:
    """The desk's organisation's admins and superusers choose its members; nobody else."""
    if not staff.is_active:
        return False
    if staff.is_superuser:
        return True
    own = staff.organisation_id is not None and staff.organisation_id == desk.organisation_id
    return staff.role == Role.ADMIN and own


def members_of(desk: Desk) -> QuerySet[Staff]:
    """The desk's members, own organisation's first, then by name."""
    return (
        Staff.objects.filter(desk_memberships__desk=desk)
        .select_related("organisation")
        .order_by("organisation__name", "username")
    )


def own_staff_to_add(desk: Desk) -> QuerySet[Staff]:
    """The desk's organisation's active staff who answer clients and are not members yet (the page's list)."""
    return (
        Staff.objects.filter(organisation_id=desk.organisation_id, is_active=True, role__in=CHAT_ROLES)
        .exclude(desk_memberships__desk=desk)
        .order_by("username")
    )


def find_staff(identifier: str) -> Staff:
    """The staff member whose login name is exactly `identifier`, else whose e-mail it is (case ignored).

    Exact matches only, never a search: an admin names a partner's staff member
    they were told of, and learns nothing else about the other organisation.
    """
    text = identifier.strip()
    if not text:
        raise MemberError(_("Write the staff member's login name or e-mail address."))
    if len(text) > IDENTIFIER_MAX_CHARS:
        raise MemberError(_("The login name or e-mail address is too long."))
    by_name = Staff.objects.filter(username=text).first()
    if by_name is not None:
        return by_name
    by_email = list(Staff.objects.filter(email__iexact=text)[:2]) if "@" in text else []
    if len(by_email) == 1:
        return by_email[0]
    if len(by_email) > 1:
        raise MemberError(_("More than one staff member has this e-mail address. Use the login name."))
    raise MemberError(_("No staff member has this login name or e-mail address."))


def check_new_member(desk: Desk, staff: Staff) -> None:
    """Whether `staff` may become a member of `desk`: active, in a role that answers clients, not one yet."""
    if not staff.is_active:
        raise MemberError(_("This staff member's account is not active."))
    if staff.role not in CHAT_ROLES:
        raise MemberError(_("Only staff who answer clients can work at a desk. Content editors cannot be added."))
    if staff.organisation_id is None:
        raise MemberError(_("This staff member belongs to no organisation."))
    if DeskMembership.objects.filter(desk=desk, staff=staff).exists():
        raise MemberError(_("%(name)s already works at this desk.") % {"name": staff.username})


def do_add_member(desk: Desk, staff: Staff) -> DeskMembership:
    """Make `staff` a member of `desk` (checked by `check_new_member` first; audited by the signals)."""
    check_new_member(desk, staff)
    try:
        with transaction.atomic():
            return DeskMembership.objects.create(desk=desk, staff=staff)
    except IntegrityError:  # added meanwhile by another admin's request
        raise MemberError(_("%(name)s already works at this desk.") % {"name": staff.username}) from None


def do_remove_member(desk: Desk, staff_id: int) -> Staff:
    """End a membership; the staff member's open sockets leave the desk at once (conversations.access_changes)."""
    membership = DeskMembership.objects.filter(desk=desk, staff_id=staff_id).select_related("staff").first()
    if membership is None:
        raise MemberError(_("This staff member does not work at this desk."))
    with transaction.atomic():
        membership.delete()
    return membership.staff
