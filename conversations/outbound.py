"""Every event the server sends to a party: one type per event, and the one function that builds it.

docs/protocol.md ("Server frames") is the contract; tests/protocol/test_protocol_doc.py
checks that it lists exactly the events typed here, and the protocol test
client checks every frame it receives against these types (`problems`).

Events are plain dicts typed as TypedDicts, so that sending one costs nothing
beyond `json.dumps`. Some events reach clients and staff in different shapes
(a client never sees a staff id): `CLIENT_EVENTS` and `STAFF_EVENTS` say which
type each party receives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

from calls.ice import IceSettings
from conversations.errors import ChatError, ErrorCode
from conversations.models import Attachment, Call, Conversation, Guest, Message, Note, SenderKind
from conversations.system_texts import localised_args
from desks.models import desk_names
from media import links

if TYPE_CHECKING:
    from accounts.models import Staff
    from desks.models import CannedReply, Desk

Side = Literal["client", "staff"]
Status = Literal["bot", "queued", "active", "closed", "message"]


# --- Parts of events -------------------------------------------------------------------------


class DeskRef(TypedDict):
    id: int
    slug: str
    # In the reader's language: each socket picks it from `names` (`localise`).
    name: str
    names: dict[str, str]


class TransferDesk(DeskRef):
    """A desk a conversation may be transferred to, with what the transfer dialog marks.

    `open`: people answer there now (desks.hours.is_open, when the welcome was
    built); `organisation`: its organisation's id, so the console can tell a desk
    of another organisation than the conversation's (its notes then stay unless sent along).
    """

    organisation: int
    organisation_name: str
    open: bool


class Cursor(TypedDict):
    delivered: int
    read: int


class Receipts(TypedDict):
    client: Cursor
    staff: Cursor


class NamedStaff(TypedDict):
    id: int
    name: str


class PublicName(TypedDict):
    name: str


class _ConversationFields(TypedDict):
    id: int
    desk: DeskRef
    status: Status
    nickname: str
    last_seq: int
    urgent: bool
    crisis: bool
    outcome: str
    closed_by_client: bool
    queued_at: str | None
    receipts: Receipts


class ConversationState(_ConversationFields):
    """A conversation as its client sees it: staff by public name only.

    `rated`: the client has given their feedback on it (only the client sees
    this: staff who saw when a conversation was rated could tie a comment to it).
    """

    assigned: PublicName | None
    rated: bool


class StaffConversationState(_ConversationFields):
    """A conversation as a staff member sees it: staff ids, its language, why it left the bot."""

    assigned: NamedStaff | None
    language: str
    handoff_reason: str
    # The client deleted it (conversations.actions.deletion): its words are gone; staff see only that.
    deleted: bool
    # Only on a staff socket (realtime.consumers computes it per socket).
    can_write: NotRequired[bool]


class Limits(TypedDict):
    max_message_chars: int
    max_frame_bytes: int


class OpenConversation(TypedDict):
    id: int
    desk: str
    status: Status
    last_seq: int


class StaffSelf(TypedDict):
    id: int
    name: str
    role: str
    supervisor: bool


class Colleague(TypedDict):
    id: int
    name: str
    desks: list[int]


class OutcomeChoice(TypedDict):
    value: str
    label: str


class CannedItem(TypedDict):
    id: int
    title: str
    body: str
    desk: int | None
    personal: bool


class WaitingItem(TypedDict):
    id: int
    nickname: str
    queued_at: str | None
    urgent: bool
    crisis: bool
    handoff_reason: str
    offered_to: int | None
    transferred: bool
    language: str
    # What staff may read before taking: the start of the client's first line
    # (to the bot or a person; "" when none yet) and the bot part's topics by slug,
    # in the order first reached (the console shows their titles in its own language).
    preview: str
    # The kind of the file that line sent (image, audio, video, pdf), else None: a line that
    # is only a file has an empty preview, and the console shows "[Picture]" in its own language.
    preview_file: str | None
    topics: list[str]


class ActiveItem(TypedDict):
    id: int
    nickname: str
    assigned: NamedStaff | None
    urgent: bool
    crisis: bool
    last_seq: int


class InboxItem(TypedDict):
    """A message left for the desk (status `message`), as its inbox lists it.

    `waiting_since`: when the client's oldest line after the last staff reply
    was written (null: the newest line is an answer, nothing waits); `preview`:
    the start of the client's newest line; `preview_file`: the kind of the
    file that line sent, else None (as in WaitingItem).
    """

    id: int
    nickname: str
    waiting_since: str | None
    assigned: NamedStaff | None
    urgent: bool
    crisis: bool
    language: str
    preview: str
    preview_file: str | None


class SuggestedReferral(TypedDict):
    """A service a suggested topic points to; a field the brain leaves out is ""."""

    name: str
    url: str
    phone: str
    hours: str


class SuggestedTopic(TypedDict):
    """A chatbot topic for the counsellor: `answer` is plain text, ready for the reply box."""

    slug: str
    title: str
    answer: str
    referrals: list[SuggestedReferral]


class CrisisSignal(TypedDict):
    """A crisis sign in the client's latest lines: the warning sign (or "example"), what matched, which net."""

    sign: str
    phrase: str
    source: str


class NoteData(TypedDict):
    id: int
    client_id: str | None
    author: str
    body: str
    at: str


# --- Events ------------------------------------------------------------------------------------
# `ref` echoes the frame an event answers (docs/protocol.md, "Frames"); events not
# caused by one of the party's frames carry none.


class ClientWelcome(TypedDict):
    type: Literal["welcome"]
    token: str
    conversations: list[OpenConversation]
    limits: Limits
    ref: NotRequired[str | None]


class StaffWelcome(TypedDict):
    type: Literal["welcome"]
    staff: StaffSelf
    desks: list[DeskRef]
    transfer_desks: list[TransferDesk]
    colleagues: list[Colleague]
    outcomes: list[OutcomeChoice]
    canned: list[CannedItem]
    conversations: list[int]
    limits: Limits
    presence: PresenceSelf
    ref: NotRequired[str | None]


class ConversationEvent(TypedDict):
    type: Literal["conversation"]
    conversation: ConversationState
    ref: NotRequired[str | None]


class StaffConversationEvent(TypedDict):
    type: Literal["conversation"]
    conversation: StaffConversationState
    ref: NotRequired[str | None]


class AttachmentInfo(TypedDict):
    """A file sent with a message (issue 14; docs/protocol.md, "Attachments").

    `url` and `thumb` are links signed for the socket that receives the event
    (realtime.consumers: `send_event` signs them, `with_links`); they expire
    after MEDIA_LINK_SECONDS, and `file_link` gives fresh ones. An event is
    built with `url` "" and `thumb` "" (null: no thumbnail): one broadcast
    reaches every reader.
    """

    id: int
    kind: Literal["image", "audio", "video", "pdf"]
    mime: str
    size: int
    name: str
    width: int | None
    height: int | None
    duration: float | None
    url: str
    thumb: str | None


class MessageEvent(TypedDict):
    type: Literal["message"]
    conversation: int
    seq: int
    id: str | None
    # "guest": a third participant (conversations.actions.guests); `args` then has `guest` and `role`.
    sender: Literal["client", "staff", "system", "bot", "guest"]
    name: str
    body: str
    code: str
    args: dict[str, Any]
    at: str
    # Bot lines: the authored Markdown as sanitised HTML (bot.markdown).
    html: NotRequired[str]
    plain_html: NotRequired[str]
    # The file the line sent (issue 14): the body is then its caption, which may be empty.
    attachment: NotRequired[AttachmentInfo]
    ref: NotRequired[str | None]


class FileLinkEvent(TypedDict):
    """Fresh links to a sent file, answering the frame `file_link` (its links had expired)."""

    type: Literal["file_link"]
    conversation: int
    attachment: AttachmentInfo
    ref: str | None


class MessageAck(TypedDict):
    type: Literal["ack"]
    conversation: int
    id: str
    seq: int
    ref: str | None


class NoteAck(TypedDict):
    type: Literal["ack"]
    conversation: int
    id: str
    note: int
    ref: str | None


class SyncedEvent(TypedDict):
    type: Literal["synced"]
    conversation: int
    last_seq: int
    ref: NotRequired[str | None]


class QueueEvent(TypedDict):
    """A waiting client's place (1 = next), the queue's length, and the estimated wait in seconds.

    `wait_seconds` is null when nobody can answer at the desk now
    (conversations.actions.queue.estimate_wait).
    """

    type: Literal["queue"]
    conversation: int
    position: int
    waiting: int
    wait_seconds: int | None
    ref: NotRequired[str | None]


class DeskEvent(TypedDict):
    type: Literal["desk"]
    desk: DeskRef
    waiting: list[WaitingItem]
    active: list[ActiveItem]
    # The desk's inbox: messages left for it, those waiting for an answer first (longest first).
    messages: list[InboxItem]


class TypingEvent(TypedDict):
    type: Literal["typing"]
    conversation: int
    sender: Literal["client", "staff", "guest"]
    active: bool
    # A guest typing: their name (the others show "Anna is writing").
    name: NotRequired[str]


class ReceiptEvent(TypedDict):
    type: Literal["receipt"]
    conversation: int
    side: Side
    delivered: int
    read: int


class NoteEvent(TypedDict):
    type: Literal["note"]
    conversation: int
    note: NoteData
    ref: NotRequired[str | None]


class AssignedEvent(TypedDict):
    type: Literal["assigned"]
    conversation: int


class OfferedEvent(TypedDict):
    type: Literal["offered"]
    conversation: int
    # True: a returning client asked for this counsellor again (not a colleague's transfer).
    returning: NotRequired[bool]


class EarlierConversation(TypedDict):
    """One of the same client's earlier conversations a staff member may open in the history (small on purpose)."""

    id: int
    at: str  # when it started (ISO 8601)
    desk: str  # the desk's name


class EarlierEvent(TypedDict):
    """(staff) The same client's earlier conversations this staff member may read (history.earlier_conversations)."""

    type: Literal["earlier"]
    conversation: int
    earlier: list[EarlierConversation]
    ref: NotRequired[str | None]  # a resume's events carry its ref


class AlertEvent(TypedDict):
    type: Literal["alert"]
    kind: Literal["crisis"]
    conversation: int
    desk: DeskRef
    status: Status
    nickname: str
    assigned: int | None
    # The flag came from the conversation's only client message, seconds after its
    # start (conversations.models.fresh_crisis): the console groups such alerts.
    fresh: bool


class VotedEvent(TypedDict):
    type: Literal["voted"]
    conversation: int
    seq: int
    helpful: bool


class CannedEvent(TypedDict):
    type: Literal["canned"]
    canned: list[CannedItem]


class GoneEvent(TypedDict):
    """The staff member may no longer see the conversation (moved to a desk they do not
    work at, or their access changed): the socket stopped following it."""

    type: Literal["gone"]
    conversation: int


class SuggestionsEvent(TypedDict):
    """(staff) The answer to `suggest`: the chatbot's topics and the crisis signs for the client's latest lines."""

    type: Literal["suggestions"]
    conversation: int
    topics: list[SuggestedTopic]
    signals: list[CrisisSignal]
    ref: str | None


class DutyPerson(TypedDict):
    id: int
    name: str
    status: Literal["available", "busy"]


class DutyEvent(TypedDict):
    """(staff) Who is on duty at a desk now and their status; `answering`: the desk answers clients now."""

    type: Literal["duty"]
    desk: int
    staff: list[DutyPerson]
    answering: bool


class PresenceSelf(TypedDict):
    status: Literal["available", "busy", "away"]
    max_conversations: int


class PresenceEvent(TypedDict):
    """(staff) The answer to `presence`: one's own status and limit as stored."""

    type: Literal["presence"]
    presence: PresenceSelf
    ref: str | None


class TransferDesksEvent(TypedDict):
    """(staff) The answer to `transfer_desks`: every desk a conversation may go to, as it is now."""

    type: Literal["transfer_desks"]
    desks: list[TransferDesk]
    ref: str | None


class DeskState(TypedDict):
    """A desk as a client's start page shows it now (desks.hours.desk_status), texts in the reader's language.

    `changes_at`: when `open` next flips (ISO 8601), so the page asks again then; null when it does not.
    `wait_seconds`: the estimated wait of a client who would join the queue now (null when not answering).
    `answering`: open and somebody available (conversations.actions.duty.desk_answers_now); open and not
    answering, the page says that nobody can answer right now.
    """

    slug: str
    open: bool
    answering: bool
    wait_seconds: int | None
    status: str
    hours: list[str]
    changes_at: str | None


class DesksEvent(TypedDict):
    """(client) The answer to `desks`: every desk a client may contact, open or closed now, and why."""

    type: Literal["desks"]
    desks: list[DeskState]
    ref: str | None


class DesksChangedEvent(TypedDict):
    """(client) A desk's hours, exceptions or state changed: a start page asks again with `desks`.

    Why no states in it: they are texts in each reader's language, and the
    broadcast reaches every start page alike. `waits`, when present, is all that
    changed: the estimated wait of a client who would join a desk's queue now
    (seconds, or null when nobody answers), by desk slug; the page shows it
    without asking again.
    """

    type: Literal["desks_changed"]
    waits: NotRequired[dict[str, int | None]]


class DoneEvent(TypedDict):
    """(client) The answer to `about`, `feedback` or `delete`: it was stored (`frame` names which)."""

    type: Literal["done"]
    conversation: int
    frame: Literal["about", "feedback", "delete"]
    ref: str | None


class DeletedEvent(TypedDict):
    """The client deleted the conversation: its messages and notes are gone (to everybody in it)."""

    type: Literal["deleted"]
    conversation: int


class CodeEvent(TypedDict):
    """(client) The answer to `new_code`: the conversation's new code, in the conversation's language."""

    type: Literal["code"]
    conversation: int
    code: str
    ref: str | None


class PongEvent(TypedDict):
    type: Literal["pong"]
    ref: str | None


class ErrorEvent(TypedDict):
    type: Literal["error"]
    code: ErrorCode
    message: str
    ref: str | None
    field: NotRequired[str]
    retry_after: NotRequired[float]


# --- Guests: a conversation's third participant (issue 14; conversations.actions.guests) ----------


class GuestInfo(TypedDict):
    """A guest as everybody in the conversation sees them: what the client is told, nothing more.

    `state`: asked (the client is asked), accepted (the link is given), joined.
    """

    id: int
    role: str
    name: str
    organisation: str
    state: str


class GuestsEvent(TypedDict):
    """The conversation's guests now (asked, consented or in it), to everybody in it, after every change."""

    type: Literal["guests"]
    conversation: int
    guests: list[GuestInfo]
    ref: NotRequired[str | None]


class GuestLinkEvent(TypedDict):
    """(staff) The one-time link for a guest the client consented to: only to the inviting counsellor."""

    type: Literal["guest_link"]
    conversation: int
    guest: int
    url: str
    expires_at: str
    ref: NotRequired[str | None]


class GuestWelcome(TypedDict):
    type: Literal["welcome"]
    guest: GuestInfo
    conversation: int
    limits: Limits
    ref: NotRequired[str | None]


class GuestConversationState(TypedDict):
    """A conversation as its guest sees it: from `first_seq` on, the counsellor by public name only."""

    id: int
    desk: DeskRef
    status: Status
    nickname: str
    assigned: PublicName | None
    last_seq: int
    first_seq: int


class GuestConversationEvent(TypedDict):
    type: Literal["conversation"]
    conversation: GuestConversationState
    ref: NotRequired[str | None]


class GuestEndedEvent(TypedDict):
    """(guest) The guest's part ended: they left, were removed, or the conversation closed. The socket closes."""

    type: Literal["guest_ended"]
    conversation: int
    reason: Literal["left", "removed", "closed"]


# --- Calls (issue 14, item 2; conversations.actions.calls) -----------------------------------


class CallInfo(TypedDict):
    """A call's state: who (peer ids: "client", "staff:<id>", "guest:<id>"), when, and how it ended; never content."""

    id: int
    media: Literal["audio", "video"]
    state: Literal["ringing", "active", "ended"]
    started_by: str
    answered_by: str
    # Who is in the call now (the starter, then each who accepted and is still in it).
    participants: list[str]
    relay_only: bool
    rung_at: str
    answered_at: str | None
    ended_at: str | None
    end_reason: str


class CallEvent(TypedDict):
    """A conversation's call changed (or, on resume, its open call). `call` null: none.

    `ice` (calls.ice.IceSettings: iceServers, iceTransportPolicy) is added per
    socket for the receiving peer while the call is ringing or active
    (realtime.consumers: fresh TURN credentials, never broadcast).
    """

    type: Literal["call"]
    conversation: int
    call: CallInfo | None
    ice: NotRequired[IceSettings]
    ref: NotRequired[str | None]


# A WebRTC signal relayed to one peer of a call only: an `sdp` offer/answer or an ICE `candidate`;
# `from` is the sender's peer id (a Python keyword, hence the functional form).
CallSignalEvent = TypedDict(
    "CallSignalEvent",
    {
        "type": Literal["call_signal"],
        "conversation": int,
        "call": int,
        "from": str,
        "signal": dict[str, Any],
    },
)


# What each party may receive, by event type (a type may come in several shapes, e.g. ack).
_COMMON: dict[str, tuple[type, ...]] = {
    "message": (MessageEvent,),
    "ack": (MessageAck, NoteAck),
    "synced": (SyncedEvent,),
    "typing": (TypingEvent,),
    "receipt": (ReceiptEvent,),
    "voted": (VotedEvent,),
    "deleted": (DeletedEvent,),
    "pong": (PongEvent,),
    "error": (ErrorEvent,),
    "file_link": (FileLinkEvent,),
    "call": (CallEvent,),
    "call_signal": (CallSignalEvent,),
}
CLIENT_EVENTS: dict[str, tuple[type, ...]] = {
    **_COMMON,
    "welcome": (ClientWelcome,),
    "conversation": (ConversationEvent,),
    "queue": (QueueEvent,),
    "done": (DoneEvent,),
    "desks": (DesksEvent,),
    "desks_changed": (DesksChangedEvent,),
    "code": (CodeEvent,),
}
STAFF_EVENTS: dict[str, tuple[type, ...]] = {
    **_COMMON,
    "welcome": (StaffWelcome,),
    "conversation": (StaffConversationEvent,),
    "desk": (DeskEvent,),
    "note": (NoteEvent,),
    "assigned": (AssignedEvent,),
    "offered": (OfferedEvent,),
    "earlier": (EarlierEvent,),
    "alert": (AlertEvent,),
    "canned": (CannedEvent,),
    "gone": (GoneEvent,),
    "suggestions": (SuggestionsEvent,),
    "transfer_desks": (TransferDesksEvent,),
    "duty": (DutyEvent,),
    "presence": (PresenceEvent,),
}
# Guests and the guest list (issue 14): everybody in the conversation gets `guests`; staff the link.
CLIENT_EVENTS["guests"] = (GuestsEvent,)
STAFF_EVENTS["guests"] = (GuestsEvent,)
STAFF_EVENTS["guest_link"] = (GuestLinkEvent,)
# A guest receives only what is meant for everybody in the conversation (realtime.consumers.GuestConsumer).
GUEST_EVENTS: dict[str, tuple[type, ...]] = {
    "welcome": (GuestWelcome,),
    "conversation": (GuestConversationEvent,),
    "message": (MessageEvent,),
    "ack": (MessageAck,),
    "synced": (SyncedEvent,),
    "typing": (TypingEvent,),
    "guests": (GuestsEvent,),
    "guest_ended": (GuestEndedEvent,),
    "file_link": (FileLinkEvent,),
    "pong": (PongEvent,),
    "error": (ErrorEvent,),
    # A guest is rung and joins calls (issue 14): the call's state, and the signals addressed to them.
    "call": (CallEvent,),
    "call_signal": (CallSignalEvent,),
}
EVENT_TYPES = frozenset(CLIENT_EVENTS) | frozenset(STAFF_EVENTS) | frozenset(GUEST_EVENTS)


# --- Builders ----------------------------------------------------------------------------------


def desk_ref(desk: Desk) -> DeskRef:
    """A desk in an event: its name in every language; each socket sends its reader's as `name` (`localise`)."""
    return {"id": desk.pk, "slug": desk.slug, "name": desk.name, "names": desk_names(desk)}


# Events that never carry a desk: sent as they are (the message path's own events among them).
_WITHOUT_DESKS = frozenset(
    {
        "code",
        "ack",
        "note_ack",
        "typing",
        "receipt",
        "pong",
        "queue",
        "synced",
        "voted",
        "error",
        "desks",
        "desks_changed",
        "file_link",
        "guests",
        "guest_link",
        "guest_ended",
        "call",
        "call_signal",
    }
)


def localise(event: Mapping[str, Any], lang: str) -> Mapping[str, Any]:
    """`event` as one socket's reader sees it: desk names in `lang`.

    Why here and not when the event is built: one broadcast reaches a Swedish
    client and a Finnish and an English counsellor alike, so an event carries
    every name (`DeskRef.names`, a system line's `desk_names`) and each socket
    (realtime.consumers: `send_event`) puts its reader's into `name` (`desk`).
    The event itself is never changed: the same object goes to other sockets.
    """
    kind = event.get("type")
    if kind in _WITHOUT_DESKS:
        return event
    if kind == "message":
        args = event.get("args") or {}
        localised = localised_args(args, lang)
        return event if localised is args else {**event, "args": localised}
    return _localised(event, lang)


def _localised(value: Any, lang: str) -> Any:
    """`value` with every desk reference's (a dict with `names`) `name` in `lang`; the same object if none."""
    if isinstance(value, list):
        items = [_localised(item, lang) for item in value]
        return items if any(new is not old for new, old in zip(items, value, strict=True)) else value
    if not isinstance(value, dict):
        return value
    changed: dict[str, Any] = {}
    names = value.get("names")
    if isinstance(names, dict) and "name" in value and names.get(lang) and names[lang] != value["name"]:
        changed["name"] = names[lang]
    for key, item in value.items():
        if isinstance(item, (dict, list)):
            new = _localised(item, lang)
            if new is not item:
                changed[key] = new
    return {**value, **changed} if changed else value


def transfer_desk(desk: Desk, *, open_now: bool) -> TransferDesk:
    """A transfer target (select_related("organisation") on `desk`)."""
    return {
        **desk_ref(desk),
        "organisation": desk.organisation_id,
        "organisation_name": desk.organisation.name,
        "open": open_now,
    }


def _receipts(conversation: Conversation) -> Receipts:
    return {
        "client": {"delivered": conversation.client_delivered_seq, "read": conversation.client_read_seq},
        "staff": {"delivered": conversation.staff_delivered_seq, "read": conversation.staff_read_seq},
    }


def conversation_state(conversation: Conversation) -> ConversationState:
    """The client's view: staff by public name only."""
    assigned = conversation.assigned_to
    return {
        "id": conversation.pk,
        "desk": desk_ref(conversation.desk),
        "status": conversation.status,  # type: ignore[typeddict-item]  # a Status value
        "nickname": conversation.nickname,
        "assigned": {"name": assigned.public_name} if assigned else None,
        "last_seq": conversation.last_seq,
        "urgent": conversation.urgent,
        "crisis": conversation.crisis_at is not None,
        "outcome": conversation.outcome,
        "closed_by_client": conversation.closed_by_client,
        "queued_at": conversation.queued_at.isoformat() if conversation.queued_at else None,
        "receipts": _receipts(conversation),
        "rated": conversation.feedback_at is not None,
    }


def staff_conversation_state(conversation: Conversation, *, viewer: Staff | None = None) -> StaffConversationState:
    """The staff view; with a `viewer`, also whether that staff member may write (`can_write`).

    Broadcasts go without `can_write`: each staff socket adds its own.
    """
    assigned = conversation.assigned_to
    client_view: dict[str, Any] = dict(conversation_state(conversation))
    del client_view["rated"]  # never to staff (see ConversationState)
    state: StaffConversationState = {
        **client_view,  # type: ignore[typeddict-item]  # assigned is replaced below
        "assigned": {"id": assigned.pk, "name": assigned.public_name} if assigned else None,
        "language": conversation.language,
        "handoff_reason": conversation.handoff_reason,
        "deleted": conversation.deleted_by_client_at is not None,
    }
    if viewer is not None:
        state["can_write"] = conversation.writable_by(viewer.pk)
    return state


def conversation_event(conversation: Conversation) -> ConversationEvent:
    return {"type": "conversation", "conversation": conversation_state(conversation)}


def staff_conversation_event(conversation: Conversation, *, viewer: Staff | None = None) -> StaffConversationEvent:
    return {"type": "conversation", "conversation": staff_conversation_state(conversation, viewer=viewer)}


def message_event(message: Message) -> MessageEvent:
    event: MessageEvent = {
        "type": "message",
        "conversation": message.conversation_id,
        "seq": message.seq,
        "id": message.client_msg_id,
        "sender": message.sender_kind,  # type: ignore[typeddict-item]  # a SenderKind value
        "name": message.sender_name,
        "body": message.body,
        "code": message.code,
        "args": message.args,
        "at": message.created_at.isoformat(),
    }
    if message.sender_kind == SenderKind.BOT:
        # Bot answers are authored Markdown: sent also as sanitised HTML, so that
        # no party needs a Markdown renderer (see bot.markdown).
        from bot.markdown import render_answer

        event["html"] = render_answer(message.body) if message.body else ""
        plain = message.args.get("plain") or ""
        if plain:
            event["plain_html"] = render_answer(plain)
    # Only when read with it (select_related, or linked as it was sent): never a query per line.
    attachment = message._state.fields_cache.get("attachment")
    if attachment is not None:
        event["attachment"] = attachment_info(attachment)
    return event


# --- Attachments (issue 14) ----------------------------------------------------------------------


def attachment_info(attachment: Attachment) -> AttachmentInfo:
    """An attachment as events carry it, without links (each socket signs its own: `with_links`)."""
    return {
        "id": attachment.pk,
        "kind": attachment.kind,  # type: ignore[typeddict-item]  # one of media.kinds.KINDS
        "mime": attachment.mime,
        "size": attachment.size,
        "name": attachment.name,
        "width": attachment.width,
        "height": attachment.height,
        "duration": attachment.duration,
        "url": "",
        # "" until signed for a reader; null when there is no thumbnail (audio, PDF).
        "thumb": "" if attachment.thumb_name else None,
    }


def file_link_event(attachment: Attachment, ref: str | None) -> FileLinkEvent:
    return {
        "type": "file_link",
        "conversation": attachment.conversation_id,
        "attachment": attachment_info(attachment),
        "ref": ref,
    }


def signed_info(attachment: Attachment, peer: str, client_id: int | None = None) -> AttachmentInfo:
    """An attachment with links for one reader (the upload's answer)."""
    event = with_links(
        {"conversation": attachment.conversation_id, "attachment": attachment_info(attachment)}, peer, client_id
    )
    return event["attachment"]


def with_links(event: Mapping[str, Any], peer: str, client_id: int | None = None) -> Mapping[str, Any]:
    """`event` with its attachment's `url` and `thumb` signed for one reader (a new dict; the event is shared).

    The one place links are put into events: realtime.consumers' `send_event`
    calls it for every event it sends, for its own socket's peer.
    """
    info = event.get("attachment")
    if not isinstance(info, dict):
        return event
    conversation_id = int(event["conversation"])

    def link(part: links.Part) -> str:
        return links.sign(links.Link(info["id"], conversation_id, peer, part, client_id))

    signed = {**info, "url": link("file"), "thumb": link("thumb") if info.get("thumb") is not None else None}
    return {**event, "attachment": signed}


def note_event(note: Note) -> NoteEvent:
    return {
        "type": "note",
        "conversation": note.conversation_id,
        "note": {
            "id": note.pk,
            "client_id": note.client_msg_id,
            "author": note.author.public_name if note.author else "",
            "body": note.body,
            "at": note.created_at.isoformat(),
        },
    }


def message_ack(message: Message, ref: str | None) -> MessageAck:
    assert message.client_msg_id is not None
    return {
        "type": "ack",
        "conversation": message.conversation_id,
        "id": message.client_msg_id,
        "seq": message.seq,
        "ref": ref,
    }


def note_ack(note: Note, ref: str | None) -> NoteAck:
    assert note.client_msg_id is not None
    return {"type": "ack", "conversation": note.conversation_id, "id": note.client_msg_id, "note": note.pk, "ref": ref}


def synced_event(conversation: Conversation) -> SyncedEvent:
    return {"type": "synced", "conversation": conversation.pk, "last_seq": conversation.last_seq}


def queue_event(conversation_id: int, position: int, waiting: int, wait_seconds: int | None) -> QueueEvent:
    return {
        "type": "queue",
        "conversation": conversation_id,
        "position": position,
        "waiting": waiting,
        "wait_seconds": wait_seconds,
    }


def receipt_event(conversation_id: int, side: Side, delivered: int, read: int) -> ReceiptEvent:
    return {"type": "receipt", "conversation": conversation_id, "side": side, "delivered": delivered, "read": read}


def typing_event(conversation_id: int, sender: Literal["client", "staff", "guest"], active: bool) -> TypingEvent:
    return {"type": "typing", "conversation": conversation_id, "sender": sender, "active": active}


def voted_event(conversation_id: int, seq: int, helpful: bool) -> VotedEvent:
    return {"type": "voted", "conversation": conversation_id, "seq": seq, "helpful": helpful}


def assigned_event(conversation_id: int) -> AssignedEvent:
    return {"type": "assigned", "conversation": conversation_id}


def offered_event(conversation_id: int, *, returning: bool = False) -> OfferedEvent:
    event: OfferedEvent = {"type": "offered", "conversation": conversation_id}
    if returning:
        event["returning"] = True
    return event


def earlier_event(conversation_id: int, earlier: list[Conversation]) -> EarlierEvent:
    return {
        "type": "earlier",
        "conversation": conversation_id,
        "earlier": [{"id": c.pk, "at": c.created_at.isoformat(), "desk": c.desk.name} for c in earlier],
    }


def crisis_alert(conversation: Conversation, *, fresh: bool) -> AlertEvent:
    return {
        "type": "alert",
        "kind": "crisis",
        "conversation": conversation.pk,
        "desk": desk_ref(conversation.desk),
        "status": conversation.status,  # type: ignore[typeddict-item]  # a Status value
        "nickname": conversation.nickname,
        "assigned": conversation.assigned_to_id,
        "fresh": fresh,
    }


def canned_items(replies: Iterable[CannedReply]) -> list[CannedItem]:
    return [
        {"id": c.pk, "title": c.title, "body": c.body, "desk": c.desk_id, "personal": c.owner_id is not None}
        for c in replies
    ]


def canned_event(replies: Iterable[CannedReply]) -> CannedEvent:
    return {"type": "canned", "canned": canned_items(replies)}


def gone_event(conversation_id: int) -> GoneEvent:
    return {"type": "gone", "conversation": conversation_id}


def suggestions_event(
    conversation_id: int, topics: list[SuggestedTopic], signals: list[CrisisSignal], ref: str | None
) -> SuggestionsEvent:
    return {"type": "suggestions", "conversation": conversation_id, "topics": topics, "signals": signals, "ref": ref}


def transfer_desks_event(desks: list[TransferDesk], ref: str | None) -> TransferDesksEvent:
    return {"type": "transfer_desks", "desks": desks, "ref": ref}


def duty_event(desk_id: int, people: list[tuple[int, str, str]], *, answering: bool) -> DutyEvent:
    """`people`: (staff id, public name, status) of everybody on duty at the desk."""
    return {
        "type": "duty",
        "desk": desk_id,
        "staff": [{"id": pk, "name": name, "status": status} for pk, name, status in people],  # type: ignore[typeddict-item]
        "answering": answering,
    }


def presence_self(status: str, max_conversations: int) -> PresenceSelf:
    return {"status": status, "max_conversations": max_conversations}  # type: ignore[typeddict-item]


def presence_event(status: str, max_conversations: int, ref: str | None) -> PresenceEvent:
    return {"type": "presence", "presence": presence_self(status, max_conversations), "ref": ref}


def done_event(conversation_id: int, frame: Literal["about", "feedback", "delete"], ref: str | None) -> DoneEvent:
    return {"type": "done", "conversation": conversation_id, "frame": frame, "ref": ref}


def deleted_event(conversation_id: int) -> DeletedEvent:
    return {"type": "deleted", "conversation": conversation_id}


def code_event(conversation_id: int, code: str, ref: str | None) -> CodeEvent:
    return {"type": "code", "conversation": conversation_id, "code": code, "ref": ref}


def pong_event(ref: str | None) -> PongEvent:
    return {"type": "pong", "ref": ref}


def error_event(error: ChatError, ref: str | None) -> ErrorEvent:
    event: ErrorEvent = {"type": "error", "code": error.code, "message": error.message, "ref": ref}
    if error.field:
        event["field"] = error.field
    if error.retry_after is not None:
        event["retry_after"] = round(error.retry_after, 2)
    return event


def desks_event(states: list[DeskState], ref: str | None) -> DesksEvent:
    return {"type": "desks", "desks": states, "ref": ref}


def desks_changed_event(waits: dict[str, int | None] | None = None) -> DesksChangedEvent:
    event: DesksChangedEvent = {"type": "desks_changed"}
    if waits is not None:
        event["waits"] = waits
    return event


# --- Guests (issue 14) ---------------------------------------------------------------------------


def guest_info(guest: Guest) -> GuestInfo:
    return {
        "id": guest.pk,
        "role": guest.role,
        "name": guest.name,
        "organisation": guest.organisation,
        "state": guest.state,
    }


def guests_event(conversation_id: int, guests: Iterable[Guest], ref: str | None = None) -> GuestsEvent:
    event: GuestsEvent = {"type": "guests", "conversation": conversation_id, "guests": [guest_info(g) for g in guests]}
    if ref is not None:
        event["ref"] = ref
    return event


def guest_link_event(guest: Guest, url: str, ref: str | None = None) -> GuestLinkEvent:
    assert guest.link_expires_at is not None
    event: GuestLinkEvent = {
        "type": "guest_link",
        "conversation": guest.conversation_id,
        "guest": guest.pk,
        "url": url,
        "expires_at": guest.link_expires_at.isoformat(),
    }
    if ref is not None:
        event["ref"] = ref
    return event


def guest_conversation_event(guest: Guest) -> GuestConversationEvent:
    conversation = guest.conversation
    assigned = conversation.assigned_to
    return {
        "type": "conversation",
        "conversation": {
            "id": conversation.pk,
            "desk": desk_ref(conversation.desk),
            "status": conversation.status,  # type: ignore[typeddict-item]  # a Status value
            "nickname": conversation.nickname,
            "assigned": {"name": assigned.public_name} if assigned else None,
            "last_seq": conversation.last_seq,
            "first_seq": guest.first_seq,
        },
    }


def guest_ended_event(conversation_id: int, reason: Literal["left", "removed", "closed"]) -> GuestEndedEvent:
    return {"type": "guest_ended", "conversation": conversation_id, "reason": reason}


def call_info(call: Call) -> CallInfo:
    return {
        "id": call.pk,
        "media": call.media,  # type: ignore[typeddict-item]  # a CallMedia value
        "state": call.state,  # type: ignore[typeddict-item]  # a CallState value
        "started_by": call.started_by,
        "answered_by": call.answered_by,
        "participants": list(call.participants),
        "relay_only": call.relay_only,
        "rung_at": call.rung_at.isoformat(),
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "end_reason": call.end_reason,
    }


def call_event(conversation_id: int, call: Call | None) -> CallEvent:
    return {"type": "call", "conversation": conversation_id, "call": call_info(call) if call else None}


# A client never sees a staff id (ConversationState): in a call's events a client's socket reads its
# counsellor's peer id as "staff", and a signal it addresses to "staff" goes to the call's staff participant
# (conversations.actions.calls.resolve_peer).
CLIENT_STAFF_PEER = "staff"


def _peer_for_client(peer: str) -> str:
    return CLIENT_STAFF_PEER if peer.startswith("staff:") else peer


def call_event_for_client(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """A `call` or `call_signal` event as a client's socket sends it: staff peer ids without the staff id."""
    if event.get("type") == "call_signal":
        return {**event, "from": _peer_for_client(event["from"])}
    call = event.get("call")
    if event.get("type") == "call" and call:
        started_by, answered_by = _peer_for_client(call["started_by"]), _peer_for_client(call["answered_by"])
        participants = [_peer_for_client(peer) for peer in call["participants"]]
        return {
            **event,
            "call": {**call, "started_by": started_by, "answered_by": answered_by, "participants": participants},
        }
    return event


def call_signal_event(conversation_id: int, call_id: int, sender: str, signal: dict[str, Any]) -> CallSignalEvent:
    return {"type": "call_signal", "conversation": conversation_id, "call": call_id, "from": sender, "signal": signal}
