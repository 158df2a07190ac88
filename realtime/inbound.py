"""Every frame a party may send: one type per frame, and the one parser that checks them.

docs/protocol.md ("Client frames", "Staff frames") is the contract;
tests/protocol/test_protocol_doc.py checks that it lists exactly the frames
typed here. Each frame is a TypedDict; a field's type says what the parser
accepts (`int` is a non-negative 32-bit integer, `bool` only true or false),
and `Annotated` adds a maximum length (`Max`), "not blank" (`NotBlank`) or a
client-made id (`ClientId`). `parse_frame` turns raw text into a checked frame
or raises `ProtocolError` with the code the party receives; unknown fields are
ignored, so newer clients keep working with older servers.

The schema checks only the shape of a frame; what it means (a desk that
exists, a body that is not empty once trimmed and not too long, an outcome
from the list) is checked once, by the action that uses it, which also serves
callers that do not come through the protocol.
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired, TypedDict, Union, get_args, get_origin, get_type_hints

from django.conf import settings
from django.utils.translation import gettext as _

from conversations.errors import ChatError

# "guest": a conversation's third participant, an interpreter or another professional (issue 14).
Party = Literal["client", "staff", "guest"]


class ProtocolError(ChatError):
    """A frame the server refuses before any action runs.

    `ref` is the frame's own `ref` when it could be read, so that even a refused
    frame's error can be matched to it.
    """

    ref: str | None = None


@dataclass(frozen=True)
class Max:
    """At most this many characters."""

    length: int


@dataclass(frozen=True)
class NotBlank:
    """Not empty, and not only white space."""


@dataclass(frozen=True)
class ClientId:
    """A client-made id: 1-64 printable characters."""


ConversationId = int
Lang = Annotated[str, Max(5)]


class Frame(TypedDict):
    ref: str | None


# --- Both parties ---------------------------------------------------------------------------------


class Ping(Frame):
    type: Literal["ping"]


class Resume(Frame):
    type: Literal["resume"]
    conversation: ConversationId
    after: int


class Send(Frame):
    type: Literal["send"]
    conversation: ConversationId
    id: Annotated[str, ClientId()]
    body: str
    # An uploaded file to send with the line (issue 14): the body is then its caption and may be empty.
    attachment: NotRequired[int | None]


class Typing(Frame):
    type: Literal["typing"]
    conversation: ConversationId
    active: bool


class Seen(Frame):
    type: Literal["seen"]
    conversation: ConversationId
    delivered: NotRequired[int | None]
    read: NotRequired[int | None]


class FileLink(Frame):
    """Fresh links to a sent file whose links expired (issue 14; conversations.actions.attachments)."""

    type: Literal["file_link"]
    conversation: ConversationId
    attachment: int


# --- Client ---------------------------------------------------------------------------------------


class ClientHello(Frame):
    type: Literal["hello"]
    token: NotRequired[Annotated[str, Max(128)] | None]
    lang: NotRequired[Lang | None]


class Start(Frame):
    type: Literal["start"]
    desk: Annotated[str, Max(50), NotBlank()]
    nickname: NotRequired[Annotated[str, Max(settings.CHAT_MAX_NICKNAME_CHARS)] | None]
    lang: NotRequired[Lang | None]
    person: NotRequired[bool | None]
    # Offer the conversation first to the client's earlier counsellor at this desk (issue 13, item 5).
    same_counsellor: NotRequired[bool | None]


class End(Frame):
    type: Literal["end"]
    conversation: ConversationId


class Handoff(Frame):
    type: Literal["handoff"]
    conversation: ConversationId
    reason: NotRequired[Annotated[str, Max(20)] | None]
    # A message sent to the live queue: offer it first to the earlier counsellor (as on `start`).
    same_counsellor: NotRequired[bool | None]


class Choose(Frame):
    type: Literal["choose"]
    conversation: ConversationId
    id: Annotated[str, ClientId()]
    topic: Annotated[str, Max(80), NotBlank()]


class Vote(Frame):
    type: Literal["vote"]
    conversation: ConversationId
    seq: int
    helpful: bool


class About(Frame):
    """The client's optional answers about themselves (stats.client_answers): any may be left out."""

    type: Literal["about"]
    conversation: ConversationId
    age_group: NotRequired[Annotated[str, Max(20)] | None]
    municipality: NotRequired[Annotated[str, Max(5)] | None]


class FeedbackFrame(Frame):
    """The client's feedback on their ended conversation (stats.feedback): rating 1-5, got help, a comment."""

    type: Literal["feedback"]
    conversation: ConversationId
    rating: NotRequired[int | None]
    helped: NotRequired[bool | None]
    # The action's limit is FEEDBACK_MAX_COMMENT_CHARS; the frame's own size limit bounds it here.
    comment: NotRequired[str | None]


class Delete(Frame):
    """The client deletes their conversation at once (conversations.actions.deletion)."""

    type: Literal["delete"]
    conversation: ConversationId


class DesksFrame(Frame):
    """The start page asks for the desks' state now; the socket then follows `desks_changed`."""

    type: Literal["desks"]


class ResumeCode(Frame):
    """The client types a conversation code (conversations.actions.codes) to come back to a conversation."""

    type: Literal["resume_code"]
    code: Annotated[str, Max(200), NotBlank()]


class LeaveMessage(Frame):
    """The client leaves a message for a desk, open or closed (conversations.actions.offline)."""

    type: Literal["leave_message"]
    desk: Annotated[str, Max(50), NotBlank()]
    id: Annotated[str, ClientId()]
    body: str
    nickname: NotRequired[Annotated[str, Max(settings.CHAT_MAX_NICKNAME_CHARS)] | None]
    lang: NotRequired[Lang | None]


class NewCode(Frame):
    """The client asks for a code for their conversation (a new code replaces the old)."""

    type: Literal["new_code"]
    conversation: ConversationId


# --- Calls (issue 14, item 2): every party in a conversation adds CALL_FRAMES to its FRAME_TYPES ----


class CallStart(Frame):
    """Ring the other side of the conversation (conversations.actions.calls.do_start_call)."""

    type: Literal["call_start"]
    conversation: ConversationId
    media: Annotated[str, Max(5), NotBlank()]


class CallAnswer(Frame):
    type: Literal["call_answer"]
    conversation: ConversationId
    call: int
    accept: bool


class CallSignal(Frame):
    """A WebRTC signal for one peer of the call: `signal` is {sdp: {type, sdp}} or {candidate: {...}}.

    Its inside is checked by the action (conversations.actions.calls.clean_signal);
    the frame's size limit bounds it here.
    """

    type: Literal["call_signal"]
    conversation: ConversationId
    call: int
    to: Annotated[str, Max(40), NotBlank()]
    signal: dict[str, Any]


class CallEndFrame(Frame):
    """Hang up; `lost`: the browser's connection failed (the call ends as lost)."""

    type: Literal["call_end"]
    conversation: ConversationId
    call: int
    lost: NotRequired[bool | None]


CALL_FRAMES: tuple[type, ...] = (CallStart, CallAnswer, CallSignal, CallEndFrame)


# --- Staff ----------------------------------------------------------------------------------------


class StaffHello(Frame):
    type: Literal["hello"]
    lang: NotRequired[Lang | None]


class Take(Frame):
    type: Literal["take"]
    conversation: NotRequired[int | None]
    desk: NotRequired[int | None]


class NoteFrame(Frame):
    type: Literal["note"]
    conversation: ConversationId
    id: Annotated[str, ClientId()]
    body: str


class TransferFrame(Frame):
    type: Literal["transfer"]
    conversation: ConversationId
    desk: int
    staff: NotRequired[int | None]
    note: NotRequired[Annotated[str, Max(2000)] | None]
    # To another organisation's desk: whether the private notes go along (default: they stay).
    share_notes: NotRequired[bool]


class Close(Frame):
    type: Literal["close"]
    conversation: ConversationId
    outcome: Annotated[str, Max(20), NotBlank()]


class StepIn(Frame):
    type: Literal["step_in"]
    conversation: ConversationId


class Leave(Frame):
    type: Literal["leave"]
    conversation: ConversationId


class SuggestFrame(Frame):
    """The chatbot's topics and the crisis signs for the client's latest lines (conversations.actions.suggestions)."""

    type: Literal["suggest"]
    conversation: ConversationId


class TransferDesksFrame(Frame):
    """The desks a conversation may be transferred to, as they are now (open or closed by their hours)."""

    type: Literal["transfer_desks"]


class PresenceFrame(Frame):
    """One's own status (available, busy = no new conversations, away) and, optionally, one's limit
    of simultaneous conversations (conversations.actions.duty.do_set_presence)."""

    type: Literal["presence"]
    status: Annotated[str, Max(10)]
    max_conversations: NotRequired[int]


_COMMON: tuple[type, ...] = (Ping, Resume, Send, Typing, Seen, FileLink)
# --- Guests: a conversation's third participant (issue 14; conversations.actions.guests) ------------


class GuestConsent(Frame):
    """(client) The client's answer to an invited guest: only a yes gives the counsellor the link."""

    type: Literal["guest_consent"]
    conversation: ConversationId
    guest: int
    accept: bool


class InviteGuest(Frame):
    """(staff) The counsellor invites an interpreter or another professional; the client is asked first."""

    type: Literal["invite_guest"]
    conversation: ConversationId
    role: Annotated[str, Max(30), NotBlank()]
    name: Annotated[str, Max(60), NotBlank()]
    organisation: NotRequired[Annotated[str, Max(100)] | None]


class RemoveGuest(Frame):
    """(staff) The counsellor removes a guest, or withdraws an invitation."""

    type: Literal["remove_guest"]
    conversation: ConversationId
    guest: int


class GuestLinkFrame(Frame):
    """(staff) A fresh one-time link for a consented guest who has not joined yet."""

    type: Literal["guest_link"]
    conversation: ConversationId
    guest: int


class GuestHello(Frame):
    """(guest) The guest's socket starts: who they are comes from the session their link set."""

    type: Literal["hello"]
    lang: NotRequired[Lang | None]


class GuestLeave(Frame):
    """(guest) The guest leaves the conversation for good."""

    type: Literal["leave"]
    conversation: ConversationId


# The call frames a guest may send (issue 14, item 2): the calls' frame types go here, one line.
GUEST_CALL_FRAMES: tuple[type, ...] = CALL_FRAMES


FRAME_TYPES: dict[Party, tuple[type, ...]] = {
    "client": (
        *_COMMON,
        ClientHello,
        Start,
        End,
        Handoff,
        Choose,
        Vote,
        About,
        FeedbackFrame,
        Delete,
        ResumeCode,
        NewCode,
        LeaveMessage,
        DesksFrame,
        GuestConsent,
        *CALL_FRAMES,
    ),
    "staff": (
        *_COMMON,
        StaffHello,
        Take,
        NoteFrame,
        TransferFrame,
        TransferDesksFrame,
        Close,
        StepIn,
        Leave,
        SuggestFrame,
        PresenceFrame,
        InviteGuest,
        RemoveGuest,
        GuestLinkFrame,
        *CALL_FRAMES,
    ),
    # A guest: no `seen` (nobody is shown a guest's receipts), and `leave` ends their part.
    "guest": (Ping, Resume, Send, Typing, FileLink, GuestHello, GuestLeave, *GUEST_CALL_FRAMES),
}

ClientFrame = Union[  # noqa: UP007
    Ping,
    Resume,
    Send,
    Typing,
    Seen,
    FileLink,
    ClientHello,
    Start,
    End,
    Handoff,
    Choose,
    Vote,
    About,
    FeedbackFrame,
    Delete,
    DesksFrame,
    ResumeCode,
    NewCode,
    LeaveMessage,
    GuestConsent,
    CallStart,
    CallAnswer,
    CallSignal,
    CallEndFrame,
]
StaffFrame = Union[  # noqa: UP007
    Ping,
    Resume,
    Send,
    Typing,
    Seen,
    FileLink,
    StaffHello,
    Take,
    NoteFrame,
    TransferFrame,
    TransferDesksFrame,
    Close,
    StepIn,
    Leave,
    SuggestFrame,
    PresenceFrame,
    InviteGuest,
    RemoveGuest,
    GuestLinkFrame,
    CallStart,
    CallAnswer,
    CallSignal,
    CallEndFrame,
]
GuestFrame = Union[  # noqa: UP007
    Ping, Resume, Send, Typing, GuestHello, GuestLeave, CallStart, CallAnswer, CallSignal, CallEndFrame
]


# --- The parser -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field's check, read from its type hint."""

    kind: Literal["str", "int", "bool", "id", "object"]
    required: bool = True
    max_length: int | None = None
    allow_empty: bool = True


def _field(hint: Any, required: bool) -> Field:
    is_union = get_origin(hint) in (Union, types.UnionType)
    options = [arg for arg in get_args(hint) if arg is not type(None)] if is_union else [hint]
    (hint,) = options
    extras: tuple[Any, ...] = ()
    if get_origin(hint) is Annotated:
        hint, *rest = get_args(hint)
        extras = tuple(rest)
    if hint is dict or get_origin(hint) is dict:
        # A JSON object (a call's signal): its inside is the action's to check; the frame's size bounds it.
        return Field(kind="object", required=required)
    kind: Literal["str", "int", "bool", "id", "object"] = {str: "str", int: "int", bool: "bool"}[hint]  # type: ignore[assignment]
    if any(isinstance(e, ClientId) for e in extras):
        kind = "id"
    return Field(
        kind=kind,
        required=required,
        max_length=next((e.length for e in extras if isinstance(e, Max)), None),
        allow_empty=not any(isinstance(e, NotBlank) for e in extras),
    )


def _fields_of(frame: type) -> tuple[str, dict[str, Field]]:
    hints = get_type_hints(frame, include_extras=True)
    (name,) = get_args(hints.pop("type"))
    hints.pop("ref")
    # NotRequired is read from the hint: with postponed annotations, __required_keys__ cannot see it.
    return name, {
        field: _field(get_args(hint)[0], False) if get_origin(hint) is NotRequired else _field(hint, True)
        for field, hint in hints.items()
    }


# Each frame type of each party and its fields' checks, read once from the types above.
FRAMES: dict[Party, dict[str, dict[str, Field]]] = {
    party: dict(_fields_of(frame) for frame in frames) for party, frames in FRAME_TYPES.items()
}


MAX_INT = 2**31 - 1


def _has_surrogate(value: str) -> bool:
    """A lone surrogate (written as a JSON escape such as \\ud800) is no character.

    It cannot be encoded as UTF-8, so it could be neither stored nor echoed back
    (the reply would fail to encode and the socket would drop).
    """
    return any("\ud800" <= char <= "\udfff" for char in value)


def _texts_in(value: Any) -> list[str]:
    """Every key and string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (str(key), *_texts_in(item))]
    if isinstance(value, list):
        return [text for item in value for text in _texts_in(item)]
    return []


def _check_field(name: str, spec: Field, value: Any) -> Any:
    bad = ProtocolError("bad_message", _("The field “%(field)s” is not valid.") % {"field": name}, field=name)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if spec.kind == "int":
        # bool is an int in Python; a protocol integer is not.
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
            raise bad
        return value
    if spec.kind == "object":
        # The same rule as for text (no NUL, no lone surrogate) for every key and string inside.
        if not isinstance(value, dict) or any("\x00" in text or _has_surrogate(text) for text in _texts_in(value)):
            raise bad
        return value
    if spec.kind == "id":
        if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable():
            raise bad
        return value
    if not isinstance(value, str):
        raise bad
    if "\x00" in value or _has_surrogate(value):
        raise bad
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ProtocolError("too_large", _("“%(field)s” is too long.") % {"field": name}, field=name)
    if not spec.allow_empty and not value.strip():
        raise ProtocolError("bad_message", _("“%(field)s” cannot be empty.") % {"field": name}, field=name)
    return value


def parse_frame(party: Party, text: str | None) -> Any:
    """Validate one inbound frame and return it (a ClientFrame or a StaffFrame, by `party`)."""
    if text is None:
        raise ProtocolError("bad_json", _("Only text frames with JSON are accepted."))
    if len(text.encode("utf-8", "surrogatepass")) > settings.CHAT_MAX_FRAME_BYTES:
        raise ProtocolError("too_large", _("The message is too large."))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", _("The frame is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_json", _("The frame must be a JSON object."))
    ref = data.get("ref")
    if ref is not None and (not isinstance(ref, str) or len(ref) > 64 or _has_surrogate(ref)):
        raise ProtocolError("bad_message", _("The field “%(field)s” is not valid.") % {"field": "ref"}, field="ref")
    try:
        return _parse_fields(party, data, ref)
    except ProtocolError as error:
        error.ref = ref
        raise


def _parse_fields(party: Party, data: dict[str, Any], ref: str | None) -> dict[str, Any]:
    frame_type = data.get("type")
    fields = FRAMES[party].get(frame_type) if isinstance(frame_type, str) else None
    if fields is None:
        raise ProtocolError("unknown_type", _("Unknown message type."))
    parsed: dict[str, Any] = {"type": frame_type, "ref": ref}
    for name, spec in fields.items():
        if name not in data or data[name] is None:
            if spec.required:
                raise ProtocolError("bad_message", _("The field “%(field)s” is missing.") % {"field": name}, field=name)
            parsed[name] = None
            continue
        parsed[name] = _check_field(name, spec, data[name])
    return parsed
