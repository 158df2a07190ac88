"""Which desks a staff member works at, and the rules around them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role, Staff
from desks.models import CannedReply, Desk


def desks_for_staff(staff: Staff) -> QuerySet[Desk]:
    """The desks whose queues and conversations `staff` may see.

    Members see their own desks; an organisation's admin sees every desk of the
    organisation; a superuser sees all. Editors answer no one.
    """
    if not staff.is_active:
        return Desk.objects.none()
    if staff.is_superuser:
        return Desk.objects.all()
    if not staff.can_chat:
        return Desk.objects.none()
    if staff.role == Role.ADMIN and staff.organisation_id is not None:
        return Desk.objects.filter(Q(organisation_id=staff.organisation_id) | Q(memberships__staff=staff)).distinct()
    return Desk.objects.filter(memberships__staff=staff).distinct()


def can_supervise(staff: Staff) -> bool:
    """Supervisors and admins watch live conversations and may step in."""
    return staff.is_superuser or staff.role in (Role.SUPERVISOR, Role.ADMIN)


def canned_replies_for(staff: Staff) -> QuerySet[CannedReply]:
    """Personal replies plus those shared at the staff member's desks."""
    return CannedReply.objects.filter(Q(owner=staff) | Q(desk__in=desks_for_staff(staff), owner__isnull=True)).order_by(
        "title"
    )
