"""The rules of a conversation, from the queue to the closing.

Zulip style: `check_*` functions validate and authorise and raise ChatError;
`do_*` functions change state in one transaction and send events only after it
commits. Consumers, views, commands and tests all call these; nothing else
writes conversations or messages.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from common.events import (
    conversation_group,
    conversation_staff_group,
    deliver,
    desk_group,
    send_event,
    send_events_after_commit,
    staff_group,
)
from conversations import hotpath
from conversations.errors import ChatError
from conversations.models import Client, Conversation, Message, Note, Outcome, SenderKind, Status, Transfer
from conversations.serialize import conversation_state, desk_ref, message_event, note_event
from desks.actions import can_supervise, desks_for_staff
from desks.hours import is_open
from desks.models import Desk

OPEN_STATUSES = (Status.BOT, Status.QUEUED, Status.ACTIVE)


# --- Clients -------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_or_create_client(token: str | None) -> tuple[Client, str]:
    """Find the client of `token`, or make a new anonymous client and token.

    An unknown or malformed token is not an error: the client's data may have
    been purged, and the page then simply starts afresh with a new token.
    A new client is not saved here but by its first conversation
    (`do_start_conversation`): a visitor who only looks at the page leaves no
    row behind, and opening sockets cannot fill the table.
    """
    if token and 20 <= len(token) <= 128:
        client = Client.objects.filter(token_hash=hash_token(token)).first()
        if client is not None:
            return client, token
    new_token = secrets.token_urlsafe(32)
    return Client(token_hash=hash_token(new_token)), new_token


def open_conversations_of(client: Client) -> QuerySet[Conversation]:
    if client.pk is None:
        return Conversation.objects.none()
    return client.conversations.filter(status__in=OPEN_STATUSES).select_related("desk").order_by("created_at")


# --- Access ----------------------------------------------------------------------


def not_found() -> ChatError:
    # The same answer for "does not exist" and "not yours", so nobody can probe ids.
    return ChatError("not_found", _("No such conversation."))


def check_client_conversation(client: Client, conversation_id: int) -> Conversation:
    if client.pk is None:
        raise not_found()
    conversation = (
        Conversation.objects.select_related("desk", "assigned_to").filter(pk=conversation_id, client=client).first()
    )
    if conversation is None:
        raise not_found()
    return conversation


def check_staff_conversation(staff: Staff, conversation_id: int) -> Conversation:
    """A conversation `staff` may see: at one of their desks, or assigned to them."""
    conversation = Conversation.objects.select_related("desk", "assigned_to").filter(pk=conversation_id).first()
    if conversation is None:
        raise not_found()
    if conversation.assigned_to_id == staff.pk:
        return conversation
    if not desks_for_staff(staff).filter(pk=conversation.desk_id).exists():
        raise not_found()
    return conversation


def check_staff_can_write(staff: Staff, conversation: Conversation) -> None:
    if conversation.status == Status.CLOSED:
        raise ChatError("closed", _("The conversation is closed."))
    if conversation.assigned_to_id != staff.pk:
        raise ChatError("forbidden", _("Only the counsellor in this conversation can write in it."))


def lock_conversation(conversation_id: int) -> Conversation:
    """Re-read a conversation inside the current transaction, locked for update.

    `of=("self",)` locks only the conversation row: PostgreSQL refuses FOR UPDATE
    on the nullable side of the outer join that select_related("assigned_to") makes.
    """
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("desk", "assigned_to")
        .get(pk=conversation_id)
    )


# --- Messages --------------------------------------------------------------------


def append_message(
    conversation: Conversation,
    *,
    sender_kind: str,
    body: str = "",
    staff: Staff | None = None,
    client_msg_id: str | None = None,
    code: str = "",
    args: dict[str, Any] | None = None,
) -> Message:
    """Store the next message of a locked conversation and announce it after commit."""
    message = hotpath.insert_message(
        conversation,
        {
            "sender_kind": sender_kind,
            "sender_staff_id": staff.pk if staff else None,
            "sender_name": staff.public_name if staff else "",
            "client_msg_id": client_msg_id,
            "body": body,
            "code": code,
            "args": args or {},
        },
        timezone.now(),
    )
    send_event(conversation_group(conversation.pk), message_event(message))
    return message


def system_message(conversation: Conversation, code: str, **args: Any) -> Message:
    return append_message(conversation, sender_kind=SenderKind.SYSTEM, code=code, args=args)


def do_send_message(
    conversation_id: int,
    *,
    body: str,
    client_msg_id: str,
    client: Client | None = None,
    staff: Staff | None = None,
) -> tuple[Message, bool]:
    """Store a message from the client or the assigned staff member.

    Returns (message, created). Sending the same `client_msg_id` again returns
    the stored message with created=False, so a resend is never a duplicate.
    """
    message, created, _conversation = send_message(
        conversation_id, body=body, client_msg_id=client_msg_id, client=client, staff=staff
    )
    return message, created


def send_message(
    conversation_id: int,
    *,
    body: str,
    client_msg_id: str,
    client: Client | None = None,
    staff: Staff | None = None,
) -> tuple[Message, bool, Conversation]:
    """do_send_message, also returning the conversation as locked (hotpath.CONVERSATION_FIELDS loaded).

    The hot path of the service: four queries for a new message (the locked
    conversation, the duplicate check, the sequence number, the insert).
    """
    sender_kind = SenderKind.CLIENT if client is not None else SenderKind.STAFF
    body = body.strip()
    if not body:
        raise ChatError("bad_message", _("The message is empty."), field="body")
    if len(body) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ChatError("too_large", _("The message is too long."), field="body")
    try:
        with transaction.atomic():
            conversation = hotpath.lock_for_message(conversation_id)
            if conversation is None:
                raise not_found()
            # Authorise before anything else, even a duplicate: an id must not
            # reveal another's message.
            if client is not None:
                if client.pk is None or conversation.client_id != client.pk:
                    raise not_found()
            else:
                assert staff is not None
                if conversation.assigned_to_id != staff.pk:
                    check_staff_conversation(staff, conversation_id)  # not_found unless theirs to see
            existing = hotpath.find_duplicate(conversation_id, sender_kind, client_msg_id)
            if existing is not None:
                return existing, False, conversation
            if staff is not None:
                check_staff_can_write(staff, conversation)
            elif conversation.status == Status.CLOSED:
                raise ChatError("closed", _("The conversation has ended."))
            message = append_message(
                conversation, sender_kind=sender_kind, body=body, staff=staff, client_msg_id=client_msg_id
            )
            return message, True, conversation
    except IntegrityError:
        # Two sockets raced with the same id: the other one stored it.
        message = Message.objects.get(
            conversation_id=conversation_id, sender_kind=sender_kind, client_msg_id=client_msg_id
        )
        return message, False, lock_conversation(conversation_id)


def messages_after(conversation: Conversation, after: int) -> list[Message]:
    return list(conversation.messages.filter(seq__gt=after).order_by("seq"))


def do_mark_seen(
    conversation: Conversation, *, side: str, delivered: int | None, read: int | None
) -> dict[str, int] | None:
    """Move a side's delivered/read cursors forward (never back, never past the end)."""
    with transaction.atomic():
        locked = lock_conversation(conversation.pk)
        prefix = "client" if side == "client" else "staff"
        changed: list[str] = []
        current_read = getattr(locked, f"{prefix}_read_seq")
        current_delivered = getattr(locked, f"{prefix}_delivered_seq")
        if read is not None:
            read = min(read, locked.last_seq)
            if read > current_read:
                current_read = read
                changed.append(f"{prefix}_read_seq")
        delivered_value = max(delivered or 0, current_read)
        delivered_value = min(delivered_value, locked.last_seq)
        if delivered_value > current_delivered:
            current_delivered = delivered_value
            changed.append(f"{prefix}_delivered_seq")
        if not changed:
            return None
        Conversation.objects.filter(pk=locked.pk).update(
            **{f"{prefix}_read_seq": current_read, f"{prefix}_delivered_seq": current_delivered}
        )
        receipt = {"delivered": current_delivered, "read": current_read}
        send_event(
            conversation_group(locked.pk),
            {"type": "receipt", "conversation": locked.pk, "side": side, **receipt},
        )
        return receipt


# --- The queue ----------------------------------------------------------------------


def queue_of(desk_id: int) -> list[Conversation]:
    """Waiting conversations of a desk in the order they will be answered: urgent first."""
    return list(
        Conversation.objects.filter(desk_id=desk_id, status=Status.QUEUED)
        .select_related("offered_to")
        .order_by("-urgent", "queued_at", "pk")
    )


def desk_snapshot(desk: Desk) -> dict[str, Any]:
    """The `desk` event: who waits and who is being answered.

    Sent to the desk's staff after every change of its queue, so it is built
    with two queries whatever the queue's length (no query per conversation).
    """
    waiting = (
        Conversation.objects.filter(desk_id=desk.pk, status=Status.QUEUED)
        .annotate(was_transferred=Exists(Transfer.objects.filter(conversation=OuterRef("pk"))))
        .order_by("-urgent", "queued_at", "pk")
        .values(
            "pk",
            "nickname",
            "queued_at",
            "urgent",
            "crisis_at",
            "handoff_reason",
            "offered_to_id",
            "was_transferred",
            "language",
        )
    )
    active = (
        Conversation.objects.filter(desk_id=desk.pk, status=Status.ACTIVE)
        .select_related("assigned_to")
        .only("pk", "nickname", "urgent", "crisis_at", "last_seq", "created_at", *ASSIGNED_NAME_FIELDS)
        .order_by("created_at")
    )
    return {
        "type": "desk",
        "desk": desk_ref(desk),
        "waiting": [
            {
                "id": c["pk"],
                "nickname": c["nickname"],
                "queued_at": c["queued_at"].isoformat() if c["queued_at"] else None,
                "urgent": c["urgent"],
                "crisis": c["crisis_at"] is not None,
                "handoff_reason": c["handoff_reason"],
                "offered_to": c["offered_to_id"],
                "transferred": c["offered_to_id"] is not None or c["was_transferred"],
                "language": c["language"],
            }
            for c in waiting
        ],
        "active": [
            {
                "id": c.pk,
                "nickname": c.nickname,
                "assigned": {"id": c.assigned_to.pk, "name": c.assigned_to.public_name} if c.assigned_to else None,
                "urgent": c.urgent,
                "crisis": c.crisis_at is not None,
                "last_seq": c.last_seq,
            }
            for c in active
        ],
    }


# What Staff.public_name reads, for `only()` on the assigned counsellor.
ASSIGNED_NAME_FIELDS = ("assigned_to__id", "assigned_to__display_name", "assigned_to__first_name", "assigned_to__role")


def publish_desks(desk_ids: Iterable[int]) -> None:
    """After commit, tell staff the new queue and each waiting client its place."""
    ids = sorted(set(desk_ids))

    def publish() -> None:
        for desk in Desk.objects.filter(pk__in=ids):
            snapshot = desk_snapshot(desk)
            deliver(desk_group(desk.pk), snapshot)
            total = len(snapshot["waiting"])
            for position, item in enumerate(snapshot["waiting"], start=1):
                event = {"type": "queue", "conversation": item["id"], "position": position, "waiting": total}
                deliver(conversation_group(item["id"]), event)

    send_events_after_commit(publish)


def publish_state(conversation: Conversation) -> None:
    """Send the new `conversation` state to everybody in it (staff get their own view)."""
    conversation.refresh_from_db()
    send_event(
        conversation_group(conversation.pk),
        {"type": "conversation", "conversation": conversation_state(conversation), "audience": "client"},
    )
    send_event(
        conversation_staff_group(conversation.pk),
        {
            "type": "conversation",
            "conversation": conversation_state(conversation, staff_view=True),
            "audience": "staff",
        },
    )


# --- Starting, taking, transferring, closing ---------------------------------------------


def check_start(client: Client, desk_slug: str) -> Desk:
    desk = Desk.objects.filter(slug=desk_slug).first()
    if desk is None:
        raise ChatError("bad_message", _("No such desk."), field="desk")
    if not desk.is_active:
        raise ChatError("desk_closed", _("This desk is not taking new conversations right now."))
    if open_conversations_of(client).count() >= settings.CHAT_MAX_OPEN_CONVERSATIONS_PER_CLIENT:
        raise ChatError("too_many", _("You already have open conversations. Please end one first."))
    return desk


def do_start_conversation(
    client: Client, desk: Desk, *, nickname: str = "", language: str = "fi", status: str = Status.QUEUED
) -> Conversation:
    """Open a conversation in the desk's queue (or with the bot: conversations.bot_part)."""
    nickname = " ".join(nickname.split())[: settings.CHAT_MAX_NICKNAME_CHARS]
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with transaction.atomic():
        if client.pk is None:
            # The client's first conversation saves it (see get_or_create_client).
            client.pk = Client.objects.get_or_create(token_hash=client.token_hash)[0].pk
            client._state.adding = False
        conversation = Conversation.objects.create(
            desk=desk,
            client=client,
            nickname=nickname,
            language=language,
            status=status,
            queued_at=timezone.now() if status == Status.QUEUED else None,
        )
        conversation = lock_conversation(conversation.pk)
        system_message(conversation, "started", desk=desk.name)
        if status == Status.QUEUED:
            publish_desks([desk.pk])
    return conversation


def _assign(conversation: Conversation, staff: Staff) -> None:
    """Make `staff` the one who answers a locked conversation, and tell everybody."""
    conversation.status = Status.ACTIVE
    conversation.assigned_to = staff
    conversation.offered_to = None
    conversation.save(update_fields=["status", "assigned_to", "offered_to"])
    system_message(conversation, "joined", name=staff.public_name)
    publish_state(conversation)
    publish_desks([conversation.desk_id])
    send_event(staff_group(staff.pk), {"type": "assigned", "conversation": conversation.pk})


def do_take(staff: Staff, *, conversation_id: int | None = None, desk_id: int | None = None) -> Conversation:
    """Assign a waiting conversation to `staff`: the chosen one, or the next one.

    "Next" is the most urgent, then longest-waiting conversation of the chosen
    desk (or of all the staff member's desks) that is not offered to a colleague.
    """
    if not staff.can_chat and not staff.is_superuser:
        raise ChatError("forbidden", _("Your role does not answer conversations."))
    with transaction.atomic():
        desks = desks_for_staff(staff)
        if conversation_id is not None:
            conversation = check_staff_conversation(staff, conversation_id)
            conversation = lock_conversation(conversation.pk)
            if conversation.status != Status.QUEUED:
                raise ChatError("taken", _("Someone else already took this conversation."))
            if conversation.offered_to_id not in (None, staff.pk):
                raise ChatError("taken", _("This conversation was passed to a colleague."))
        else:
            candidates = Conversation.objects.filter(status=Status.QUEUED, desk__in=desks).exclude(
                offered_to__isnull=False, offered_to__in=Staff.objects.exclude(pk=staff.pk)
            )
            if desk_id is not None:
                if not desks.filter(pk=desk_id).exists():
                    raise ChatError("not_found", _("No such desk."))
                candidates = candidates.filter(desk_id=desk_id)
            first = candidates.order_by("-urgent", "queued_at", "pk").values_list("pk", flat=True).first()
            if first is None:
                raise ChatError("queue_empty", _("Nobody is waiting."))
            conversation = lock_conversation(first)
            if conversation.status != Status.QUEUED:
                raise ChatError("taken", _("Someone else already took this conversation."))
        _assign(conversation, staff)
    return conversation


def do_step_in(staff: Staff, conversation_id: int) -> Conversation:
    """A supervisor takes over a live conversation of their desks."""
    if not can_supervise(staff):
        raise ChatError("forbidden", _("Only supervisors can step in."))
    with transaction.atomic():
        conversation = check_staff_conversation(staff, conversation_id)
        conversation = lock_conversation(conversation.pk)
        if conversation.status == Status.CLOSED:
            raise ChatError("closed", _("The conversation is closed."))
        previous = conversation.assigned_to
        if previous is not None and previous.pk == staff.pk:
            return conversation
        _assign(conversation, staff)
    return conversation


def do_transfer(
    staff: Staff, conversation_id: int, *, to_desk_id: int, to_staff_id: int | None = None, note: str = ""
) -> Conversation:
    """Hand a conversation to another desk's queue, optionally to a named colleague.

    The note goes to the private notes, so the next counsellor sees why.
    """
    with transaction.atomic():
        conversation = check_staff_conversation(staff, conversation_id)
        conversation = lock_conversation(conversation.pk)
        if conversation.status == Status.CLOSED:
            raise ChatError("closed", _("The conversation is closed."))
        if conversation.assigned_to_id != staff.pk and not can_supervise(staff):
            raise ChatError("forbidden", _("Only the counsellor in this conversation can transfer it."))
        to_desk = Desk.objects.filter(pk=to_desk_id).first()
        if to_desk is None:
            raise ChatError("bad_message", _("No such desk."), field="desk")
        if not is_open(to_desk) and to_desk.pk != conversation.desk_id:
            # Nobody would answer there: the client would wait at a closed desk.
            raise ChatError("desk_closed", _("This desk is not taking new conversations right now."))
        to_staff: Staff | None = None
        if to_staff_id is not None:
            to_staff = Staff.objects.filter(pk=to_staff_id, is_active=True).first()
            if to_staff is None or not desks_for_staff(to_staff).filter(pk=to_desk.pk).exists():
                raise ChatError("bad_message", _("That colleague does not work at that desk."), field="staff")
            if to_staff.pk == staff.pk:
                raise ChatError("bad_message", _("You cannot transfer a conversation to yourself."), field="staff")
        from_desk_id = conversation.desk_id
        Transfer.objects.create(
            conversation=conversation,
            from_staff=staff,
            from_desk_id=from_desk_id,
            to_desk=to_desk,
            to_staff=to_staff,
            note=note.strip(),
        )
        if note.strip():
            _add_note(conversation, staff, _("Transfer note: %(note)s") % {"note": note.strip()}, None)
        conversation.desk = to_desk
        conversation.status = Status.QUEUED
        conversation.assigned_to = None
        conversation.offered_to = to_staff
        conversation.queued_at = timezone.now()
        conversation.save(update_fields=["desk", "status", "assigned_to", "offered_to", "queued_at"])
        system_message(conversation, "transferred", desk=to_desk.name)
        publish_state(conversation)
        publish_desks([from_desk_id, to_desk.pk])
        if to_staff is not None:
            send_event(staff_group(to_staff.pk), {"type": "offered", "conversation": conversation.pk})
    return conversation


def do_close(staff: Staff, conversation_id: int, *, outcome: str) -> Conversation:
    """The counsellor closes a conversation and records its outcome.

    A conversation the client already ended gets its outcome recorded the same way.
    """
    if outcome not in Outcome.values:
        raise ChatError("bad_message", _("Choose an outcome."), field="outcome")
    with transaction.atomic():
        conversation = check_staff_conversation(staff, conversation_id)
        conversation = lock_conversation(conversation.pk)
        if conversation.assigned_to_id != staff.pk and not can_supervise(staff):
            raise ChatError("forbidden", _("Only the counsellor in this conversation can close it."))
        was_open = conversation.status != Status.CLOSED
        conversation.outcome = outcome
        if was_open:
            conversation.status = Status.CLOSED
            conversation.closed_at = timezone.now()
            system_message(conversation, "closed")
        conversation.save(update_fields=["status", "closed_at", "outcome"])
        publish_state(conversation)
        publish_desks([conversation.desk_id])
    return conversation


def do_client_end(client: Client, conversation_id: int) -> Conversation:
    """The client ends the chat (at any point, also while waiting)."""
    with transaction.atomic():
        check_client_conversation(client, conversation_id)
        conversation = lock_conversation(conversation_id)
        if conversation.status == Status.CLOSED:
            return conversation
        was_queued = conversation.status == Status.QUEUED
        conversation.status = Status.CLOSED
        conversation.closed_at = timezone.now()
        conversation.closed_by_client = True
        if was_queued or conversation.assigned_to_id is None:
            conversation.outcome = Outcome.CLIENT_LEFT
        conversation.save(update_fields=["status", "closed_at", "closed_by_client", "outcome"])
        system_message(conversation, "client_left")
        publish_state(conversation)
        publish_desks([conversation.desk_id])
    return conversation


# --- Notes -----------------------------------------------------------------------------


def _add_note(conversation: Conversation, staff: Staff, body: str, client_msg_id: str | None) -> Note:
    note = Note.objects.create(conversation=conversation, author=staff, body=body, client_msg_id=client_msg_id)
    send_event(conversation_staff_group(conversation.pk), note_event(note))
    return note


def do_add_note(staff: Staff, conversation_id: int, *, body: str, client_msg_id: str) -> tuple[Note, bool]:
    """A private note: staff of the conversation's desk see it, the client never does."""
    body = body.strip()
    if not body:
        raise ChatError("bad_message", _("The note is empty."), field="body")
    with transaction.atomic():
        conversation = check_staff_conversation(staff, conversation_id)
        existing = Note.objects.filter(conversation=conversation, client_msg_id=client_msg_id).first()
        if existing is not None:
            return existing, False
        return _add_note(conversation, staff, body, client_msg_id), True


def notes_of(conversation: Conversation) -> list[Note]:
    return list(conversation.notes.select_related("author").order_by("created_at", "pk"))
