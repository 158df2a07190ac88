"""Who answers a conversation: taking from the queue, a supervisor stepping in, transfers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
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
from conversations.actions.duty import check_at_limit, check_may_be_offered, on_duty
from conversations.actions.notes import add_note, keep_notes_within
from conversations.actions.queue import publish_desk_later, publish_desks, publish_state
from conversations.actions.transcript import desk_args, system_message
from conversations.errors import ChatError
from conversations.models import Client, Conversation, Status, Transfer
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
    conversation.offered_until = None
    fields = ["status", "assigned_to", "offered_to", "offered_until"]
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
            if conversation.offer_holds() and conversation.offered_to_id != staff.pk:
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
                .exclude(pk__in=Conversation.objects.offered_elsewhere(staff.pk).values("pk"))
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


def earlier_counsellor(client: Client, desk_id: int, *, exclude: int = 0) -> Staff | None:
    """The counsellor of the client's latest earlier conversation at the desk that had one, or None.

    A client who came back with a code owns their earlier conversation
    (codes.do_resume_by_code), so it counts here as theirs. Conversations whose
    words are gone (purged, deleted by the client) are left out: the
    counsellor could not read them anyway.
    """
    if client.pk is None:
        return None
    earlier = (
        Conversation.objects.filter(
            client_id=client.pk,
            desk_id=desk_id,
            assigned_to__isnull=False,
            assigned_to__is_active=True,
            purged_at__isnull=True,
            deleted_by_client_at__isnull=True,
        )
        .exclude(pk=exclude)
        .select_related("assigned_to")
        .order_by("-created_at", "-pk")
        .first()
    )
    return earlier.assigned_to if earlier is not None else None


def offer_to_earlier_counsellor(conversation: Conversation) -> None:
    """Offer a just-queued conversation first to the client's earlier counsellor at its desk (issue 13, item 5).

    Called inside the transaction that queued it, when the client asked for the
    same counsellor. When that counsellor is on duty at the desk (duty.on_duty:
    console open, available or busy) the conversation waits for them alone for
    `SAME_COUNSELLOR_OFFER_SECONDS` (`Conversation.offered_until`); after that
    anyone of the desk may take it. When they are not, the client is told so in
    the chat (system line `same_not_on_duty`) and the conversation stays in the
    queue for anyone: nobody waits for a person who is not there.
    """
    if conversation.client is None:
        return
    staff = earlier_counsellor(conversation.client, conversation.desk_id, exclude=conversation.pk)
    if staff is None:
        return
    if staff.pk not in {person.staff_id for person in on_duty(conversation.desk)}:
        system_message(conversation, "same_not_on_duty", name=staff.public_name)
        return
    conversation.offered_to = staff
    conversation.offered_until = timezone.now() + dt.timedelta(seconds=settings.SAME_COUNSELLOR_OFFER_SECONDS)
    conversation.save(update_fields=["offered_to", "offered_until"])
    system_message(conversation, "same_offered", name=staff.public_name)
    send_event(staff_group(staff.pk), offered_event(conversation.pk, returning=True))
    # When the offer runs out the desk's staff see that anyone may take it (a second's margin past it).
    publish_desk_later(conversation.desk_id, settings.SAME_COUNSELLOR_OFFER_SECONDS + 1)


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
        conversation.offered_until = None  # a transfer to a person holds until someone takes it
        conversation.queued_at = conversation.queued_at if is_message else timezone.now()
        conversation.save(update_fields=["desk", "status", "assigned_to", "offered_to", "offered_until", "queued_at"])
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
            conversation.offered_until = None
            conversation.queued_at = timezone.now()
            conversation.save(update_fields=["status", "assigned_to", "offered_to", "offered_until", "queued_at"])
            system_message(conversation, "requeued")
            publish_state(conversation)
            publish_desks([conversation.desk_id])
        moved.append(conversation_id)
    return moved
