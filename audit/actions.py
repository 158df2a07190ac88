"""Writing the audit log: the one way a row of `audit.models.AuditEvent` is made."""

from __future__ import annotations

from accounts.models import Staff
from audit.models import Action, AuditEvent, ObjectKind
from desks.models import Desk


def record(
    staff: Staff,
    action: Action,
    *,
    kind: ObjectKind | None = None,
    object_id: int | None = None,
    desk: Desk | None = None,
    detail: str = "",
) -> AuditEvent:
    """Record that `staff` did `action` (to the object `kind` `object_id`, at `desk`).

    Called before what is audited is shown, so that a failed write shows
    nothing rather than something unaudited. The organisation is read from the
    staff member now. An object needs both its kind and its id.
    """
    if (kind is None) != (object_id is None):
        raise ValueError("an audited object needs both its kind and its id")
    return AuditEvent.objects.create(
        staff=staff,
        organisation_id=staff.organisation_id,
        action=action,
        object_kind=kind or "",
        object_id=object_id,
        desk=desk,
        detail=detail[:300],
    )
