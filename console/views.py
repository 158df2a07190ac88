"""The staff console: one page whose script speaks the real-time protocol
(docs/protocol.md), and the management of canned replies.

Views only parse, authorise and delegate: the rules of canned replies live in
desks.actions.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Staff
from bot.cache import get_bot
from calls.texts import call_texts
from console.forms import CannedReplyForm
from conversations.actions.canned import (
    canned_replies_for,
    check_may_manage_canned,
    do_create_canned_reply,
    do_delete_canned_reply,
    do_update_canned_reply,
    get_canned_reply_for_edit,
    may_edit_canned,
    shared_reply_desks,
)
from conversations.actions.guests import guest_role_names
from conversations.attachment_texts import attachment_config, attachment_texts
from conversations.models import GuestRole
from conversations.system_texts import system_texts
from desks.models import CannedReply
from stats.records import overdue_count

logger = logging.getLogger(__name__)


def chat_staff(request: HttpRequest) -> Staff:
    """The logged-in staff member, if their role answers conversations; else 403."""
    staff = request.user
    if not isinstance(staff, Staff):
        raise PermissionDenied
    check_may_manage_canned(staff)
    return staff


def console_strings() -> dict[str, str]:
    """Every text the console script shows, translated here so that the script has none of its own.

    Placeholders are written {name} and filled in by the script.
    """
    return {
        "connecting": _("Connecting…"),
        # Presence and duty (console/static/console/duty.js).
        "presence_available": _("available"),
        "presence_busy": _("busy"),
        "presence_away": _("away"),
        "presenceNow": _("Your status: {status}."),
        "presenceSaved": _("Your status was saved."),
        "dutyPerson": _("{name} ({status})"),
        "onDuty": _("On duty: {people}."),
        "nobodyOnDuty": _("Nobody on duty."),
        "notAnswering": _("Clients are told that nobody can answer right now."),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "busy": _("The service is very busy right now. Trying again…"),
        "retryIn": _("next try in {seconds} s"),
        "offline": _("No network connection. Waiting for it to come back…"),
        "sessionEnded": _("Your session has ended. Log in again to continue."),
        "forbiddenRole": _("Your role does not answer conversations."),
        "anonymous": _("Anonymous"),
        "urgent": _("Urgent"),
        "transferred": _("Transferred"),
        "forYou": _("For you"),
        "forColleague": _("For {name}"),
        "aColleague": _("a colleague"),
        "take": _("Take"),
        "takeNext": _("Take next"),
        "waitingTime": _("Waiting time"),
        "waitingHeading": _("Waiting"),
        "activeHeading": _("In progress"),
        "waitingCount": _("{count} waiting"),
        "nobodyWaiting": _("Nobody is waiting."),
        "noActive": _("No conversations in progress."),
        # The desk's inbox: messages left when nobody answered live (conversations.actions.offline).
        "inboxHeading": _("Messages"),
        "answerMessage": _("Reply"),
        "messageWaits": _("Waiting for an answer"),
        "messageAnswered": _("Answered"),
        "statusMessage": _("Message"),
        "backToInbox": _("Back to messages"),
        "noDesks": _("You are not on duty at any desk."),
        "withName": _("with {name}"),
        "withNobody": _("not assigned"),
        "newClient": _("A new client is waiting at {desk}."),
        "offered": _("A colleague passed a conversation to you. It is waiting in the queue."),
        "offeredReturning": _(
            "A client you talked with before asked for you. Their chat is waiting for you in the queue."
        ),
        "earlierLink": _("{date} at {desk}"),
        "unread": _("{count} unread"),
        "noConversations": _("No open conversations. Take one from a queue."),
        "sysOther": _("System message"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "delivered": _("Delivered"),
        "read": _("Read"),
        "typing": _("{name} is typing…"),
        "statusQueued": _("Waiting in the queue"),
        "statusActive": _("In progress"),
        "statusClosed": _("Closed"),
        "closedByClient": _("The client ended the chat. Record the outcome to finish."),
        "closedOutcome": _("Closed. Outcome: {outcome}"),
        "watching": _("Watching"),
        "stopWatching": _("Stop watching"),
        "removeFromList": _("Remove from list"),
        "watchingHelp": _("You are watching this conversation. The client does not see you."),
        "takenOver": _("{name} is now answering this conversation."),
        "movedAway": _("The conversation moved to the queue of {desk}."),
        "transferDone": _("The conversation was transferred to {desk}."),
        "convGone": _("A conversation was removed from your list: you no longer have access to it."),
        "desksChanged": _("Your desks have changed. The queues show the desks you work at now."),
        "closeDone": _("The conversation was closed."),
        "convDeleted": _("The client deleted this conversation. Its messages are gone."),
        "saving": _("Saving…"),
        "newMessage": _("New message from {name}."),
        "anyone": _("Anyone at the desk"),
        "noLive": _("No conversations in progress at your desks."),
        "watch": _("Watch"),
        "open": _("Open"),
        "stepIn": _("Step in"),
        "recordOutcome": _("Record outcome…"),
        "close": _("Close…"),
        "chooseOutcome": _("Choose an outcome."),
        "chooseDesk": _("Choose a desk."),
        "cannedMine": _("My replies"),
        "cannedShared": _("Shared: {desk}"),
        "cannedNone": _("No canned replies"),
        # Canned replies found by "/" (canned.js), the queue's preview, notifications, the transfer dialog.
        "cannedListLabel": _("Canned replies"),
        "cannedHelp": _("Canned replies: arrow keys choose, Enter puts the reply in, Escape closes."),
        "cannedNoMatch": _("No canned reply matches."),
        "previewLabel": _("First words:"),
        "botTopics": _("Chatbot topics: {topics}"),
        "notifyGranted": _("System notifications are on in this browser."),
        "notifyDenied": _("System notifications are blocked in this browser's settings."),
        "notifyDefault": _("System notifications are not allowed yet."),
        "notifyUnsupported": _("This browser cannot show system notifications."),
        "deskClosedNow": _("closed now"),
        "otherOrganisation": _("another organisation: {organisation}"),
        "tooLong": _("The message is too long ({count}/{max} characters)."),
        "errorPrefix": _("Could not do that: {message}"),
        "retrying": _("Sending again in {seconds} s."),
        "notConnected": _("Not connected right now. Try again when the connection is back."),
        # The chatbot part of a conversation, hand-offs and crisis alerts.
        "statusBot": _("With the chatbot"),
        "bot": _("Chatbot"),
        "botGreeting": _("greeting"),
        "botNotSure": _("not sure"),
        "botCrisis": _("crisis guidance"),
        "botDeskClosed": _("desk closed"),
        "botConfidence": _("confidence {percent}"),
        "showAll": _("Show all"),
        "showLess": _("Show less"),
        "botSuggested": _("Suggested topics: {topics}"),
        "botOfferedPerson": _("The chatbot offered a person."),
        "votedHelpful": _("The client found this answer helpful."),
        "votedNotHelpful": _("The client found this answer not helpful."),
        "handoffDirect": _("Chose a person at the start"),
        "handoffAsked": _("Asked for a person"),
        "handoffBotUnsure": _("The chatbot was not sure"),
        "handoffCrisis": _("Possible crisis"),
        "handoffBanner": _("Came through the chatbot: {reason}."),
        "crisis": _("Possible crisis"),
        "crisisAlert": _("Possible crisis: {name} at {desk}"),
        "crisisAlertWith": _("Possible crisis: {name} at {desk}, with {counsellor}"),
        "crisisAlertYours": _("Possible crisis in your conversation with {name} at {desk}"),
        # Alerts from new conversations whose only message raised the flag share one banner.
        "crisisAlertGroup": _("New conversations flagged as a possible crisis by their first message: {count}"),
        "openFirst": _("Open the first"),
        "aClient": _("A client"),
        # Not the project-wide "Dismiss" (fi "Hylkää"): this one only hides the banner.
        "dismiss": pgettext("crisis alert", "Dismiss"),
        # Suggestions while chatting (suggestions.js): the chatbot's topics and the crisis signs.
        "suggestLoading": _("Looking for suggestions…"),
        "suggestNone": _("No suggestions for the client's latest messages."),
        "suggestFailed": _("Suggestions are not available right now."),
        "insert": _("Insert"),
        "insertTopic": _("Insert: {title}"),
        "referrals": _("Referrals"),
        "matchedWords": _("“{phrase}”"),
        "signWishToDie": _("Wish to die"),
        "signPlan": _("Plan or method"),
        "signMeansAtHand": _("Means at hand"),
        "signGoodbye": _("Saying goodbye"),
        "signBurden": _("Feeling a burden"),
        "signSelfHarm": _("Self-harm"),
        "signViolenceNow": _("Violence now"),
        "signDangerNow": _("Danger now"),
        "signExample": _("Close to a crisis example"),
        # After a close (records.js): the conversation's contact record.
        "recordPrompt": _("The conversation with {name} was closed. Its contact record is ready for you."),
        "fillRecord": _("Fill in the contact record"),
        "fillLater": _("Later"),
        # A conversation's guests (console/static/console/guests.js).
        "guestNameNeeded": _("Write the participant's name."),
        "guestAsked": _("Waiting for the client's answer"),
        "guestAccepted": _("The client agreed. Give the link to the participant."),
        "guestJoined": _("In the conversation"),
        "guestLink": _("One-time link for {name}"),
        "guestLinkUntil": _("Works once, until {time}."),
        "guestGetLink": _("Make the link"),
        "guestNewLink": _("New link"),
        "guestRemove": _("Remove"),
        "guestCancel": _("Cancel the invitation"),
        "copy": _("Copy"),
        "copied": _("Copied"),
        "copySelected": _("Selected: press Ctrl+C to copy"),
        # Attachments (static/kohtaamo/attachments.js), the same words as the client page's.
        **attachment_texts(),
    }


def topic_titles(lang: str) -> dict[str, str]:
    """The chatbot's topic titles in the console's language, so bot lines can name their topic.

    Only a nicety: when the brain cannot be read, the console still opens and shows slugs.
    """
    try:
        bot = get_bot()
    except Exception:
        logger.exception("console: the chatbot's topic titles could not be read")
        return {}
    return {slug: bot.title(slug, lang) for slug in bot.slugs}


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The console page; everything live comes over the staff WebSocket."""
    staff = chat_staff(request)
    config: dict[str, Any] = {
        "wsPath": "/ws/staff/",
        "staffId": staff.pk,
        "staffName": staff.public_name,
        "supervisor": staff.may_supervise,
        "lang": get_language() or settings.LANGUAGE_CODE,
        "maxMessageChars": settings.CHAT_MAX_MESSAGE_CHARS,
        "keepaliveUrl": reverse("console:keepalive"),
        "loginUrl": reverse("accounts:login"),
        "topicTitles": topic_titles(get_language() or settings.LANGUAGE_CODE),
        "systemTexts": system_texts("staff"),
        # The call panel's words (static/kohtaamo/call.js).
        "callTexts": call_texts(),
        "recordUrl": reverse("console:record_for_conversation", args=[0]),
        # The same client's earlier conversations (the `earlier` event) link to their history pages.
        "historyUrl": reverse("console:history_conversation", args=[0]),
        # A conversation's guests (issue 14): their roles' names, as the client reads them.
        "guestRoles": guest_role_names(),
        # Attachments: uploaded over HTTP with the session and CSRF token, then sent over the socket.
        "uploadUrl": reverse("console:upload"),
        **attachment_config(),
    }
    return render(
        request,
        "console/console.html",
        {
            "config": config,
            "strings": console_strings(),
            "staff": staff,
            "supervisor": config["supervisor"],
            "overdue_records": overdue_count(staff),
            "max_conversations_cap": settings.DUTY_MAX_CONVERSATIONS_CAP,
            "guest_roles": GuestRole.choices,
        },
    )


@require_POST
@login_required
def keepalive(request: HttpRequest) -> HttpResponse:
    """The console calls this while the counsellor works, so an active session does not idle out.

    The middleware records the activity; the socket alone does not, by design.
    """
    chat_staff(request)
    return HttpResponse(status=204)


# --- Canned replies ------------------------------------------------------------------


@require_GET
@login_required
def canned_list(request: HttpRequest) -> HttpResponse:
    """My personal canned replies and the shared ones of my desks."""
    staff = chat_staff(request)
    replies = list(canned_replies_for(staff).select_related("desk"))
    shared_ids = set(shared_reply_desks(staff).values_list("pk", flat=True))
    personal = [r for r in replies if r.owner_id == staff.pk]
    shared = [r for r in replies if r.owner_id is None]
    shared.sort(key=lambda r: ((r.desk.name if r.desk else ""), r.title.lower()))
    return render(
        request,
        "console/canned_list.html",
        {
            "staff": staff,
            "personal": personal,
            "shared": [(r, may_edit_canned(staff, r, shared_ids)) for r in shared],
            "can_share": bool(shared_ids),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def canned_create(request: HttpRequest) -> HttpResponse:
    staff = chat_staff(request)
    form = CannedReplyForm(
        request.POST or None,
        shared_desks=shared_reply_desks(staff),
        initial={"language": get_language() or settings.LANGUAGE_CODE},
    )
    if request.method == "POST" and form.is_valid():
        do_create_canned_reply(
            staff,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            language=form.cleaned_data["language"],
            desk=form.chosen_desk(),
        )
        messages.success(request, _("The canned reply was saved."))
        return redirect("console:canned")
    return render(request, "console/canned_form.html", {"staff": staff, "form": form, "reply": None})


def _editable_reply(staff: Staff, reply_id: int) -> CannedReply:
    try:
        return get_canned_reply_for_edit(staff, reply_id)
    except CannedReply.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@login_required
def canned_edit(request: HttpRequest, reply_id: int) -> HttpResponse:
    staff = chat_staff(request)
    reply = _editable_reply(staff, reply_id)
    form = CannedReplyForm(
        request.POST or None,
        with_scope=False,
        initial={"title": reply.title, "body": reply.body, "language": reply.language},
    )
    if request.method == "POST" and form.is_valid():
        do_update_canned_reply(
            staff,
            reply,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            language=form.cleaned_data["language"],
        )
        messages.success(request, _("The canned reply was saved."))
        return redirect("console:canned")
    return render(request, "console/canned_form.html", {"staff": staff, "form": form, "reply": reply})


@require_http_methods(["GET", "POST"])
@login_required
def canned_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    staff = chat_staff(request)
    reply = _editable_reply(staff, reply_id)
    if request.method == "POST":
        do_delete_canned_reply(staff, reply)
        messages.success(request, _("The canned reply was deleted."))
        return redirect("console:canned")
    return render(request, "console/canned_delete.html", {"staff": staff, "reply": reply})
