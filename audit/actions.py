"""Writing the audit log: the one way a row of `audit.models.AuditEvent` is made.

Also who may read it and which rows they see (`may_read_audit_log`,
`audit_events_for`): the rule lives here once, for the console's log page
(console/audit_views.py) and anything that reads the log later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Staff
from audit.models import Action, AuditEvent, ObjectKind
from desks.models import Desk

# The organisation a row belongs to when the caller gives none: the staff member's own.
STAFFS_ORGANISATION = -1


def record(
    staff: Staff,
    action: Action,
    *,
    kind: ObjectKind | None = None,
    object_id: int | None = None,
    desk: Desk | None = None,
    detail: str = "",
    organisation_id: int | None = STAFFS_ORGANISATION,
) -> AuditEvent:
    """Record that `staff` did `action` (to the object `kind` `object_id`, at `desk`).

    Called before what is audited is shown, so that a failed write shows
    nothing rather than something unaudited. The organisation is read from the
    staff member now, unless the caller names the organisation whose log the
    row belongs to (a change of a staff member or a desk belongs to theirs:
    audit.changes). An object needs both its kind and its id.
    """
    if (kind is None) != (object_id is None):
        raise ValueError("an audited object needs both its kind and its id")
    if organisation_id == STAFFS_ORGANISATION:
        organisation_id = staff.organisation_id
    return AuditEvent.objects.create(
        staff=staff,
        organisation_id=organisation_id,
        action=action,
        object_kind=kind or "",
        object_id=object_id,
        desk=desk,
        detail=detail[:300],
    )


# --- Reading the log -------------------------------------------------------------------------


def may_read_audit_log(staff: object) -> bool:
    """Supervisors and admins read their organisation's log, superusers all (Staff.may_read_audit_log)."""
    return isinstance(staff, Staff) and staff.may_read_audit_log


def check_may_read_audit_log(staff: object) -> Staff:
    """`staff` as a Staff member who may read the audit log; PermissionDenied otherwise."""
    if not may_read_audit_log(staff):
        raise PermissionDenied
    assert isinstance(staff, Staff)
    return staff


def audit_events_for(staff: Staff) -> QuerySet[AuditEvent]:
    """The rows `staff` may read: every row of their organisation's log (a superuser: every row).

    The rule, in one place: a row belongs to one organisation's log
    (AuditEvent.organisation: the acting staff member's organisation, or for a
    change of a staff member or a desk, that staff member's or desk's). A
    supervisor sees all of it, not only their own desks': who read which
    conversation and who changed whose rights are the organisation's business,
    and a supervisor's own desks would hide what is done to the others.
    Another organisation's rows are never shown.
    """
    if not may_read_audit_log(staff):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("staff", "desk", "organisation")
    if staff.is_superuser:
        return events
    return events.filter(organisation_id=staff.organisation_id or 0)


def audit_staff_choices(staff: Staff) -> QuerySet[Staff]:
    """The staff members the reader may filter by: their organisation's (a superuser: everybody)."""
    people = Staff.objects.order_by("username")
    return people if staff.is_superuser else people.filter(organisation_id=staff.organisation_id or 0)


def audit_desk_choices(staff: Staff) -> QuerySet[Desk]:
    """The desks the reader may filter by: their organisation's (a superuser: every desk)."""
    desks = Desk.objects.all()
    return desks if staff.is_superuser else desks.filter(organisation_id=staff.organisation_id or 0)


@dataclass(frozen=True)
class AuditFilters:
    """What the log page narrows the rows to; every part optional. Dates are local days, both included."""

    since: dt.date | None = None
    until: dt.date | None = None
    action: str = ""
    staff: Staff | None = None
    desk: Desk | None = None


def search_audit_log(reader: Staff, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The rows `reader` may read that match `filters`, newest first.

    The staff member and desk of the filters must be ones the reader may
    choose (the form offers only those); they narrow, never widen, the scope.
    """
    events = audit_events_for(reader)
    if filters.since:
        events = events.filter(at__gte=_start_of(filters.since))
    if filters.until:
        events = events.filter(at__lt=_start_of(filters.until + dt.timedelta(days=1)))
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.staff is not None:
        events = events.filter(staff=filters.staff)
    if filters.desk is not None:
        events = events.filter(desk=filters.desk)
    return events.order_by("-at", "-pk")


def _start_of(day: dt.date) -> dt.datetime:
    """The first moment of a local day (settings.TIME_ZONE)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def describe_filters(filters: AuditFilters) -> str:
    """The filters of a reading of the log, for its own AUDIT_VIEW row (no client's words can be in them)."""
    parts = []
    if filters.since:
        parts.append(f"since {filters.since:%d.%m.%Y}")
    if filters.until:
        parts.append(f"until {filters.until:%d.%m.%Y}")
    if filters.action:
        parts.append(f"action {filters.action}")
    if filters.staff is not None:
        parts.append(f"staff {filters.staff.username}")
    if filters.desk is not None:
        parts.append(f"desk {filters.desk.slug}")
    return ", ".join(parts)
