"""The client's pages: the standalone client page, the page the widget embeds,
and a test page that embeds the widget as any outside web site would.

Nothing here knows who the client is: the pages are the same for everybody, and
the client's token lives only in their browser.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import get_language_info, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from accounts.models import Organisation, shortest_retention_days
from calls.texts import call_texts
from common.languages import is_supported, language_codes
from conversations.actions.desk_states import desk_state
from conversations.actions.guests import guest_role_names
from conversations.attachment_texts import attachment_config, attachment_texts
from conversations.system_texts import system_texts
from desks.hours import with_hours
from desks.models import Audience
from desks.selection import select_desks
from stats.client_answers import client_age_groups, client_municipalities
from stats.feedback import RATINGS


def own_name(code: str) -> str:
    """A language named in itself ("Suomi", "Svenska"), so a reader finds their own."""
    name = str(get_language_info(code)["name_local"])
    return name[:1].upper() + name[1:]


def audience_label(audience: str) -> str:
    """Who a desk is for, in words a client understands."""
    labels: dict[str, str] = {
        Audience.YOUTH: _("For young people"),
        Audience.PARENTS: _("For parents"),
        Audience.ADULTS: _("For adults"),
        Audience.HOMEWORK: _("Help with homework"),
    }
    return labels.get(audience, "")


def client_texts() -> dict[str, str]:
    """The texts the client script shows, in the language of the request.

    The template renders them with json_script; `%(name)s` placeholders are
    filled in by the script.
    """
    return {
        "queue": _("You are number %(position)s in the queue."),
        # The estimated wait (conversations.actions.queue.estimate_wait; client.js rounds it to minutes).
        "queueSoon": _("Someone should answer you in a minute or two."),
        "queueWait": _("Estimated wait: about %(minutes)s minutes."),
        "queueNoEstimate": _("Nobody can answer right now, so the wait may be long."),
        "queueHint": _("Please wait. Someone will answer as soon as they can. You can already write your message."),
        "chattingWith": _("You are chatting with %(name)s."),
        # A returning client asks for their earlier counsellor (conversations.actions.assignment).
        "sameAgain": _("Ask for %(name)s again"),
        "sameHint": _("When you start a chat at %(desk)s: if %(name)s is working now, your chat goes to them first."),
        "nickname": _("Your nickname: %(nickname)s"),
        "typing": _("%(name)s is typing…"),
        "typingAnon": _("The counsellor is typing…"),
        # A third participant (issue 14): the consent question per role, and who else is here.
        "guestAsk_interpreter": _("Your counsellor wants to add an interpreter, %(name)s, to the chat. Is that OK?"),
        "guestAsk_sign_language_interpreter": _(
            "Your counsellor wants to add a sign language interpreter, %(name)s, to the chat. Is that OK?"
        ),
        "guestAsk_professional": _(
            "Your counsellor wants to add another professional, %(name)s, to the chat. Is that OK?"
        ),
        "guestsHere": _("Also here: %(names)s"),
        "you": pgettext("client chat", "You"),
        "counsellor": pgettext("client chat", "Counsellor"),
        "sending": _("Sending…"),
        "sent": pgettext("client chat", "Sent"),
        "delivered": pgettext("client chat", "Delivered"),
        "read": pgettext("client chat", "Read"),
        "notSent": pgettext("client chat", "Not sent"),
        "notSentYet": pgettext("client chat", "Not sent yet"),
        "trouble": _("The connection has a problem. Your message will be sent when it works again."),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "busy": _("The service is very busy right now. Trying again…"),
        "connecting": _("Connecting…"),
        "offline": _("There is no connection right now. Try again in a moment."),
        "empty": _("Write a message first."),
        "charsLeft": _("%(count)s characters left"),
        "transcriptTitle": _("Chat transcript"),
        "transcriptFile": pgettext("client chat", "chat"),
        "bot": pgettext("client chat", "Chatbot"),
        "withBot": _("You are chatting with the chatbot. A person is not reading this."),
        "talkToPerson": _("Talk to a person"),
        "helpful": _("This helped"),
        "notHelpful": _("This did not help"),
        "voteThanks": _("Thank you for your feedback."),
        "moreTopics": _("Related topics"),
        "crisisNote": _("If you are in danger right now, call 112."),
        # The card of help services under a bot answer (the topic's referrals).
        "referralsTitle": _("Where to get help"),
        "phone": _("Phone:"),
        "hours": _("Opening hours:"),
        "newTab": _("(opens in a new tab)"),
        # The button over the log when lines arrive below the place the client is reading.
        "newOne": _("1 new message"),
        "newMany": _("%(count)s new messages"),
        # The tab's title while the client looks elsewhere (%(title)s: the page's own title).
        "titleOne": _("(1) New message – %(title)s"),
        "titleMany": _("(%(count)s) New messages – %(title)s"),
        # System notifications: never the message or a name (the screen may be shared).
        # Messages left for a desk, and conversation codes (conversations.actions.offline, .codes).
        "messageFor": _("Leave a message for %(desk)s"),
        "codeEmpty": _("Write the words of your code first."),
        "leaveInstead": _("You can leave a message instead. A counsellor will answer it later."),
        "feedbackEmpty": _("Choose a rating or write a comment first, or skip."),
        "commentTooLong": _("The comment is too long."),
        "notifyTitle": _("Kohtaamo chat"),
        "notifyJoined": _("Someone joined your chat."),
        "notifyMessage": _("You have a new message in the chat."),
        "notifyBlocked": _(
            "Your browser does not allow notifications from this page. You can allow them in the browser's settings."
        ),
        **attachment_texts(),
    }


def _client_context(request: HttpRequest, *, embedded: bool, desk: str = "") -> dict[str, Any]:
    # The desks the site or link asked for (`org`, `desks`, `desk`: desks.selection), else every active desk,
    # in the organisation's order (Desk.position), e.g. the youth desk first; their hours with them (three queries).
    selection = select_desks(request.GET, desk=desk)
    desks = list(with_hours(selection.desks.select_related("organisation")))
    # The promise of how long messages are kept is the desk's organisation's (conversations.retention):
    # said once when every desk keeps them as long, else beside each desk.
    retention = {d.organisation.retention_days for d in desks}
    return {
        "desks": [
            {
                "slug": d.slug,
                "name": d.name,
                "description": d.description,
                "audience": audience_label(d.audience),
                "bot": d.bot_enabled,
                # Open now, why not, and the hours (desks.hours.desk_status), as the `desks` event says them later.
                "state": desk_state(d),
                "retention_days": d.organisation.retention_days,
            }
            for d in desks
        ],
        "embedded": embedded,
        # The parameters the language links keep, so a site's choice of desks survives a change of language.
        "selection_params": selection.params,
        "texts": client_texts(),
        # The optional questions (stats.client_answers) and the rating's values (stats.feedback).
        "age_groups": client_age_groups(),
        "municipalities": client_municipalities(),
        "rating_values": RATINGS,
        "config": {
            "wsPath": "/ws/client/",
            "quickExitUrl": settings.QUICK_EXIT_URL,
            "maxMessageChars": settings.CHAT_MAX_MESSAGE_CHARS,
            "maxNicknameChars": settings.CHAT_MAX_NICKNAME_CHARS,
            "embedded": embedded,
            # What the page left out of `org`/`desks`/`desk`, for the site's developer (client.js warns in the console).
            "deskWarnings": list(selection.warnings),
            "retentionDays": retention.pop() if len(retention) == 1 else None,
            "maxCommentChars": settings.FEEDBACK_MAX_COMMENT_CHARS,
            "systemTexts": system_texts("client"),
            "guestRoles": guest_role_names(),
            # Attachments (static/kohtaamo/attachments.js): uploaded over HTTP with the client's token.
            "uploadUrl": reverse("widget:upload"),
            **attachment_config(),
            # The call panel's words (static/kohtaamo/call.js).
            "callTexts": call_texts(),
            # The tab's icons, with and without the badge that says someone answered (attention.js).
            "icons": {
                "svg": static("kohtaamo/favicon.svg"),
                "png": static("kohtaamo/favicon.png"),
                "badgeSvg": static("kohtaamo/favicon-badge.svg"),
                "badgePng": static("kohtaamo/favicon-badge.png"),
            },
        },
    }


def _render_client(request: HttpRequest, *, embedded: bool, desk: str = "") -> HttpResponse:
    """Render the client UI in the language asked for by `?lang=` (or the usual choice).

    Client pages switch language with plain links, not Django's POST form: inside
    the widget's iframe on another site the CSRF cookie is not sent, and a link
    also works before any script has loaded. The choice is remembered in the
    language cookie, which holds nothing about the person.
    """
    chosen = request.GET.get("lang", "")
    if is_supported(chosen):
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
    context = _client_context(request, embedded=embedded, desk=desk)
    context["languages"] = [
        {
            "code": code,
            "name": own_name(code),
            "current": code == translation.get_language(),
            "query": urlencode({**context["selection_params"], "lang": code}),
        }
        for code in language_codes()
    ]
    response = render(request, "widget/client.html", context)
    if is_supported(chosen):
        # The attributes of Django's own language cookie (set_language), from settings: HttpOnly among them.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@require_GET
def client_page(request: HttpRequest) -> HttpResponse:
    """The standalone client page: pick a desk and chat."""
    return _render_client(request, embedded=False)


@require_GET
def desk_link_page(request: HttpRequest, desk_slug: str) -> HttpResponse:
    """A deep link to one desk (`/d/<slug>/`, for e-mail and learning platforms): the client page with that desk.

    An unknown or closed desk is no error for the client: the page lists every desk instead.
    """
    return _render_client(request, embedded=False, desk=desk_slug)


@require_GET
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def embed_page(request: HttpRequest) -> HttpResponse:
    """The same client UI inside the widget's iframe, embeddable on any site."""
    return _render_client(request, embedded=True)


@require_GET
def widget_test_page(request: HttpRequest) -> HttpResponse:
    """A plain page that embeds the widget with one script tag, as a municipality's site would."""
    return render(request, "widget/widget_test.html", {})


@require_GET
def widget_test_school_page(request: HttpRequest) -> HttpResponse:
    """A school's page that embeds the widget with one desk (`data-desks`), as a school's site would."""
    return render(request, "widget/widget_test_school.html", {})


# --- The public notices -----------------------------------------------------------------------


def _notice_context(request: HttpRequest) -> dict[str, Any]:
    """What both notices show: the language links and the settings they are filled from."""
    chosen = request.GET.get("lang", "")
    if is_supported(chosen):
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
    return {
        "languages": [
            {"code": code, "name": own_name(code), "current": code == translation.get_language()}
            for code in language_codes()
        ],
        "controller": settings.PRIVACY_CONTROLLER,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "contact_address": settings.PRIVACY_CONTACT_ADDRESS,
        "dpo": settings.DATA_PROTECTION_OFFICER,
        "accessibility_email": settings.ACCESSIBILITY_FEEDBACK_EMAIL,
        "statement_date": parse_date(settings.ACCESSIBILITY_STATEMENT_DATE),
    }


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    """The privacy notice: what is stored, for how long, who sees it, the client's rights (filled from settings)."""
    context = _notice_context(request)
    context["organisations"] = list(Organisation.objects.order_by("name").values("name", "retention_days"))
    context["unanswered_days"] = shortest_retention_days()
    return render(request, "widget/privacy.html", context)


@require_GET
def accessibility_page(request: HttpRequest) -> HttpResponse:
    """The accessibility statement in the form Finnish public bodies publish (Act 306/2019)."""
    return render(request, "widget/accessibility.html", _notice_context(request))
