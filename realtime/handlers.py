"""Synchronous handlers of protocol frames, run in the database thread by the consumers.

Each handler takes a checked frame (realtime.inbound), calls the actions, which
authorise and do the work, and returns the events that answer the frame
(conversations.outbound). The rules themselves live in conversations.actions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Q

from accounts.models import Staff
from accounts.sessions import socket_staff
from common.events import desk_group, staff_group
from conversations.actions import (
    access,
    assignment,
    attachments,
    bot,
    calls,
    closing,
    codes,
    deletion,
    duty,
    guests,
    history,
    messages,
    notes,
    offline,
    starting,
    suggestions,
    transcript,
    typing,
    votes,
)
from conversations.actions.canned import canned_replies_for
from conversations.actions.clients import get_or_create_client, open_conversations_of
from conversations.actions.desk_states import desk_states_event
from conversations.actions.queue import desk_snapshot, queue_position
from conversations.models import Client, Outcome, Status
from conversations.outbound import (
    CallEvent,
    ClientWelcome,
    CodeEvent,
    Colleague,
    ConversationEvent,
    DeskEvent,
    DesksEvent,
    DoneEvent,
    DutyEvent,
    EarlierEvent,
    FileLinkEvent,
    GuestConversationEvent,
    GuestLinkEvent,
    GuestsEvent,
    GuestWelcome,
    Limits,
    MessageAck,
    MessageEvent,
    NoteAck,
    NoteEvent,
    PresenceEvent,
    QueueEvent,
    StaffConversationEvent,
    StaffWelcome,
    SuggestionsEvent,
    SyncedEvent,
    TransferDesksEvent,
    call_event,
    canned_items,
    code_event,
    conversation_event,
    desk_ref,
    done_event,
    earlier_event,
    file_link_event,
    guest_conversation_event,
    guest_info,
    guest_link_event,
    guests_event,
    message_ack,
    message_event,
    note_ack,
    note_event,
    presence_event,
    presence_self,
    staff_conversation_event,
    synced_event,
    transfer_desks_event,
)
from desks.actions import desks_for_staff
from desks.models import DeskMembership
from realtime import inbound
from stats.client_answers import do_client_about
from stats.feedback import do_give_feedback

T = TypeVar("T")
ClientResumeEvent = ConversationEvent | MessageEvent | SyncedEvent | QueueEvent | GuestsEvent | CallEvent
StaffResumeEvent = (
    StaffConversationEvent | MessageEvent | NoteEvent | EarlierEvent | SyncedEvent | GuestsEvent | CallEvent
)
GuestResumeEvent = GuestConversationEvent | MessageEvent | GuestsEvent | SyncedEvent | CallEvent


def limits() -> Limits:
    return {"max_message_chars": settings.CHAT_MAX_MESSAGE_CHARS, "max_frame_bytes": settings.CHAT_MAX_FRAME_BYTES}


# --- Client -----------------------------------------------------------------------
# `client_<type>(client, frame, channel_name)` answers one frame type (the consumer
# finds it by name); hello, start and resume also join groups, step by step.


def client_hello(token: str | None) -> tuple[Client, str, ClientWelcome]:
    # The first client after a restart starts this process's sweep of questions whose
    # answer was lost (a killed process), not only the first new question.
    messages.bot_workers()
    client, token = get_or_create_client(token)
    welcome: ClientWelcome = {
        "type": "welcome",
        "token": token,
        "conversations": [
            {"id": c.pk, "desk": c.desk.slug, "status": c.status, "last_seq": c.last_seq}  # type: ignore[typeddict-item]
            for c in open_conversations_of(client)
        ],
        "limits": limits(),
    }
    return client, token, welcome


def client_start(client: Client, frame: inbound.Start, language: str) -> int:
    """Open a conversation; the consumer then joins its group and sends `client_resume(after=0)`."""
    person = bool(frame.get("person"))
    desk = starting.check_start(frame["desk"], person=person)
    return starting.do_start(
        client,
        desk,
        nickname=frame.get("nickname") or "",
        language=frame.get("lang") or language,
        person=person,
        same_counsellor=bool(frame.get("same_counsellor")),
    )


def client_check(client: Client, conversation_id: int) -> None:
    """Raise not_found unless the conversation is the client's (before joining its group)."""
    access.check_client_conversation(client, conversation_id)


def client_resume(client: Client, conversation_id: int, after: int, ref: str | None) -> list[ClientResumeEvent]:
    """The conversation's state, the messages after `after`, `synced` and the queue place.

    Called after the socket joined the conversation's group, so that a message
    stored while this runs arrives live if it is not in the history read here.
    """
    conversation = access.check_client_conversation(client, conversation_id)
    events: list[ClientResumeEvent] = [conversation_event(conversation)]
    events += [message_event(m) for m in transcript.messages_after(conversation, after)]
    who = guests.guests_on_resume(conversation.pk)  # who else is here (issue 14)
    if who is not None:
        events.append(who)
    events.append(synced_event(conversation))
    position = queue_position(conversation)
    if position is not None:
        events.append(position)
    events += resumed_call(calls.CLIENT_PEER, conversation.pk)
    for event in events:
        event["ref"] = ref
    return events


def client_send(client: Client, frame: inbound.Send, channel_name: str) -> MessageAck:
    message, _created = messages.do_send_message(
        frame["conversation"],
        body=frame["body"],
        client_msg_id=frame["id"],
        client=client,
        attachment=frame.get("attachment"),
    )
    return message_ack(message, frame["ref"])


def client_file_link(client: Client, frame: inbound.FileLink, channel_name: str) -> FileLinkEvent:
    """Fresh links to a sent file of the client's conversation (the consumer signs them for this socket)."""
    conversation = access.check_client_conversation(client, frame["conversation"])
    return file_link_event(attachments.check_sent_attachment(conversation, frame["attachment"]), frame["ref"])


def client_choose(client: Client, frame: inbound.Choose, channel_name: str) -> MessageAck:
    message = bot.do_choose_topic(client, frame["conversation"], topic=frame["topic"], client_msg_id=frame["id"])
    return message_ack(message, frame["ref"])


def client_handoff(client: Client, frame: inbound.Handoff, channel_name: str) -> None:
    offline.do_handoff(
        client,
        frame["conversation"],
        reason=frame.get("reason") or "asked",
        same_counsellor=bool(frame.get("same_counsellor")),
    )


def client_vote(client: Client, frame: inbound.Vote, channel_name: str) -> None:
    votes.do_client_vote(client, frame["conversation"], seq=frame["seq"], helpful=frame["helpful"])


def client_typing(client: Client, frame: inbound.Typing, channel_name: str) -> None:
    typing.do_client_typing(client, frame["conversation"], active=frame["active"], exclude_channel=channel_name)


def client_seen(client: Client, frame: inbound.Seen, channel_name: str) -> None:
    conversation = access.check_client_conversation(client, frame["conversation"])
    messages.do_mark_seen(conversation, side="client", delivered=frame.get("delivered"), read=frame.get("read"))


def client_end(client: Client, frame: inbound.End, channel_name: str) -> None:
    closing.do_client_end(client, frame["conversation"])


def client_about(client: Client, frame: inbound.About, channel_name: str) -> DoneEvent:
    do_client_about(
        client, frame["conversation"], age_group=frame.get("age_group"), municipality=frame.get("municipality")
    )
    return done_event(frame["conversation"], "about", frame["ref"])


def client_feedback(client: Client, frame: inbound.FeedbackFrame, channel_name: str) -> DoneEvent:
    do_give_feedback(
        client,
        frame["conversation"],
        rating=frame.get("rating"),
        helped=frame.get("helped"),
        comment=frame.get("comment"),
    )
    return done_event(frame["conversation"], "feedback", frame["ref"])


def client_delete(client: Client, frame: inbound.Delete, channel_name: str) -> DoneEvent:
    deletion.do_client_delete(client, frame["conversation"])
    return done_event(frame["conversation"], "delete", frame["ref"])


def client_desks(client: Client, frame: inbound.DesksFrame, channel_name: str) -> DesksEvent:
    """The desks' state now, for the start page (the consumer has joined the desks' stream first)."""
    return desk_states_event(frame["ref"])


def client_resume_code(client: Client, frame: inbound.ResumeCode, channel_name: str) -> int:
    """Attach the code's conversation to this client; the consumer then resumes it from the start."""
    return codes.do_resume_by_code(client, frame["code"], socket_key=channel_name)


def client_new_code(client: Client, frame: inbound.NewCode, channel_name: str) -> CodeEvent:
    conversation = codes.check_new_code(client, frame["conversation"])
    return code_event(conversation.pk, codes.do_give_code(conversation), frame["ref"])


def client_leave_message(client: Client, frame: inbound.LeaveMessage, language: str) -> tuple[int, CodeEvent]:
    """Leave the message; the consumer then resumes the new conversation and sends its code."""
    desk, body = offline.check_leave_message(frame["desk"], frame["body"])
    conversation_id = offline.do_leave_message(
        client,
        desk,
        body=body,
        client_msg_id=frame["id"],
        nickname=frame.get("nickname") or "",
        language=frame.get("lang") or language,
    )
    conversation = codes.check_new_code(client, conversation_id)
    return conversation_id, code_event(conversation_id, codes.do_give_code(conversation), frame["ref"])


def client_guest_consent(client: Client, frame: inbound.GuestConsent, channel_name: str) -> None:
    """Yes or no to an invited guest: everybody gets the new guest list, the counsellor the link."""
    guests.do_guest_consent(client, frame["conversation"], frame["guest"], accept=frame["accept"])


# --- Staff -------------------------------------------------------------------------


class StaffStopped(Exception):
    """The staff socket must stop; `close_code` says why (docs/protocol.md)."""

    close_code = 4401


class SessionEnded(StaffStopped):
    """The staff member's session ended (logout, idle expiry, deactivation, new password) since the socket opened."""


class AccessEnded(StaffStopped):
    """The staff member's role no longer answers clients (e.g. made a content editor) since the socket opened."""

    close_code = 4403


def current_staff(scope: dict[str, Any]) -> Staff:
    """The socket's staff member as they are now (accounts.sessions.socket_staff), who must still answer clients."""
    staff = socket_staff(scope)
    if staff is None:
        raise SessionEnded
    if not staff.may_answer:
        raise AccessEnded
    assert isinstance(staff, Staff)
    return staff


def with_current_staff(scope: dict[str, Any], handler: Callable[..., T], *args: Any) -> T:
    """Run `handler(staff, *args)` with the staff member as they are now, in one trip to the database thread.

    Every frame is authorised against the current row (active, role, password,
    session), never against the object the socket connected with; desk rights
    are read by the actions from that row.
    """
    return handler(current_staff(scope), *args)


def staff_access(scope: dict[str, Any], conversation_ids: set[int]) -> tuple[Staff, set[int], set[int]]:
    """After a change of access: the staff member now, the desks they see now, and which
    of the conversations the socket follows they may no longer see."""
    staff = current_staff(scope)
    desk_ids = set(desks_for_staff(staff).values_list("pk", flat=True))
    hidden = access.hidden_from(staff, conversation_ids)
    # A call in a conversation they may no longer see ends at once (conversations.actions.calls).
    calls.do_end_calls_of(calls.staff_peer(staff.pk), hidden)
    return staff, desk_ids, hidden


def staff_hello(staff: Staff) -> tuple[StaffWelcome, list[str], list[DeskEvent | DutyEvent]]:
    desks = list(desks_for_staff(staff).select_related("organisation"))
    desk_ids = [d.pk for d in desks]
    colleagues: dict[int, Colleague] = {}
    # Colleagues by name only within one's own organisation and desks: staff of
    # other organisations stay unnamed (a transfer to their desk goes to its queue).
    memberships = (
        DeskMembership.objects.filter(staff__is_active=True)
        .filter(Q(desk__organisation_id=staff.organisation_id) | Q(desk__in=desk_ids))
        .select_related("staff")
    )
    for membership in memberships:
        member = membership.staff
        if member.pk == staff.pk:
            continue
        entry = colleagues.setdefault(member.pk, {"id": member.pk, "name": member.public_name, "desks": []})
        entry["desks"].append(membership.desk_id)
    welcome: StaffWelcome = {
        "type": "welcome",
        "staff": {"id": staff.pk, "name": staff.public_name, "role": staff.role, "supervisor": staff.may_supervise},
        "desks": [desk_ref(d) for d in desks],
        # Transfers may go to any open desk of the region.
        "transfer_desks": assignment.transfer_targets(),
        "colleagues": sorted(colleagues.values(), key=lambda c: c["name"]),
        "outcomes": [{"value": value, "label": str(label)} for value, label in Outcome.choices],
        "canned": canned_items(canned_replies_for(staff)),
        # Messages answered from the inbox are opened from there, not reopened at every start.
        "conversations": list(
            staff.conversations.open().exclude(status=Status.MESSAGE).values_list("pk", flat=True).order_by("pk")
        ),
        "limits": limits(),
        "presence": presence_self(duty.status_of(staff), duty.max_conversations_of(staff)),
    }
    groups = [desk_group(pk) for pk in desk_ids] + [staff_group(staff.pk)]
    snapshots: list[DeskEvent | DutyEvent] = [desk_snapshot(d) for d in desks]
    snapshots += [duty.duty_snapshot(d) for d in desks]
    return welcome, groups, snapshots


def staff_state(staff: Staff, conversation_id: int) -> list[StaffConversationEvent]:
    """The conversation's state as `staff` sees it (after a take or step-in)."""
    conversation = access.check_staff_conversation(staff, conversation_id)
    return [staff_conversation_event(conversation, viewer=staff)]


def staff_take(staff: Staff, frame: inbound.Take) -> int:
    conversation = assignment.do_take(staff, conversation_id=frame.get("conversation"), desk_id=frame.get("desk"))
    return conversation.pk


def staff_step_in(staff: Staff, frame: inbound.StepIn) -> int:
    conversation = assignment.do_step_in(staff, frame["conversation"])
    return conversation.pk


def staff_check(staff: Staff, frame: inbound.Resume) -> int:
    """Raise not_found unless `staff` may see the conversation (before joining its groups)."""
    return access.check_staff_conversation(staff, frame["conversation"]).pk


def staff_resume(staff: Staff, conversation_id: int, after: int) -> list[StaffResumeEvent]:
    """State, messages after `after`, all notes and `synced`; read after joining the groups."""
    conversation = access.check_staff_conversation(staff, conversation_id)
    events: list[StaffResumeEvent] = [staff_conversation_event(conversation, viewer=staff)]
    events += [message_event(m) for m in transcript.messages_after(conversation, after)]
    events += [note_event(n) for n in notes.notes_of(conversation, staff)]
    who = guests.guests_on_resume(conversation.pk)
    if who is not None:
        events.append(who)
    earlier = history.earlier_conversations(staff, conversation)
    if earlier:
        events.append(earlier_event(conversation.pk, earlier))
    events.append(synced_event(conversation))
    events += resumed_call(calls.staff_peer(staff.pk), conversation.pk)
    return events


def staff_send(staff: Staff, frame: inbound.Send, channel_name: str) -> MessageAck:
    message, _created = messages.do_send_message(
        frame["conversation"],
        body=frame["body"],
        client_msg_id=frame["id"],
        staff=staff,
        attachment=frame.get("attachment"),
    )
    return message_ack(message, frame["ref"])


def staff_file_link(staff: Staff, frame: inbound.FileLink, channel_name: str) -> FileLinkEvent:
    """Fresh links to a sent file of a conversation the staff member may see now."""
    conversation = access.check_staff_conversation(staff, frame["conversation"])
    return file_link_event(attachments.check_sent_attachment(conversation, frame["attachment"]), frame["ref"])


def staff_typing(staff: Staff, frame: inbound.Typing, channel_name: str) -> None:
    typing.do_staff_typing(staff, frame["conversation"], active=frame["active"], exclude_channel=channel_name)


def staff_seen(staff: Staff, frame: inbound.Seen, channel_name: str) -> None:
    conversation = access.check_staff_conversation(staff, frame["conversation"])
    if conversation.assigned_to_id != staff.pk:
        return  # A supervisor watching does not mark the client's messages read.
    messages.do_mark_seen(conversation, side="staff", delivered=frame.get("delivered"), read=frame.get("read"))


def staff_note(staff: Staff, frame: inbound.NoteFrame, channel_name: str) -> NoteAck:
    note, _created = notes.do_add_note(staff, frame["conversation"], body=frame["body"], client_msg_id=frame["id"])
    return note_ack(note, frame["ref"])


def staff_suggest(staff: Staff, frame: inbound.SuggestFrame, channel_name: str) -> SuggestionsEvent:
    return suggestions.suggestions_for(staff, frame["conversation"], ref=frame["ref"])


def staff_transfer(staff: Staff, frame: inbound.TransferFrame, channel_name: str) -> StaffConversationEvent:
    conversation = assignment.do_transfer(
        staff,
        frame["conversation"],
        to_desk_id=frame["desk"],
        to_staff_id=frame.get("staff"),
        note=frame.get("note") or "",
        share_notes=bool(frame.get("share_notes")),
    )
    return staff_conversation_event(conversation, viewer=staff)


def staff_transfer_desks(staff: Staff, frame: inbound.TransferDesksFrame, channel_name: str) -> TransferDesksEvent:
    """Asked when the transfer dialog opens: which desks are open now has changed since the welcome."""
    return transfer_desks_event(assignment.transfer_targets(), frame["ref"])


def staff_close(staff: Staff, frame: inbound.Close, channel_name: str) -> StaffConversationEvent:
    conversation = closing.do_close(staff, frame["conversation"], outcome=frame["outcome"])
    return staff_conversation_event(conversation, viewer=staff)


def staff_presence(staff: Staff, frame: inbound.PresenceFrame, channel_name: str) -> PresenceEvent:
    """Set one's own status (and limit): the desks' staff get `duty`, start pages `desks_changed` on a change."""
    presence = duty.do_set_presence(staff, frame["status"], max_conversations=frame.get("max_conversations"))
    return presence_event(presence.status, duty.max_conversations_of(staff), frame["ref"])


def staff_console_opened(staff: Staff, channel_name: str) -> None:
    """The socket opened: its staff member is in the console (conversations.actions.duty)."""
    duty.do_console_opened(staff, channel_name)


def staff_console_closed(channel_name: str) -> None:
    duty.do_console_closed(channel_name)


def staff_console_alive(staff: Staff, channel_name: str) -> None:
    duty.do_console_heartbeat(channel_name, staff)


def staff_invite_guest(staff: Staff, frame: inbound.InviteGuest, channel_name: str) -> GuestsEvent:
    """Invite a guest; answered with the guest list (the client's consent question goes out with it)."""
    guest = guests.do_invite_guest(
        staff,
        frame["conversation"],
        role=frame["role"],
        name=frame["name"],
        organisation=frame.get("organisation") or "",
    )
    return guests_event(guest.conversation_id, guests.current_guests(guest.conversation_id), frame["ref"])


def staff_remove_guest(staff: Staff, frame: inbound.RemoveGuest, channel_name: str) -> GuestsEvent:
    guest = guests.do_remove_guest(staff, frame["conversation"], frame["guest"])
    return guests_event(guest.conversation_id, guests.current_guests(guest.conversation_id), frame["ref"])


def staff_guest_link(staff: Staff, frame: inbound.GuestLinkFrame, channel_name: str) -> GuestLinkEvent:
    guest, url = guests.do_new_guest_link(staff, frame["conversation"], frame["guest"])
    return guest_link_event(guest, url, frame["ref"])


# --- Guests (issue 14): `guest_<type>(guest_id, frame, channel_name)`; the guest is read afresh each time ----


def guest_of_session(session: Any) -> int | None:
    """The guest id the guest page's session holds (set when the link was redeemed), or None."""
    return guests.guest_of_session(session)


def guest_hello(guest_id: int | None) -> GuestWelcome:
    guest = access.current_guest(guest_id)
    return {
        "type": "welcome",
        "guest": guest_info(guest),
        "conversation": guest.conversation_id,
        "limits": limits(),
    }


def guest_check(guest_id: int | None, conversation_id: int) -> None:
    """Raise unless the guest is in this conversation now (before joining its group)."""
    access.check_guest_conversation(guest_id, conversation_id)


def guest_resume(guest_id: int | None, conversation_id: int, after: int, ref: str | None) -> list[GuestResumeEvent]:
    """The conversation as the guest sees it, its lines after `after` (never before their joining), `synced`."""
    guest = access.check_guest_conversation(guest_id, conversation_id)
    events: list[GuestResumeEvent] = [guest_conversation_event(guest)]
    events += [message_event(m) for m in guests.guest_messages_after(guest, after)]
    events.append(guests_event(conversation_id, guests.current_guests(conversation_id)))
    events += resumed_call(guest.peer, conversation_id)
    events.append(synced_event(guest.conversation))
    for event in events:
        event["ref"] = ref
    return events


def guest_send(guest_id: int | None, frame: inbound.Send, channel_name: str) -> MessageAck:
    message = guests.do_guest_send(
        guest_id,
        frame["conversation"],
        body=frame["body"],
        client_msg_id=frame["id"],
        attachment=frame.get("attachment"),
    )
    return message_ack(message, frame["ref"])


def guest_file_link(guest_id: int | None, frame: inbound.FileLink, channel_name: str) -> FileLinkEvent:
    """Fresh links to a file sent after the guest joined (the consumer signs them for the guest's socket)."""
    return file_link_event(guests.check_guest_file(guest_id, frame["conversation"], frame["attachment"]), frame["ref"])


def guest_typing(guest_id: int | None, frame: inbound.Typing, channel_name: str) -> None:
    guests.do_guest_typing(guest_id, frame["conversation"], active=frame["active"], exclude_channel=channel_name)


def guest_leave(guest_id: int | None, frame: inbound.GuestLeave, channel_name: str) -> None:
    guests.do_guest_leave(guest_id, frame["conversation"])


# --- Calls (issue 14, item 2): the same frames from every party in the conversation ----------------
# `call_<frame>(caller, frame)` does the work; `client_call_*` and `staff_call_*` only name the
# caller (conversations.actions.calls.Caller); `guest_call_*` read the guest afresh first.


def resumed_call(peer: str, conversation_id: int) -> list[CallEvent]:
    """On resume: the conversation's open call, if any (a reload sees it ringing or active); `peer` is back."""
    call = calls.open_call(conversation_id)
    if call is None:
        return []
    calls.do_peer_back(peer, conversation_id)
    calls.start_sweeping()
    return [call_event(conversation_id, call)]


def call_start(caller: calls.Caller, frame: inbound.CallStart) -> CallEvent:
    call = calls.do_start_call(caller, frame["conversation"], frame["media"])
    return {**call_event(call.conversation_id, call), "ref": frame["ref"]}


def call_answer(caller: calls.Caller, frame: inbound.CallAnswer) -> CallEvent:
    call = calls.do_answer_call(caller, frame["conversation"], frame["call"], accept=frame["accept"])
    return {**call_event(call.conversation_id, call), "ref": frame["ref"]}


def call_signal(caller: calls.Caller, frame: inbound.CallSignal) -> None:
    calls.do_signal(caller, frame["conversation"], frame["call"], frame["to"], frame["signal"])


def call_end(caller: calls.Caller, frame: inbound.CallEndFrame) -> CallEvent:
    call = calls.do_end_call(caller, frame["conversation"], frame["call"], lost=bool(frame.get("lost")))
    return {**call_event(call.conversation_id, call), "ref": frame["ref"]}


def client_call_start(client: Client, frame: inbound.CallStart, channel_name: str) -> CallEvent:
    return call_start(calls.client_caller(client), frame)


def client_call_answer(client: Client, frame: inbound.CallAnswer, channel_name: str) -> CallEvent:
    return call_answer(calls.client_caller(client), frame)


def client_call_signal(client: Client, frame: inbound.CallSignal, channel_name: str) -> None:
    call_signal(calls.client_caller(client), frame)


def client_call_end(client: Client, frame: inbound.CallEndFrame, channel_name: str) -> CallEvent:
    return call_end(calls.client_caller(client), frame)


def staff_call_start(staff: Staff, frame: inbound.CallStart, channel_name: str) -> CallEvent:
    return call_start(calls.staff_caller(staff), frame)


def staff_call_answer(staff: Staff, frame: inbound.CallAnswer, channel_name: str) -> CallEvent:
    return call_answer(calls.staff_caller(staff), frame)


def staff_call_signal(staff: Staff, frame: inbound.CallSignal, channel_name: str) -> None:
    call_signal(calls.staff_caller(staff), frame)


def staff_call_end(staff: Staff, frame: inbound.CallEndFrame, channel_name: str) -> CallEvent:
    return call_end(calls.staff_caller(staff), frame)


def guest_call_start(guest_id: int | None, frame: inbound.CallStart, channel_name: str) -> CallEvent:
    return call_start(calls.guest_caller(access.current_guest(guest_id)), frame)


def guest_call_answer(guest_id: int | None, frame: inbound.CallAnswer, channel_name: str) -> CallEvent:
    return call_answer(calls.guest_caller(access.current_guest(guest_id)), frame)


def guest_call_signal(guest_id: int | None, frame: inbound.CallSignal, channel_name: str) -> None:
    call_signal(calls.guest_caller(access.current_guest(guest_id)), frame)


def guest_call_end(guest_id: int | None, frame: inbound.CallEndFrame, channel_name: str) -> CallEvent:
    return call_end(calls.guest_caller(access.current_guest(guest_id)), frame)


def call_peer_gone(peer: str, conversation_ids: set[int]) -> None:
    """A socket in a call closed (realtime.consumers): its calls end as lost unless it comes back."""
    calls.do_peer_gone(peer, conversation_ids)
