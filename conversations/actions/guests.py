"""A third participant: an interpreter, a sign-language interpreter or another professional (issue 14, item 3).

The life of a guest (conversations.models.Guest), each step one `do_*` here:
- the conversation's counsellor invites them (`do_invite_guest`, audited): the
  client is asked first, by the `guests` event that lists the invitation as
  `asked`; nothing is given to anybody yet;
- the client answers (`do_guest_consent`): only a yes makes the one-time link,
  and only the inviting counsellor gets it (`guest_link`, to their own
  consoles), to pass on by a channel of their own; the token is stored only as
  a hash, like a client's, and works GUEST_LINK_SECONDS (`do_new_guest_link`
  makes a fresh one and kills the old);
- the guest opens the link (`do_redeem_guest_link`): once, before expiry, only
  while the conversation is open with a person; the guest page keeps the guest's
  id in its session and the link is dead; the guest reads from the line that
  says they joined (`first_seq`) on, never anything before;
- the guest leaves (`do_guest_leave`), the counsellor removes them
  (`do_remove_guest`, audited), or the conversation closes (`end_guests`, called
  by closing): they are out of the conversation's call at once
  (conversations.actions.calls.leave_calls_of_guest), every socket of the guest closes at once (the `guest-<id>`
  group), and access.current_guest refuses them everything after.
Joining, leaving and removal are lines of the transcript, with the guest's name
and role, so the client sees who is in the conversation and when.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Staff
from audit.actions import record
from audit.models import Action, ObjectKind
from common.events import conversation_group, guest_group, send_event, staff_group
from common.languages import language_codes
from conversations import message_sql
from conversations.actions.access import (
    check_client_conversation,
    check_guest_conversation,
    check_staff_conversation,
    lock_conversation,
    not_found,
)
from conversations.actions.attachments import check_sent_attachment
from conversations.actions.calls import leave_calls_of_guest
from conversations.actions.transcript import append_message, clean_body, messages_after, store_once, system_message
from conversations.errors import ChatError
from conversations.models import (
    Attachment,
    Client,
    Conversation,
    Guest,
    GuestRole,
    GuestState,
    Message,
    SenderKind,
    Status,
)
from conversations.outbound import GuestsEvent, guest_ended_event, guest_link_event, guests_event, typing_event

# The session key of the guest page and socket (widget.guest_views, realtime.consumers.GuestConsumer).
GUEST_SESSION_KEY = "kohtaamo_guest"
# Where a guest's link points: widget.urls serves it (`/g/<token>/`).
GUEST_LINK_PATH = "/g/{token}/"
# The guests everybody sees in the conversation's list: invited, consented, in it.
CURRENT = (GuestState.ASKED, GuestState.ACCEPTED, GuestState.JOINED)
NAME_MAX = 60
ORGANISATION_MAX = 100


class GuestLinkError(Exception):
    """A guest link that does not work: `reason` is "used" (or never valid), "expired" or "closed"."""

    def __init__(self, reason: Literal["used", "expired", "closed"]) -> None:
        super().__init__(reason)
        self.reason = reason


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def role_names(role: str) -> dict[str, str]:
    """A guest role's name in every language, kept in a system line's args (like a desk's names)."""
    label = GuestRole(role).label
    names: dict[str, str] = {}
    for code in language_codes():
        with translation.override(code):
            names[code] = str(label).lower()
    return names


def guest_role_names() -> dict[str, str]:
    """Each guest role's name in the active language, for the pages ("Anna (interpreter)")."""
    return {str(value): str(label).lower() for value, label in GuestRole.choices}


def current_guests(conversation_id: int) -> list[Guest]:
    return list(Guest.objects.filter(conversation_id=conversation_id, state__in=CURRENT).order_by("pk"))


def guests_on_resume(conversation_id: int) -> GuestsEvent | None:
    """The guest list a resuming party gets: only for a conversation that ever had a guest.

    Every other conversation's resume stays as it was (one query, no extra frame);
    one that had guests gets the list even when it is empty now, so a page that
    missed the last removal while offline does not go on showing a guest.
    """
    rows = list(Guest.objects.filter(conversation_id=conversation_id).order_by("pk"))
    if not rows:
        return None
    return guests_event(conversation_id, [g for g in rows if g.state in CURRENT])


def publish_guests(conversation_id: int) -> None:
    """Everybody in the conversation (client, staff, guests) gets its guest list now, after the commit."""
    send_event(conversation_group(conversation_id), guests_event(conversation_id, current_guests(conversation_id)))


def guest_line(conversation: Conversation, guest: Guest, code: str) -> Message:
    """A transcript line about a guest: their name, and their role in every reader's language.

    Also the calls' lines about a guest joining or leaving a call (conversations.actions.calls)."""
    names = role_names(guest.role)
    role = names.get(conversation.language) or names[language_codes()[0]]
    return system_message(conversation, code, name=guest.name, role=role, role_names=names, guest=guest.pk)


def _end_sockets(guest: Guest, reason: Literal["left", "removed", "closed"]) -> None:
    """Every socket of the guest is told and closed, after the commit (realtime.consumers.GuestConsumer)."""
    send_event(guest_group(guest.pk), guest_ended_event(guest.conversation_id, reason))


def _locked_for_counsellor(staff: Staff, conversation_id: int) -> Conversation:
    """The conversation, locked, when `staff` is its counsellor and it is open with them (inside a transaction)."""
    check_staff_conversation(staff, conversation_id)
    conversation = lock_conversation(conversation_id)
    if conversation.status == Status.CLOSED:
        raise ChatError("closed", _("The conversation is closed."))
    if conversation.assigned_to_id != staff.pk:
        raise ChatError("forbidden", _("Only the counsellor in this conversation can invite or remove participants."))
    return conversation


# --- Inviting -------------------------------------------------------------------------------------


def check_invite(role: str, name: str, organisation: str) -> tuple[str, str, str]:
    """The role from the list, a name (what the client sees), an optional organisation or title."""
    if role not in GuestRole.values:
        raise ChatError("bad_message", _("Choose the participant's role."), field="role")
    name = " ".join(name.split())
    if not name:
        raise ChatError("bad_message", _("Write the participant's name."), field="name")
    if len(name) > NAME_MAX:
        raise ChatError("too_large", _("The name is too long."), field="name")
    organisation = " ".join(organisation.split())
    if len(organisation) > ORGANISATION_MAX:
        raise ChatError("too_large", _("The organisation is too long."), field="organisation")
    return role, name, organisation


def do_invite_guest(staff: Staff, conversation_id: int, *, role: str, name: str, organisation: str = "") -> Guest:
    """The counsellor invites a guest into their open conversation; the client is asked first (audited).

    Only the conversation's counsellor, only while it is active with them (a
    person answers), at most GUEST_MAX_PER_CONVERSATION guests at once.
    """
    role, name, organisation = check_invite(role, name, organisation)
    with transaction.atomic():
        conversation = _locked_for_counsellor(staff, conversation_id)
        if conversation.status != Status.ACTIVE:
            raise ChatError("forbidden", _("A participant can be invited only while you are chatting with the client."))
        if Guest.objects.filter(conversation=conversation, state__in=CURRENT).count() >= (
            settings.GUEST_MAX_PER_CONVERSATION
        ):
            raise ChatError("too_many", _("This conversation has as many participants as it can have."))
        guest = Guest.objects.create(
            conversation=conversation, role=role, name=name, organisation=organisation, invited_by=staff
        )
        record(
            staff,
            Action.GUEST_INVITE,
            kind=ObjectKind.CONVERSATION,
            object_id=conversation.pk,
            desk=conversation.desk,
            detail=f"guest {guest.pk}: {role}",
        )
        publish_guests(conversation.pk)
    return guest


def _give_link(guest: Guest, now: dt.datetime) -> str:
    """A new one-time link for `guest` (the old one dies): only the hash and the expiry are stored."""
    token = secrets.token_urlsafe(32)
    guest.token_hash = token_hash(token)
    guest.link_expires_at = now + dt.timedelta(seconds=settings.GUEST_LINK_SECONDS)
    guest.save(update_fields=["token_hash", "link_expires_at"])
    return GUEST_LINK_PATH.format(token=token)


def do_guest_consent(client: Client, conversation_id: int, guest_id: int, *, accept: bool) -> Guest:
    """The client says yes or no to an invited guest; a yes gives the inviting counsellor the link.

    The link goes only to the counsellor's own consoles (`guest_link` to their
    staff group), never to the conversation's stream.
    """
    with transaction.atomic():
        check_client_conversation(client, conversation_id)
        conversation = lock_conversation(conversation_id)
        guest = Guest.objects.filter(pk=guest_id, conversation=conversation, state=GuestState.ASKED).first()
        if guest is None:
            raise ChatError("not_found", _("There is no such question any more."))
        if conversation.status == Status.CLOSED:
            raise ChatError("closed", _("The conversation has ended."))
        if accept:
            guest.state = GuestState.ACCEPTED
            guest.save(update_fields=["state"])
            url = _give_link(guest, timezone.now())
            if guest.invited_by_id is not None:
                send_event(staff_group(guest.invited_by_id), guest_link_event(guest, url))
        else:
            guest.state = GuestState.DECLINED
            guest.save(update_fields=["state"])
        publish_guests(conversation.pk)
    return guest


def do_new_guest_link(staff: Staff, conversation_id: int, guest_id: int) -> tuple[Guest, str]:
    """A fresh link for a consented guest who has not joined yet (the old one stops working)."""
    with transaction.atomic():
        conversation = _locked_for_counsellor(staff, conversation_id)
        guest = Guest.objects.filter(pk=guest_id, conversation=conversation, state=GuestState.ACCEPTED).first()
        if guest is None:
            raise ChatError("not_found", _("No such participant waiting to join."))
        url = _give_link(guest, timezone.now())
    return guest, url


# --- Joining and taking part ------------------------------------------------------------------------


def check_guest_link(token: str) -> Guest:
    """The guest a link is for, if it still works (read only: the page asks before it redeems)."""
    guest = Guest.objects.select_related("conversation").filter(token_hash=token_hash(token)).first() if token else None
    if guest is None or guest.state != GuestState.ACCEPTED:
        raise GuestLinkError("used")
    if guest.link_expires_at is None or guest.link_expires_at <= timezone.now():
        raise GuestLinkError("expired")
    if guest.conversation.status != Status.ACTIVE:
        raise GuestLinkError("closed")
    return guest


def do_redeem_guest_link(token: str) -> Guest:
    """The guest opens their link: it works once, before it expires, while the conversation is open with a person.

    The guest is then in the conversation: the "joined" line is the first they
    may read (`first_seq`), and everybody gets the new guest list.
    """
    with transaction.atomic():
        guest = check_guest_link(token)
        conversation = lock_conversation(guest.conversation_id)
        guest = Guest.objects.select_for_update().get(pk=guest.pk)
        if guest.state != GuestState.ACCEPTED or guest.token_hash != token_hash(token):
            raise GuestLinkError("used")  # redeemed meanwhile by another tab
        if conversation.status != Status.ACTIVE:
            raise GuestLinkError("closed")
        line = guest_line(conversation, guest, "guest_joined")
        guest.state = GuestState.JOINED
        guest.token_hash = None
        guest.link_expires_at = None
        guest.first_seq = line.seq
        guest.joined_at = timezone.now()
        guest.save(update_fields=["state", "token_hash", "link_expires_at", "first_seq", "joined_at"])
        publish_guests(conversation.pk)
    return guest


def guest_of_session(session: Any) -> int | None:
    """The guest id a session holds (set by the guest page when the link was redeemed), or None."""
    value = session.get(GUEST_SESSION_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def guest_messages_after(guest: Guest, after: int) -> list[Message]:
    """The lines after `after` that the guest may read: never one before their joining."""
    return messages_after(guest.conversation, max(after, guest.first_seq - 1))


def check_guest_file(guest_id: int | None, conversation_id: int, attachment_id: int) -> Attachment:
    """A file sent in the guest's conversation from their joining on (the `file_link` frame); else not_found."""
    guest = check_guest_conversation(guest_id, conversation_id)
    attachment = check_sent_attachment(guest.conversation, attachment_id)
    if attachment.message is None or attachment.message.seq < guest.first_seq:
        raise not_found()
    return attachment


def do_guest_send(
    guest_id: int | None, conversation_id: int, *, body: str, client_msg_id: str, attachment: int | None = None
) -> Message:
    """A guest's line: stored once per client-made id, like a party's, while the guest is in the conversation.

    Guests read the files sent after they joined but send none: an interpreter
    or a visiting professional speaks; the client's and counsellor's files stay theirs.
    """
    if attachment is not None:
        raise ChatError("forbidden", _("A guest cannot send files in the conversation."), field="attachment")
    body = clean_body(body)

    def work() -> tuple[Message, bool]:
        conversation = message_sql.lock_for_message(conversation_id)
        if conversation is None:
            raise not_found()
        guest = check_guest_conversation(guest_id, conversation_id)  # read again under the lock
        existing = message_sql.find_duplicate(conversation_id, SenderKind.GUEST, client_msg_id)
        if existing is not None:
            if existing.args.get("guest") != guest.pk:
                # Another guest's id: never theirs to read back.
                raise ChatError("bad_message", _("The field “%(field)s” is not valid.") % {"field": "id"}, field="id")
            return existing, False
        message = append_message(
            conversation,
            sender_kind=SenderKind.GUEST,
            body=body,
            client_msg_id=client_msg_id,
            args={"guest": guest.pk, "role": guest.role},
            name=guest.name,
        )
        return message, True

    message, _created = store_once(conversation_id, SenderKind.GUEST, client_msg_id, work)
    return message


def do_guest_typing(guest_id: int | None, conversation_id: int, *, active: bool, exclude_channel: str) -> None:
    """The guest is (or stopped) typing: shown to the others by name, never stored."""
    guest = check_guest_conversation(guest_id, conversation_id)
    event = typing_event(conversation_id, "guest", active)
    event["name"] = guest.name
    send_event(conversation_group(conversation_id), event, exclude_channel=exclude_channel)


# --- Ending -----------------------------------------------------------------------------------------


def do_guest_leave(guest_id: int | None, conversation_id: int) -> Guest:
    """The guest leaves: a line says so, and every socket of theirs closes."""
    with transaction.atomic():
        guest = check_guest_conversation(guest_id, conversation_id)
        conversation = lock_conversation(conversation_id)
        guest = Guest.objects.select_for_update().get(pk=guest.pk)
        if guest.state != GuestState.JOINED:
            raise ChatError("not_found", _("You are no longer in this conversation."))
        guest.state = GuestState.LEFT
        guest.left_at = timezone.now()
        guest.save(update_fields=["state", "left_at"])
        leave_calls_of_guest(conversation, guest)  # out of the call first: its line comes before "left"
        guest_line(conversation, guest, "guest_left")
        _end_sockets(guest, "left")
        publish_guests(conversation.pk)
    return guest


def do_remove_guest(staff: Staff, conversation_id: int, guest_id: int) -> Guest:
    """The counsellor removes a guest (or withdraws an invitation): at once, and audited.

    A guest in the conversation gets a "removed" line and their sockets close;
    an invitation not yet used is cancelled and its link dies.
    """
    with transaction.atomic():
        conversation = _locked_for_counsellor(staff, conversation_id)
        guest = (
            Guest.objects.select_for_update().filter(pk=guest_id, conversation=conversation, state__in=CURRENT).first()
        )
        if guest is None:
            raise ChatError("not_found", _("No such participant in this conversation."))
        joined = guest.state == GuestState.JOINED
        guest.state = GuestState.REMOVED if joined else GuestState.CANCELLED
        guest.left_at = timezone.now()
        guest.token_hash = None
        guest.link_expires_at = None
        guest.save(update_fields=["state", "left_at", "token_hash", "link_expires_at"])
        record(
            staff,
            Action.GUEST_REMOVE,
            kind=ObjectKind.CONVERSATION,
            object_id=conversation.pk,
            desk=conversation.desk,
            detail=f"guest {guest.pk}: {guest.role}",
        )
        if joined:
            leave_calls_of_guest(conversation, guest)  # out of the call at once: no more signals
            guest_line(conversation, guest, "guest_removed")
            _end_sockets(guest, "removed")
        publish_guests(conversation.pk)
    return guest


def end_guests(conversation: Conversation, when: dt.datetime) -> None:
    """A locked conversation closes: its guests' part ends with it (called by closing, in its transaction).

    Guests in it are marked left and their sockets close; invitations and
    unused links are cancelled. The "closed" line says the rest.
    """
    guests = list(Guest.objects.filter(conversation=conversation, state__in=CURRENT))
    if not guests:
        return
    for guest in guests:
        if guest.state == GuestState.JOINED:
            guest.state = GuestState.LEFT
            _end_sockets(guest, "closed")
        else:
            guest.state = GuestState.CANCELLED
        guest.left_at = when
        guest.token_hash = None
        guest.link_expires_at = None
    Guest.objects.bulk_update(guests, ["state", "left_at", "token_hash", "link_expires_at"])
    publish_guests(conversation.pk)
