"""Which conversations a party may see and write in, and the one way to lock a conversation."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from accounts.models import Staff
from common.events import conversation_staff_group, desk_group, send_event, staff_group
from conversations.errors import ChatError
from conversations.models import Client, Conversation, ConversationQuerySet, Guest, GuestState, Status
from desks.actions import desks_for_staff


def not_found() -> ChatError:
    # The same answer for "does not exist" and "not yours", so nobody can probe ids.
    return ChatError("not_found", _("No such conversation."))


def closed_error() -> ChatError:
    return ChatError("closed", _("The conversation has ended."))


def check_client_conversation(client: Client, conversation_id: int) -> Conversation:
    """The client's own conversation; not_found for any other."""
    if client.pk is None:
        raise not_found()
    conversation = (
        Conversation.objects.select_related("desk", "assigned_to").filter(pk=conversation_id, client=client).first()
    )
    if conversation is None:
        raise not_found()
    return conversation


def staff_may_see(staff: Staff, conversation: Conversation) -> bool:
    """At one of the staff member's desks (desks.actions.desks_for_staff), as they are now.

    Being assigned is not enough: a counsellor removed from the desk, or whose
    role no longer answers clients, loses the conversation with the desk (it goes
    back to the queue: assignment.do_requeue_unreachable).
    """
    return desks_for_staff(staff).filter(pk=conversation.desk_id).exists()


def visible_to(staff: Staff) -> ConversationQuerySet:
    """Every conversation `staff` may see now: the rule of `staff_may_see`, as a query."""
    return Conversation.objects.filter(desk__in=desks_for_staff(staff))


def hidden_from(staff: Staff, conversation_ids: Collection[int]) -> set[int]:
    """Which of `conversation_ids` `staff` may not see now (the rule of `staff_may_see`, for many)."""
    if not conversation_ids:
        return set()
    visible = visible_to(staff).filter(pk__in=conversation_ids)
    return set(conversation_ids) - set(visible.values_list("pk", flat=True))


def announce_access_change(
    *, staff_id: int | None = None, desk_id: int | None = None, conversation_id: int | None = None
) -> None:
    """Tell the open staff sockets concerned that access changed, after the commit.

    Not a protocol event: each socket that gets it reads its staff member afresh
    and leaves the streams (desks, conversations) they may no longer see, or
    closes (realtime.consumers.StaffConsumer.recheck_access). Sent to the staff
    member's own group, to everybody watching a desk, or to everybody in a
    conversation's staff stream (a transfer).
    """
    event = {"type": "access_changed"}
    if staff_id is not None:
        send_event(staff_group(staff_id), event)
    if desk_id is not None:
        send_event(desk_group(desk_id), event, audience="staff")
    if conversation_id is not None:
        send_event(conversation_staff_group(conversation_id), event, audience="staff")


def check_staff_conversation(staff: Staff, conversation_id: int) -> Conversation:
    """A conversation `staff` may see; not_found for any other."""
    conversation = Conversation.objects.select_related("desk", "assigned_to").filter(pk=conversation_id).first()
    if conversation is None or not staff_may_see(staff, conversation):
        raise not_found()
    return conversation


def check_staff_can_write(staff: Staff, conversation: Conversation) -> None:
    """Only the conversation's counsellor writes in it, and only while it is open."""
    if conversation.status == Status.CLOSED:
        raise ChatError("closed", _("The conversation is closed."))
    if not conversation.writable_by(staff.pk):
        raise ChatError("forbidden", _("Only the counsellor in this conversation can write in it."))


def lock_conversation(conversation_id: int) -> Conversation:
    """Re-read a conversation inside the current transaction, locked for update.

    Every change of a conversation's row or transcript takes this lock first, so
    changes to one conversation happen one after another (the message path takes
    the same lock in plain SQL: conversations.message_sql). `of=("self",)` locks
    only the conversation row: PostgreSQL refuses FOR UPDATE on the nullable side
    of the outer join that select_related("assigned_to") makes.
    """
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("desk", "assigned_to")
        .get(pk=conversation_id)
    )


# --- Guests: a conversation's third participant (conversations.actions.guests) ---------------------


class GuestGone(ChatError):
    """A guest whose part has ended (left, removed, the conversation closed): their socket closes (4403)."""


def guest_gone() -> GuestGone:
    """What a guest whose part has ended gets for everything (the same whatever the reason)."""
    return GuestGone("not_found", _("You are no longer in this conversation."))


def current_guest(guest_id: int | None) -> Guest:
    """The guest as they are now: in the conversation (joined) and the conversation open; else guest_gone.

    Read afresh for every frame and page, so that a removal, a leaving or the
    conversation's close ends everything at once, whatever socket or tab was open.
    """
    guest = (
        Guest.objects.select_related("conversation__desk", "conversation__assigned_to")
        .filter(pk=guest_id, state=GuestState.JOINED)
        .exclude(conversation__status=Status.CLOSED)
        .first()
        if guest_id is not None
        else None
    )
    if guest is None:
        raise guest_gone()
    return guest


def check_guest_conversation(guest_id: int | None, conversation_id: int) -> Guest:
    """The guest now (`current_guest`), in `conversation_id`: any other conversation is not_found to them."""
    guest = current_guest(guest_id)
    if guest.conversation_id != conversation_id:
        raise not_found()
    return guest


def peer_may_read(conversation: Conversation, peer: str, seq: int | None = None) -> bool:
    """Whether the peer (docs/protocol.md: "client", "staff:<id>", "guest:<id>") may read `conversation` now.

    For links to a conversation's files (attachments) and anything else handed
    to a named party, once the caller has checked that the one asking is that
    peer (conversations.actions.attachments.readable_attachment). Nothing of a
    purged or deleted conversation. "client": the conversation's own client,
    whose token (or link) the caller has checked; staff by their desks now
    (`staff_may_see`: a colleague removed from the desk loses it at once); a
    guest only while in the conversation, and only lines from their joining on
    (`seq`, the line that carries the thing, when known).
    """
    if conversation.purged_at is not None or conversation.deleted_by_client_at is not None:
        return False
    kind, _sep, ident = peer.partition(":")
    if kind == "client":
        return not ident and conversation.client_id is not None
    if not ident.isdigit():
        return False
    if kind == "staff":
        staff = Staff.objects.filter(pk=int(ident), is_active=True).first()
        return staff is not None and staff.may_answer and staff_may_see(staff, conversation)
    if kind == "guest":
        guest = (
            Guest.objects.filter(pk=int(ident), conversation=conversation, state=GuestState.JOINED)
            .exclude(conversation__status=Status.CLOSED)
            .first()
        )
        return guest is not None and (seq is None or seq >= guest.first_seq)
    return False
    return False
