"""Who answers a conversation: taking from the queue, a supervisor stepping in, transfers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from common.events import send_event, staff_group
from conversations.actions.access import (
    announce_access_change,
    check_staff_conversation,
    hidden_from,
    lock_conversation,
)
from conversations.actions.duty import check_at_limit, check_may_be_offered
from conversations.actions.notes import add_note, keep_notes_within
from conversations.actions.queue import publish_desks, publish_state
from conversations.actions.transcript import desk_args, system_message
from conversations.errors import ChatError
from conversations.models import Conversation, Status, Transfer
from conversations.outbound import TransferDesk, assigned_event, offered_event, transfer_desk
from desks.actions import desks_for_staff
from desks.hours import is_open, with_hours
from desks.models import Desk


def _assign(conversation: Conversation, staff: Staff) -> None:
    """Make `staff` the one who answers a locked conversation, and tell everybody.

    A message (status `message`) stays one: it is answered from the inbox and
    waits there again when the client writes back.
    """
    if conversation.status != Status.MESSAGE:
        conversation.status = Status.ACTIVE
    conversation.assigned_to = staff
    conversation.offered_to = None
    fields = ["status", "assigned_to", "offered_to"]
    if conversation.answered_at is None:
        # Only the first person: the wait a contact record reports ends here (stats.records).
        conversation.answered_at = timezone.now()
        fields.append("answered_at")
    conversation.save(update_fields=fields)
    system_message(conversation, "joined", name=staff.public_name)
    publish_state(conversation)
    publish_desks([conversation.desk_id])
    send_event(staff_group(staff.pk), assigned_event(conversation.pk))


def _taken() -> ChatError:
    return ChatError("taken", _("Someone else already took this conversation."))


def do_take(staff: Staff, *, conversation_id: int | None = None, desk_id: int | None = None) -> Conversation:
    """Assign a waiting conversation to `staff`: the chosen one, or the next one.

    "Next" is the first in the queue's order (conversations.models.QUEUE_ORDER)
    of the chosen desk, or of all the staff member's desks, that is not offered
    to a colleague. Refused with `at_limit` when the staff member already has
    as many conversations in progress as their limit (conversations.actions.duty).
    """
    if not staff.may_answer:
        raise ChatError("forbidden", _("Your role does not answer conversations."))
    with transaction.atomic():
        # The staff row locked: two takes at once by one person count one after the other.
        Staff.objects.select_for_update().filter(pk=staff.pk).values_list("pk", flat=True).get()
        check_at_limit(staff)
        if conversation_id is not None:
            conversation = check_staff_conversation(staff, conversation_id)
            conversation = lock_conversation(conversation.pk)
            if conversation.status == Status.MESSAGE:
                # A message is answered by whoever answers the inbox now (its earlier
                # counsellor may be off): taking it makes this staff member its counsellor.
                if conversation.assigned_to_id != staff.pk:
                    _assign(conversation, staff)
                return conversation
            if conversation.status != Status.QUEUED:
                raise _taken()
            if conversation.offered_to_id not in (None, staff.pk):
                raise ChatError("taken", _("This conversation was passed to a colleague."))
        else:
            desks = desks_for_staff(staff)
            if desk_id is not None:
                if not desks.filter(pk=desk_id).exists():
                    raise ChatError("not_found", _("No such desk."))
                desks = desks.filter(pk=desk_id)
            first = (
                Conversation.objects.waiting()
                .filter(desk__in=desks)
                .exclude(offered_to__isnull=False, offered_to__in=Staff.objects.exclude(pk=staff.pk))
                .values_list("pk", flat=True)
                .first()
            )
            if first is None:
                raise ChatError("queue_empty", _("Nobody is waiting."))
            conversation = lock_conversation(first)
            if conversation.status != Status.QUEUED:
                raise _taken()
        _assign(conversation, staff)
    return conversation


def do_step_in(staff: Staff, conversation_id: int) -> Conversation:
    """A supervisor takes over a live conversation of their desks."""
    if not staff.may_supervise:
        raise ChatError("forbidden", _("Only supervisors can step in."))
    with transaction.atomic():
        conversation = check_staff_conversation(staff, conversation_id)
        conversation = lock_conversation(conversation.pk)
        if conversation.status == Status.CLOSED:
            raise ChatError("closed", _("The conversation is closed."))
        if conversation.assigned_to_id == staff.pk:
            return conversation
        _assign(conversation, staff)
    return conversation


def transfer_targets() -> list[TransferDesk]:
    """Every desk a conversation may be transferred to (any active desk of the region), open now or not.

    Three queries: the desks with their organisations, their weekly hours and their exceptions.
    """
    desks = with_hours(Desk.objects.filter(is_active=True).select_related("organisation"))
    return [transfer_desk(desk, open_now=is_open(desk)) for desk in desks]


def do_transfer(
    staff: Staff,
    conversation_id: int,
    *,
    to_desk_id: int,
    to_staff_id: int | None = None,
    note: str = "",
    share_notes: bool = False,
) -> Conversation:
    """Hand a conversation to another desk's queue (a message: its inbox, open or not), optionally to a colleague.

    The note goes to the private notes, so the next counsellor sees why. To
    another organisation's desk the private notes written so far go along only
    with `share_notes`; otherwise they stay readable only by the organisation of
    the desk the conversation leaves (notes.keep_notes_within). The transfer
    note itself is for the next counsellor and always goes.
    """
    note = note.strip()
    with transaction.atomic():
        conversation = check_staff_conversation(staff, conversation_id)
        conversation = lock_conversation(conversation.pk)
        if conversation.status == Status.CLOSED:
            raise ChatError("closed", _("The conversation is closed."))
        if conversation.assigned_to_id != staff.pk and not staff.may_supervise:
            raise ChatError("forbidden", _("Only the counsellor in this conversation can transfer it."))
        to_desk = Desk.objects.filter(pk=to_desk_id).first()
        if to_desk is None:
            raise ChatError("bad_message", _("No such desk."), field="desk")
        is_message = conversation.status == Status.MESSAGE
        if not is_message and not is_open(to_desk) and to_desk.pk != conversation.desk_id:
            # Nobody would answer there: the client would wait at a closed desk.
            raise ChatError("desk_closed", _("This desk is not taking new conversations right now."))
        to_staff: Staff | None = None
        if to_staff_id is not None:
            to_staff = Staff.objects.filter(pk=to_staff_id, is_active=True).first()
            if to_staff is None or not desks_for_staff(to_staff).filter(pk=to_desk.pk).exists():
                raise ChatError("bad_message", _("That colleague does not work at that desk."), field="staff")
            if to_staff.pk == staff.pk:
                raise ChatError("bad_message", _("You cannot transfer a conversation to yourself."), field="staff")
            check_may_be_offered(to_staff)
        from_desk_id = conversation.desk_id
        from_organisation_id = conversation.desk.organisation_id
        notes_along = share_notes or to_desk.organisation_id == from_organisation_id
        Transfer.objects.create(
            conversation=conversation,
            from_staff=staff,
            from_desk_id=from_desk_id,
            to_desk=to_desk,
            to_staff=to_staff,
            note=note,
            notes_along=notes_along,
        )
        if not notes_along:
            keep_notes_within(conversation, from_organisation_id)
        if note:
            add_note(conversation, staff, _("Transfer note: %(note)s") % {"note": note})
        conversation.desk = to_desk
        # A message goes to the other desk's inbox, waiting since the client's line as before.
        conversation.status = Status.MESSAGE if is_message else Status.QUEUED
        conversation.assigned_to = None
        conversation.offered_to = to_staff
        conversation.queued_at = conversation.queued_at if is_message else timezone.now()
        conversation.save(update_fields=["desk", "status", "assigned_to", "offered_to", "queued_at"])
        system_message(conversation, "transferred", **desk_args(conversation, to_desk))
        publish_state(conversation)
        publish_desks([from_desk_id, to_desk.pk])
        if to_staff is not None:
            send_event(staff_group(to_staff.pk), offered_event(conversation.pk))
        # Whoever followed it at the old desk and does not work at the new one stops now.
        announce_access_change(conversation_id=conversation.pk)
    return conversation


def do_requeue_unreachable(staff_id: int) -> list[int]:
    """Put the conversations their counsellor may no longer see back in their desks' queues.

    Called when a staff member's access changed (removed from a desk,
    deactivated, a role that answers no one: conversations.access_changes).
    They can no longer write in those conversations; without this the client
    would wait in a conversation nobody may answer. Returns the ids moved.
    """
    staff = Staff.objects.filter(pk=staff_id).first()
    assigned = list(
        Conversation.objects.filter(assigned_to_id=staff_id, status=Status.ACTIVE).values_list("pk", flat=True)
    )
    unreachable = set(assigned) if staff is None else hidden_from(staff, assigned)
    moved: list[int] = []
    for conversation_id in sorted(unreachable):
        with transaction.atomic():
            conversation = lock_conversation(conversation_id)
            if conversation.status != Status.ACTIVE or conversation.assigned_to_id != staff_id:
                continue  # answered by someone else meanwhile
            conversation.status = Status.QUEUED
            conversation.assigned_to = None
            conversation.offered_to = None
            conversation.queued_at = timezone.now()
            conversation.save(update_fields=["status", "assigned_to", "offered_to", "queued_at"])
            system_message(conversation, "requeued")
            publish_state(conversation)
            publish_desks([conversation.desk_id])
        moved.append(conversation_id)
    return moved
