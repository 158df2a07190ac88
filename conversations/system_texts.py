"""The one home of the texts of system lines (docs/protocol.md: `message` with
`sender` "system", a `code` and `args`).

The server stores only the code and its args; each page shows the line in its
reader's language. A client and a counsellor read the same event in different
words ("You ended the chat." / "The client left the chat."), so there is one map
per audience. Placeholders are Python's %(name)s (gettext checks them); the
pages get the map in their JSON config and fill it in with one shared function
(static/kohtaamo/text.js: systemText).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy

Audience = Literal["client", "staff"]

# The codes of docs/protocol.md; a page shows an unknown code's body instead.
CODES = (
    "started",
    "joined",
    "transferred",
    "handed_off",
    "requeued",
    "closed",
    "client_left",
    "left_message",
    "same_offered",
    "same_not_on_duty",
    # A third participant (conversations.actions.guests): args `name`, `role` (with `role_names`).
    "guest_joined",
    "guest_left",
    "guest_removed",
    # Calls (conversations.actions.calls): the same words for both sides.
    "call_started_audio",
    "call_started_video",
    "call_declined",
    "call_missed",
    "call_cancelled",
    "call_ended",
    "call_lost",
    # A guest joined or left a call (conversations.actions.calls.leave_call): args as the guest lines'.
    "call_guest_joined",
    "call_guest_left",
)

# A call's lines read alike to everybody in it; `length` is "m:ss" (conversations.actions.calls.call_length).
CALL_TEXTS: dict[str, Promise] = {
    "call_started_audio": pgettext_lazy("system line about a call", "Voice call started."),
    "call_started_video": pgettext_lazy("system line about a call", "Video call started."),
    "call_declined": pgettext_lazy("system line about a call", "The call was declined."),
    "call_missed": pgettext_lazy("system line about a call", "Nobody answered the call."),
    "call_cancelled": pgettext_lazy("system line about a call", "The call was cancelled."),
    "call_ended": pgettext_lazy("system line about a call", "The call ended. It lasted %(length)s."),
    "call_lost": pgettext_lazy("system line about a call", "The call was cut off. It lasted %(length)s."),
    "call_guest_joined": pgettext_lazy("system line about a call", "%(name)s (%(role)s) joined the call."),
    "call_guest_left": pgettext_lazy("system line about a call", "%(name)s (%(role)s) left the call."),
}

CLIENT: dict[str, Promise] = {
    "started": pgettext_lazy("system line for the client", "You started a chat: %(desk)s."),
    "joined": pgettext_lazy("system line for the client", "%(name)s joined the chat."),
    "transferred": pgettext_lazy(
        "system line for the client",
        "Your chat was moved to %(desk)s. Please wait, someone there will answer you.",
    ),
    "handed_off": pgettext_lazy(
        "system line for the client",
        "You are now in the queue for %(desk)s. A person will answer you as soon as they can.",
    ),
    "requeued": pgettext_lazy(
        "system line for the client",
        "The person who answered you had to leave the chat. You are back in the queue: someone else will answer you.",
    ),
    "closed": pgettext_lazy("system line for the client", "The chat has ended."),
    "client_left": pgettext_lazy("system line for the client", "You ended the chat."),
    "left_message": pgettext_lazy(
        "system line for the client", "You left a message for %(desk)s. A counsellor will answer you here."
    ),
    "same_offered": pgettext_lazy(
        "system line for the client", "You asked for %(name)s. Your chat goes to them first. Please wait."
    ),
    "same_not_on_duty": pgettext_lazy(
        "system line for the client",
        "%(name)s is not working right now. You are in the queue: the next person free will answer you.",
    ),
    "guest_joined": pgettext_lazy("system line for the client", "%(name)s (%(role)s) joined the chat."),
    "guest_left": pgettext_lazy("system line for the client", "%(name)s (%(role)s) left the chat."),
    "guest_removed": pgettext_lazy("system line for the client", "%(name)s (%(role)s) is no longer in the chat."),
}

STAFF: dict[str, Promise] = {
    "started": pgettext_lazy("system line for staff", "The conversation started at %(desk)s."),
    "joined": pgettext_lazy("system line for staff", "%(name)s joined the conversation."),
    "transferred": pgettext_lazy("system line for staff", "The conversation was transferred to %(desk)s."),
    "handed_off": pgettext_lazy("system line for staff", "Handed over from the chatbot to %(desk)s."),
    "requeued": pgettext_lazy(
        "system line for staff", "Back in the queue: the counsellor no longer has access to this desk."
    ),
    "closed": pgettext_lazy("system line for staff", "The conversation was closed."),
    "client_left": pgettext_lazy("system line for staff", "The client left the chat."),
    "left_message": pgettext_lazy("system line for staff", "The client left a message for %(desk)s."),
    "same_offered": pgettext_lazy(
        "system line for staff", "The client asked for %(name)s again: offered to them first."
    ),
    "same_not_on_duty": pgettext_lazy(
        "system line for staff", "The client asked for %(name)s again, who was not on duty: queued for anyone."
    ),
    "guest_joined": pgettext_lazy("system line for staff", "%(name)s (%(role)s) joined the conversation."),
    "guest_left": pgettext_lazy("system line for staff", "%(name)s (%(role)s) left the conversation."),
    "guest_removed": pgettext_lazy("system line for staff", "%(name)s (%(role)s) was removed from the conversation."),
}


CLIENT.update(CALL_TEXTS)
STAFF.update(CALL_TEXTS)


def system_texts(audience: Audience) -> dict[str, str]:
    """Every system line's text for `audience`, in the active language, ready for json_script."""
    texts = CLIENT if audience == "client" else STAFF
    return {code: str(texts[code]) for code in CODES}


def system_line(audience: Audience, code: str, args: dict[str, object], body: str = "") -> str:
    """One system line's text for `audience` in the active language: what the pages' systemText does.

    For pages rendered on the server (the console's history). A code without a
    text, or args that do not fill it, show the stored body instead.
    """
    texts = CLIENT if audience == "client" else STAFF
    text = texts.get(code)
    if text is None:
        return body
    try:
        return str(text) % localised_args(args, (get_language() or "fi")[:2])
    except (KeyError, TypeError, ValueError):
        return body


def localised_args(args: Mapping[str, Any], lang: str) -> Mapping[str, Any]:
    """A system line's args with the desk named in `lang` (its stored `desk_names`), else as stored.

    A line names the desk in the client's language when it is written and keeps
    every language's name beside it (`transcript.desk_args`), so each reader,
    live (`outbound.localise`) or later (`system_line`), reads their own.
    """
    names = args.get("desk_names")
    if isinstance(names, dict) and names.get(lang):
        args = {**args, "desk": names[lang]}
    # A guest's role (conversations.actions.guests) is kept in every language the same way.
    roles = args.get("role_names")
    if isinstance(roles, dict) and roles.get(lang):
        args = {**args, "role": roles[lang]}
    return args
