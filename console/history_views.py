"""The history of closed conversations in the console: search, and read one back.

Views only parse, authorise and delegate: which conversations a staff member
may read, the search and what a record holds are
conversations.actions.history's; every search and every opening is written to
the audit log (audit.actions.record) before anything is shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Staff, retention_days_of
from audit.actions import record
from audit.models import Action, ObjectKind
from bot.markdown import render_answer
from console.history_forms import HistorySearchForm
from console.views import chat_staff, topic_titles
from conversations.actions.guests import guest_role_names
from conversations.actions.history import (
    HistoryFilters,
    check_history_conversation,
    history_desks,
    history_record,
    search_history,
)
from conversations.attachment_texts import kind_label
from conversations.errors import ChatError
from conversations.models import Conversation, Message, SenderKind
from conversations.outbound import signed_info
from conversations.system_texts import system_line

# Results per page of a search.
PAGE_SIZE = 20


def length_text(conversation: Conversation) -> str:
    """How long a conversation lasted, from its start to its closing, in words ("1 h 5 min")."""
    if conversation.closed_at is None:
        return ""
    minutes = max(0, int((conversation.closed_at - conversation.created_at) / dt.timedelta(minutes=1)))
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(hours)s h %(minutes)s min") % {"hours": minutes // 60, "minutes": minutes % 60}


def counsellor_name(conversation: Conversation) -> str:
    """Who answered last; a conversation the chatbot alone answered has nobody."""
    return conversation.assigned_to.public_name if conversation.assigned_to else _("nobody")


def first_words(conversation: Conversation) -> str:
    """A result's first words (`search_history`): a file's kind before its caption, "[Picture]" alone for none."""
    words = getattr(conversation, "first_words", None) or ""
    kind = getattr(conversation, "first_file", None)
    return f"{kind_label(kind)} {words}".strip() if kind else words


@dataclass(frozen=True)
class Result:
    conversation: Conversation
    counsellor: str
    length: str
    first_words: str


@require_GET
@login_required
def history_search(request: HttpRequest) -> HttpResponse:
    """Search the closed conversations of one's desks; with no filters, the newest first."""
    staff = chat_staff(request)
    desks = history_desks(staff)
    form = HistorySearchForm(request.GET or None, desks=desks)
    page = None
    results: list[Result] = []
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else HistoryFilters()
        page = Paginator(search_history(staff, filters), PAGE_SIZE).get_page(request.GET.get("page"))
        # Audited before the results are shown: they show the first words of clients' messages.
        record(staff, Action.HISTORY_SEARCH, desk=filters.desk)
        results = [
            Result(
                conversation=conversation,
                counsellor=counsellor_name(conversation),
                length=length_text(conversation),
                first_words=first_words(conversation),
            )
            for conversation in page
        ]
    return render(
        request,
        "console/history_search.html",
        {
            "staff": staff,
            "form": form,
            "page": page,
            "results": results,
            "searched": form.is_bound,
            "retention_days": retention_days_of(staff.organisation),
        },
    )


@dataclass(frozen=True)
class Line:
    """One line of a transcript as the history shows it."""

    message: Message
    kind: str  # client, staff, bot, system
    author: str
    text: str
    html: SafeString | None  # a bot line: its answer as the client saw it (sanitised by bot.markdown)
    label: str  # a bot line: what kind of answer it was
    file: SentFile | None = None  # the file the line sent (issue 14), linked for the page's reader


@dataclass(frozen=True)
class SentFile:
    """A file in the history: what it is, and links signed for the staff member reading (they expire)."""

    kind: str
    label: str
    name: str
    url: str
    thumb: str | None


def file_labels() -> dict[str, str]:
    return {"image": _("Picture"), "audio": _("Voice message"), "video": _("Video message"), "pdf": _("PDF document")}


def sent_file(message: Message, reader: Staff) -> SentFile | None:
    """The line's file with links for `reader`, or None (read with `select_related("attachment")`)."""
    attachment = message._state.fields_cache.get("attachment")
    if attachment is None:
        return None
    info = signed_info(attachment, f"staff:{reader.pk}")
    return SentFile(info["kind"], file_labels()[info["kind"]], info["name"], info["url"], info["thumb"])


def transcript_lines(
    conversation: Conversation, messages: list[Message], titles: dict[str, str], reader: Staff
) -> list[Line]:
    """The transcript's lines with their senders named as the console names them, files linked for `reader`."""
    client_name = conversation.nickname or _("Anonymous")
    lines = []
    for message in messages:
        kind = message.sender_kind
        if kind == SenderKind.SYSTEM:
            text = system_line("staff", message.code, message.args, message.body)
            lines.append(Line(message, kind, "", text, None, ""))
        elif kind == SenderKind.BOT:
            lines.append(Line(message, kind, _("Chatbot"), "", _bot_html(message), _bot_label(message, titles)))
        elif kind == SenderKind.CLIENT:
            lines.append(Line(message, kind, client_name, message.body, None, "", sent_file(message, reader)))
        elif kind == SenderKind.GUEST:
            # A conversation's guest (issue 14): named with their role, as the console shows them live.
            role = guest_role_names().get(str((message.args or {}).get("role")), "")
            name = f"{message.sender_name} ({role})" if role else message.sender_name
            lines.append(Line(message, kind, name, message.body, None, ""))
        else:
            lines.append(Line(message, kind, message.sender_name, message.body, None, "", sent_file(message, reader)))
    return lines


def _bot_html(message: Message) -> SafeString:
    # render_answer escapes raw HTML and cleans the result with nh3: safe to show as it is.
    return mark_safe(render_answer(message.body) if message.body else "")  # noqa: S308


def _bot_label(message: Message, titles: dict[str, str]) -> str:
    """What kind of answer a bot line was, as the live console labels it (console/static/console/messages.js)."""
    args = message.args or {}
    if message.code == "crisis" or args.get("crisis"):
        return _("crisis guidance")
    if message.code == "greeting":
        return _("greeting")
    if message.code == "desk_closed":
        return _("desk closed")
    topic = args.get("topic")
    if message.code == "not_sure" or topic == "unknown":
        return _("not sure")
    if isinstance(topic, str) and topic:
        return titles.get(topic, topic)
    return ""


@require_GET
@login_required
def history_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """One closed conversation, read-only: transcript, notes, outcome, transfers, the client's other conversations."""
    staff = chat_staff(request)
    try:
        conversation = check_history_conversation(staff, conversation_id)
    except ChatError:
        # The same 404 for "missing", "not yours", "still open" and "past retention".
        raise Http404 from None
    # Audited before anything of the conversation is read for the page.
    record(staff, Action.HISTORY_OPEN, kind=ObjectKind.CONVERSATION, object_id=conversation.pk, desk=conversation.desk)
    found = history_record(staff, conversation)
    # The chatbot's topic titles only when a bot line names a topic: reading them may wait for the bot.
    named = any(m.sender_kind == SenderKind.BOT and (m.args or {}).get("topic") for m in found.messages)
    titles = topic_titles(get_language() or settings.LANGUAGE_CODE) if named else {}
    return render(
        request,
        "console/history_conversation.html",
        {
            "staff": staff,
            "conversation": conversation,
            "counsellor": counsellor_name(conversation),
            "length": length_text(conversation),
            "handoff_label": capfirst(Conversation._meta.get_field("handoff_reason").verbose_name),
            "lines": transcript_lines(conversation, found.messages, titles, staff),
            "notes": found.notes,
            "transfers": found.transfers,
            "others": [(other, counsellor_name(other)) for other in found.others],
            "back": request.GET.urlencode(),
        },
    )
