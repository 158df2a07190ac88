"""Which desks a staff member works at, and who works at a desk."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import CHAT_ROLES, Role, Staff
from desks.models import Desk


def desks_for_staff(staff: Staff) -> QuerySet[Desk]:
    """The desks whose queues and conversations `staff` may see.

    Members see their own desks; an organisation's admin sees every desk of the
    organisation; a superuser sees all. Editors answer no one.
    """
    if not staff.may_answer:
        return Desk.objects.none()
    if staff.is_superuser:
        return Desk.objects.all()
    if staff.role == Role.ADMIN and staff.organisation_id is not None:
        return Desk.objects.filter(Q(organisation_id=staff.organisation_id) | Q(memberships__staff=staff)).distinct()
    return Desk.objects.filter(memberships__staff=staff).distinct()


def staff_of_desk(desk: Desk) -> QuerySet[Staff]:
    """Everybody for whom `desk` is among `desks_for_staff`: its members, its organisation's admins, superusers.

    The same rule as `desks_for_staff`, read the other way round.
    """
    return (
        Staff.objects.filter(is_active=True)
        .filter(
            Q(desk_memberships__desk=desk, role__in=CHAT_ROLES)
            | Q(role=Role.ADMIN, organisation_id=desk.organisation_id)
            | Q(is_superuser=True)
        )
        .distinct()
    )


def desks_supervised_by(staff: Staff) -> QuerySet[Desk]:
    """The desks whose opening hours `staff` keeps: supervisors their own desks, admins their
    organisation's, superusers all.

    The same rule as `desks_for_staff`, for the roles that may supervise
    (Staff.may_supervise): a counsellor or a volunteer sees their desks' hours
    but does not change them.
    """
    if not staff.may_supervise:
        return Desk.objects.none()
    return desks_for_staff(staff)


def may_keep_hours(staff: Staff) -> bool:
    """Whether `staff` keeps any desk's opening hours: the console's desks pages and its header link."""
    return desks_supervised_by(staff).exists()
