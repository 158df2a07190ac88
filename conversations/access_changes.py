"""Changes of a staff member's access reach their open sockets at once.

A deactivation, a new role or password (Django admin, the console's admin
pages, a management command), a desk membership added or removed, a desk moved
to another organisation or switched off: each is a change of a model row, so
each is caught here, after the commit, wherever it was made. The sockets
concerned read the staff member afresh and leave what they may no longer see,
or close (realtime.consumers.StaffConsumer.recheck_access); conversations the
staff member can no longer answer go back to their queue
(actions.assignment.do_requeue_unreachable). Transfers announce themselves in
actions.assignment.do_transfer.

The same signals write the audit log (audit.changes): one watcher of these
rows says both who must be told and what to record. Before a staff member's or
a desk's save, audit.changes.remember_before keeps the stored values, so that
the row says what changed ("role: counsellor → supervisor"). Opening hours and
their dated exceptions change no one's access: they are watched for the audit
log and for the clients' start pages, which are told that the desks' hours
changed (`desks_changed`), wherever the change was made (console or admin).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from accounts.models import Staff
from audit import changes as audit
from conversations.actions.access import announce_access_change
from conversations.actions.assignment import do_requeue_unreachable
from conversations.actions.desk_states import announce_desk_hours_changed
from conversations.actions.duty import publish_duty
from desks.models import Desk, DeskMembership, OpeningException, OpeningPeriod

# Saves that change no right: the login stamp (django.contrib.auth.update_last_login).
_HARMLESS_FIELDS = frozenset({"last_login"})


def staff_access_changed(staff_id: int) -> None:
    """After the commit: requeue what the staff member may no longer answer, then tell their sockets."""

    def run() -> None:
        do_requeue_unreachable(staff_id)
        announce_access_change(staff_id=staff_id)

    transaction.on_commit(run)


def desk_access_changed(desk_id: int) -> None:
    """After the commit: whoever watches the desk checks again; its counsellors' conversations too."""
    from conversations.models import Conversation, Status

    def run() -> None:
        assigned = (
            Conversation.objects.filter(desk_id=desk_id, status=Status.ACTIVE)
            .exclude(assigned_to=None)
            .values_list("assigned_to_id", flat=True)
            .distinct()
        )
        for staff_id in assigned:
            do_requeue_unreachable(staff_id)
        announce_access_change(desk_id=desk_id)

    transaction.on_commit(run)


def _before_save(sender: Any, instance: Staff | Desk, **kwargs: Any) -> None:
    audit.remember_before(instance, **kwargs)


def _on_staff_saved(sender: Any, instance: Staff, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        audit.audit_staff_saved(instance, created=bool(kwargs.get("created")))
    _on_staff_changed(sender, instance, **kwargs)


def _on_staff_changed(sender: Any, instance: Staff, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if kwargs.get("raw") or kwargs.get("created"):
        return  # loading fixtures, or a new account: no socket has it yet
    if update_fields is not None and set(update_fields) <= _HARMLESS_FIELDS:
        return
    staff_access_changed(instance.pk)


def _on_membership_saved(sender: Any, instance: DeskMembership, **kwargs: Any) -> None:
    audit.audit_membership_changed(instance, deleted=False, **kwargs)
    _on_membership_changed(sender, instance, **kwargs)


def _on_membership_deleted(sender: Any, instance: DeskMembership, **kwargs: Any) -> None:
    audit.audit_membership_changed(instance, deleted=True, **kwargs)
    _on_membership_changed(sender, instance, **kwargs)


def _on_membership_changed(sender: Any, instance: DeskMembership, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        staff_access_changed(instance.staff_id)
        # Who is on duty at the desk may have changed (conversations.actions.duty).
        publish_duty([instance.desk_id])


def _on_desk_saved(sender: Any, instance: Desk, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        audit.audit_desk_saved(instance, created=bool(kwargs.get("created")))
    _on_desk_changed(sender, instance, **kwargs)


def _on_desk_changed(sender: Any, instance: Desk, **kwargs: Any) -> None:
    if not kwargs.get("raw") and not kwargs.get("created"):
        desk_access_changed(instance.pk)
        announce_desk_hours_changed()  # switched off or on: open or closed to clients


def _on_opening_saved(sender: Any, instance: OpeningPeriod, **kwargs: Any) -> None:
    audit.audit_opening_changed(instance, deleted=False, **kwargs)
    announce_desk_hours_changed()
    if not kwargs.get("raw"):
        publish_duty([instance.desk_id])  # new hours may open or close the desk now: staff see it in `duty`


def _on_opening_deleted(sender: Any, instance: OpeningPeriod, **kwargs: Any) -> None:
    audit.audit_opening_changed(instance, deleted=True, **kwargs)
    announce_desk_hours_changed()
    publish_duty([instance.desk_id])  # the desk may open or close now: staff see it in `duty`


def _on_exception_saved(sender: Any, instance: OpeningException, **kwargs: Any) -> None:
    audit.audit_exception_changed(instance, deleted=False, **kwargs)
    announce_desk_hours_changed()
    publish_duty([instance.desk_id])  # the desk may open or close now: staff see it in `duty`


def _on_exception_deleted(sender: Any, instance: OpeningException, **kwargs: Any) -> None:
    audit.audit_exception_changed(instance, deleted=True, **kwargs)
    announce_desk_hours_changed()
    publish_duty([instance.desk_id])  # the desk may open or close now: staff see it in `duty`


def connect() -> None:
    """Connected once, in ConversationsConfig.ready()."""
    pre_save.connect(_before_save, sender=Staff, dispatch_uid="access_changes.staff_saving")
    post_save.connect(_on_staff_saved, sender=Staff, dispatch_uid="access_changes.staff_saved")
    post_delete.connect(_on_staff_changed, sender=Staff, dispatch_uid="access_changes.staff_deleted")
    post_save.connect(_on_membership_saved, sender=DeskMembership, dispatch_uid="access_changes.membership_saved")
    post_delete.connect(_on_membership_deleted, sender=DeskMembership, dispatch_uid="access_changes.membership_deleted")
    pre_save.connect(_before_save, sender=Desk, dispatch_uid="access_changes.desk_saving")
    post_save.connect(_on_desk_saved, sender=Desk, dispatch_uid="access_changes.desk_saved")
    post_delete.connect(_on_desk_changed, sender=Desk, dispatch_uid="access_changes.desk_deleted")
    post_save.connect(_on_opening_saved, sender=OpeningPeriod, dispatch_uid="access_changes.opening_saved")
    post_delete.connect(_on_opening_deleted, sender=OpeningPeriod, dispatch_uid="access_changes.opening_deleted")
    post_save.connect(_on_exception_saved, sender=OpeningException, dispatch_uid="access_changes.exception_saved")
    post_delete.connect(_on_exception_deleted, sender=OpeningException, dispatch_uid="access_changes.exception_deleted")
