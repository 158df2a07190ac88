"""The one definition of every inbound frame of the protocol (docs/protocol.md).

Each frame type maps to the fields it accepts. `parse_frame` turns raw text into
a validated dict or raises `ProtocolError` with the code the party receives.
Unknown fields are ignored so that newer clients keep working with older servers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.utils.translation import gettext as _

from conversations.errors import ChatError

Party = Literal["client", "staff"]


class ProtocolError(ChatError):
    """A frame the server refuses before any action runs.

    `ref` is the frame's own `ref` when it could be read, so that even a refused
    frame's error can be matched to it.
    """

    ref: str | None = None


@dataclass(frozen=True)
class Field:
    kind: Literal["str", "int", "bool", "id"]
    required: bool = True
    max_length: int | None = None
    allow_empty: bool = True


CONV = Field("int")
CLIENT_ID = Field("id")

COMMON: dict[str, dict[str, Field]] = {
    "ping": {},
    "resume": {"conversation": CONV, "after": Field("int")},
    "send": {"conversation": CONV, "id": CLIENT_ID, "body": Field("str")},
    "typing": {"conversation": CONV, "active": Field("bool")},
    "seen": {"conversation": CONV, "delivered": Field("int", required=False), "read": Field("int", required=False)},
}

FRAMES: dict[Party, dict[str, dict[str, Field]]] = {
    "client": {
        **COMMON,
        "hello": {
            "token": Field("str", required=False, max_length=128),
            "lang": Field("str", required=False, max_length=5),
        },
        "start": {
            "desk": Field("str", max_length=50, allow_empty=False),
            "nickname": Field("str", required=False, max_length=40),
            "lang": Field("str", required=False, max_length=5),
            "person": Field("bool", required=False),
        },
        "end": {"conversation": CONV},
        "handoff": {"conversation": CONV, "reason": Field("str", required=False, max_length=20)},
        "choose": {"conversation": CONV, "id": CLIENT_ID, "topic": Field("str", max_length=80, allow_empty=False)},
        "vote": {"conversation": CONV, "seq": Field("int"), "helpful": Field("bool")},
    },
    "staff": {
        **COMMON,
        "hello": {"lang": Field("str", required=False, max_length=5)},
        "take": {"conversation": Field("int", required=False), "desk": Field("int", required=False)},
        "note": {"conversation": CONV, "id": CLIENT_ID, "body": Field("str")},
        "transfer": {
            "conversation": CONV,
            "desk": Field("int"),
            "staff": Field("int", required=False),
            "note": Field("str", required=False, max_length=2000),
        },
        "close": {"conversation": CONV, "outcome": Field("str", max_length=20, allow_empty=False)},
        "step_in": {"conversation": CONV},
        "leave": {"conversation": CONV},
    },
}

MAX_INT = 2**31 - 1


def _has_surrogate(value: str) -> bool:
    """A lone surrogate (written as a JSON escape such as \\ud800) is no character.

    It cannot be encoded as UTF-8, so it could be neither stored nor echoed back
    (the reply would fail to encode and the socket would drop).
    """
    return any("\ud800" <= char <= "\udfff" for char in value)


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


def parse_frame(party: Party, text: str | None) -> dict[str, Any]:
    """Validate one inbound frame and return its fields (with `type` and `ref`)."""
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
    if frame_type in ("send", "note"):
        body = parsed["body"]
        if len(body) > settings.CHAT_MAX_MESSAGE_CHARS:
            raise ProtocolError("too_large", _("The message is too long."), field="body")
        if not body.strip():
            raise ProtocolError("bad_message", _("The message is empty."), field="body")
    return parsed


# --- Outbound ------------------------------------------------------------------------
# The fields every server frame carries (docs/protocol.md, "Server frames"). Events
# may carry more (`ref`, `field`, additions that older parties ignore), never less;
# the protocol tests check every frame they receive against this table.

CONVERSATION_FIELDS = frozenset(
    {
        "id",
        "desk",
        "status",
        "nickname",
        "assigned",
        "last_seq",
        "urgent",
        "outcome",
        "closed_by_client",
        "crisis",
        "receipts",
        "queued_at",
    }
)

OUTBOUND: dict[str, frozenset[str]] = {
    "welcome": frozenset({"conversations", "limits"}),
    "conversation": frozenset({"conversation"}),
    "message": frozenset({"conversation", "seq", "id", "sender", "name", "body", "code", "args", "at"}),
    "ack": frozenset({"conversation", "id"}),
    "synced": frozenset({"conversation", "last_seq"}),
    "queue": frozenset({"conversation", "position", "waiting"}),
    "desk": frozenset({"desk", "waiting", "active"}),
    "typing": frozenset({"conversation", "sender", "active"}),
    "receipt": frozenset({"conversation", "side", "delivered", "read"}),
    "note": frozenset({"conversation", "note"}),
    "assigned": frozenset({"conversation"}),
    "offered": frozenset({"conversation"}),
    "alert": frozenset({"conversation", "kind", "desk"}),
    "voted": frozenset({"conversation", "seq", "helpful"}),
    "pong": frozenset(),
    "error": frozenset({"code", "message", "ref"}),
}


def outbound_problems(party: Party, event: dict[str, Any]) -> list[str]:
    """What is wrong with a frame the server sent to `party` (empty when it follows the protocol)."""
    kind = event.get("type")
    if not isinstance(kind, str) or kind not in OUTBOUND:
        return [f"undocumented frame type {kind!r}"]
    problems = [f"{kind} lacks {name}" for name in sorted(OUTBOUND[kind] - set(event))]
    if kind == "welcome":
        needed = {"token"} if party == "client" else {"staff", "desks", "colleagues", "outcomes", "canned"}
        problems += [f"welcome lacks {name}" for name in sorted(needed - set(event))]
    if kind == "conversation":
        state = event.get("conversation") or {}
        problems += [f"conversation state lacks {name}" for name in sorted(CONVERSATION_FIELDS - set(state))]
        assigned = state.get("assigned")
        if party == "client" and isinstance(assigned, dict) and "id" in assigned:
            problems.append("a client was shown a staff id")
        if party == "staff" and "can_write" not in state:
            problems.append("staff conversation state lacks can_write")
    if kind == "ack" and "seq" not in event and "note" not in event:
        problems.append("ack lacks seq (or note)")
    if kind == "error" and event.get("code") == "rate_limited" and "retry_after" not in event:
        problems.append("rate_limited error lacks retry_after")
    if kind == "message" and event.get("sender") == "bot" and "html" not in event:
        problems.append("bot message lacks html")
    if kind in ("assigned", "offered", "desk", "note", "alert") and party == "client":
        problems.append(f"a client was sent a staff-only {kind} frame")
    return problems
