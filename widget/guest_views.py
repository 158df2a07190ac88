"""The pages of a conversation's guest: an interpreter or another professional (issue 14, item 3).

`/g/<token>/` is the one-time link the counsellor passes on. Opening it shows
whom it is for and a "Join" button; only the button (a POST) redeems it, so a
link preview or a virus scanner that fetches the address cannot use it up. The
guest's id then lives in their session and the browser goes on to `/guest/`, a
token-less address: the link in the address bar and the history is dead.
`/guest/` is the guest's chat while they are in the conversation, and
afterwards only "You are no longer in this conversation" (the rules:
conversations.actions.guests and access.current_guest).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from calls.texts import call_texts
from conversations.actions.access import GuestGone, current_guest
from conversations.actions.guests import (
    GUEST_SESSION_KEY,
    GuestLinkError,
    check_guest_link,
    do_redeem_guest_link,
    guest_of_session,
    guest_role_names,
)
from conversations.attachment_texts import attachment_config, attachment_texts
from conversations.models import Guest
from conversations.system_texts import system_texts
from widget.views import _notice_context


def _link_refused(request: HttpRequest, reason: str) -> HttpResponse:
    """A link that does not work, said plainly: used, expired, or the conversation is over."""
    context = _notice_context(request)  # first: it sets the language asked for
    texts = {
        "used": _("This link has already been used, or it is not valid. Ask the counsellor for a new link."),
        "expired": _("This link has expired. Ask the counsellor for a new link."),
        "closed": _("The conversation this link was for is no longer open."),
    }
    context["notice"] = texts.get(reason, texts["used"])
    return render(request, "widget/guest_notice.html", context, status=410)


def _guest_texts() -> dict[str, str]:
    """The texts the guest page's script shows, in the request's language."""
    return {
        "you": _("You"),
        "counsellor": _("Counsellor"),
        "client": _("Client"),
        "bot": _("Chatbot"),
        "typing": _("%(name)s is writing…"),
        "typingAnon": _("Someone is writing…"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Connection lost. Trying again…"),
        "trouble": _("The service is having a problem. Your message is kept and sent when it works again."),
        "gone": _("You are no longer in this conversation."),
        "left": _("You left the conversation."),
        "leaveConfirm": _("Leave the conversation? You cannot come back with the same link."),
        "alsoHere": _("Also here: %(names)s"),
        "notSent": _("Not sent: %(reason)s"),
    }


@require_http_methods(["GET", "POST"])
def guest_link_page(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link: GET says whom it is for, POST redeems it and goes on to `/guest/`."""
    try:
        guest = do_redeem_guest_link(token) if request.method == "POST" else check_guest_link(token)
    except GuestLinkError as refused:
        return _link_refused(request, refused.reason)
    if request.method == "POST":
        # A new session id for the guest (no fixation), then their id in it.
        request.session.cycle_key()
        request.session[GUEST_SESSION_KEY] = guest.pk
        return redirect("widget:guest")
    context = {**_notice_context(request), "guest": guest}
    return render(request, "widget/guest_join.html", context)


@require_GET
def guest_page(request: HttpRequest) -> HttpResponse:
    """The guest's chat while they are in the conversation; afterwards nothing of it."""
    guest_id = guest_of_session(request.session)
    guest: Guest | None
    try:
        guest = current_guest(guest_id)
    except GuestGone:
        guest = None
    if guest is None:
        refused = _notice_context(request)  # first: it sets the language asked for
        if guest_id is not None:
            del request.session[GUEST_SESSION_KEY]  # the session no longer stands for the guest
        notice = (
            _("You are no longer in this conversation.")
            if guest_id is not None
            else _("This page opens only with an invitation link from a counsellor.")
        )
        refused["notice"] = notice
        return render(request, "widget/guest_notice.html", refused, status=403)
    context: dict[str, Any] = {
        **_notice_context(request),
        "guest": guest,
        "config": {
            "wsPath": "/ws/guest/",
            "conversation": guest.conversation_id,
            "maxMessageChars": settings.CHAT_MAX_MESSAGE_CHARS,
            # The lines as staff read them (in the third person: "The client left the chat.").
            "systemTexts": system_texts("staff"),
            "guestRoles": guest_role_names(),
            # The files sent after the guest joined (static/kohtaamo/attachments.js draws them).
            **attachment_config(),
            # The call panel (static/kohtaamo/call.js): a guest joins a call ringing or going on.
            "callTexts": call_texts(),
        },
        "texts": {**_guest_texts(), **attachment_texts()},
    }
    return render(request, "widget/guest.html", context)
