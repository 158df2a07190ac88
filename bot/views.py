"""The brain editor in the staff UI: topics, "try the bot", unanswered questions, the crisis signals and the words.

Only editors, admins and superusers (bot.actions.check_can_edit_brain). Views
parse, authorise and delegate; saving lives in bot.actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Staff, shortest_retention_days
from bot.actions import (
    check_can_edit_brain,
    do_add_unanswered_as_example,
    do_archive_topic,
    do_create_topic,
    do_discard_draft,
    do_dismiss_unanswered,
    do_publish_topic,
    do_restore_topic,
    do_revert_topic,
    do_save_draft,
    versions,
    working_data,
)
from bot.brainfiles import is_web_address, topics_with_parts
from bot.cache import get_bot
from bot.crisis_review import SIGNALS_FILE_NAME, check_message, lists_review, sign_reviews
from bot.engine import CONFIDENCE_THRESHOLD, SPECIAL_TOPICS, Bot
from bot.feedback import VoteCounts, vote_counts
from bot.forms import (
    AddExampleForm,
    CompareForm,
    LanguageForms,
    PreviewForm,
    SignalCheckForm,
    TopicChoice,
    TopicFilterForm,
    TopicForm,
    TopicSort,
    TopicState,
    TryForm,
    UnansweredFilterForm,
    WordFilterForm,
    choose_title,
    picker_texts,
    search_index,
    titles_of,
    topic_choices,
    topic_data_from_forms,
)
from bot.history import diff_versions
from bot.lexicon_review import lexicon
from bot.markdown import render_answer
from bot.models import ExampleQuestion, Topic, TopicEdit, TopicStatus, UnansweredQuestion
from common.languages import is_supported, language_codes, language_name

UNANSWERED_PER_PAGE = 50
NO_VOTES = VoteCounts()


def editor(request: HttpRequest) -> Staff:
    return check_can_edit_brain(request.user)


@dataclass(frozen=True)
class TopicRow:
    """A topic in the list: its title for the editor, its state, example questions and clients' votes."""

    topic: Topic
    title: TopicChoice
    area: str
    state: TopicState
    questions: dict[str, int]
    votes: VoteCounts


def topic_state(topic: Topic) -> TopicState:
    if topic.is_archived:
        return TopicState.ARCHIVED
    if topic.status != TopicStatus.PUBLISHED:
        return TopicState.DRAFT
    return TopicState.CHANGED if topic.has_draft else TopicState.PUBLISHED


@require_GET
@login_required
def topic_list(request: HttpRequest) -> HttpResponse:
    """The topics by their titles in the editor's language, searched by title or example question."""
    staff = editor(request)
    topics = list(topics_with_parts().select_related("updated_by"))
    rows = []
    for topic in topics:
        data = working_data(topic)
        languages = data.get("languages", {})
        rows.append(
            TopicRow(
                topic,
                choose_title(topic.slug, titles_of(data)),
                data.get("area", topic.area),
                topic_state(topic),
                {lang: len(languages.get(lang, {}).get("questions", [])) for lang in language_codes()},
                NO_VOTES,
            )
        )
    form = TopicFilterForm(request.GET or None, areas=sorted({row.area for row in rows}))
    filters = form.cleaned_data if form.is_valid() else {}
    state = filters.get("status", "")
    rows = [row for row in rows if (row.state == state if state else row.state != TopicState.ARCHIVED)]
    if filters.get("area"):
        rows = [row for row in rows if row.area == filters["area"]]
    query = str(filters.get("q", "")).strip().casefold()
    if query:
        # Titles and example questions in every language, of the draft and of what clients see.
        asked = set(ExampleQuestion.objects.filter(text__icontains=query).values_list("topic_id", flat=True))
        rows = [
            row
            for row in rows
            if row.topic.pk in asked
            or any(query in title.casefold() for title in titles_of(working_data(row.topic)).values())
            or any(query in text.title.casefold() for text in row.topic.texts.all())
            or any(
                query in q.casefold()
                for entry in working_data(row.topic).get("languages", {}).values()
                for q in entry.get("questions", [])
            )
        ]
    # Votes are keyed by slug (they outlive renamed or deleted topics), so they are joined here.
    votes = topic_vote_counts()
    rows = [replace(row, votes=votes.get(row.topic.slug, NO_VOTES)) for row in rows]
    rows.sort(key=lambda row: (row.area.casefold(), row.title.title.casefold()))
    sort = filters.get("sort", "")
    if sort == TopicSort.NOT_HELPFUL:
        rows.sort(key=lambda row: (-row.votes.not_helpful, -row.votes.total))
    elif sort == TopicSort.VOTES:
        rows.sort(key=lambda row: (-row.votes.total, -row.votes.not_helpful))
    return render(
        request,
        "bot/topic_list.html",
        {
            "staff": staff,
            "form": form,
            "topics": rows,
            "langs": language_codes(),
            "try_form": TryForm(),
            "unanswered_count": UnansweredQuestion.objects.count(),
        },
    )


@dataclass(frozen=True)
class LanguageVotes:
    """One row of the votes table on the topic edit page."""

    language: str
    label: str
    votes: VoteCounts


def topic_vote_counts() -> dict[str, VoteCounts]:
    """Helpful and not-helpful votes per topic slug (one query)."""
    return vote_counts("topic")


def topic_votes(slug: str) -> tuple[VoteCounts, list[LanguageVotes]]:
    """A topic's helpful / not-helpful votes in all and per language (languages without votes left out)."""
    per_language = [
        LanguageVotes(code, language_name(code), votes) for code, votes in vote_counts("language", topic=slug).items()
    ]
    total = VoteCounts(sum(r.votes.helpful for r in per_language), sum(r.votes.not_helpful for r in per_language))
    return total, per_language


def _edit(request: HttpRequest, topic: Topic | None) -> HttpResponse:
    """The topic's editor: common fields, then one tab per language; saving keeps a draft."""
    staff = editor(request)
    post = request.POST if request.method == "POST" else None
    data = working_data(topic) if topic is not None else {"languages": {}}
    topic_form = TopicForm(post, topic=topic, initial=TopicForm.initial_from(data))
    languages = [LanguageForms(data["languages"].get(lang), lang, post) for lang in language_codes()]
    error = ""
    if post is not None:
        valid = [topic_form.is_valid()] + [forms.is_valid() for forms in languages]
        if all(valid):
            new_data = topic_data_from_forms(topic_form, languages)
            try:
                if topic is None:
                    topic = do_create_topic(staff, new_data)
                    saved = True
                else:
                    saved = do_save_draft(staff, topic, new_data) is not None
            except ValidationError as problem:
                error = " ".join(problem.messages)
            else:
                topic.refresh_from_db()
                if not saved:
                    messages.info(request, _("Nothing had changed: nothing was saved."))
                elif topic.has_draft:
                    messages.success(request, _("The draft was saved. Clients see it only after you publish it."))
                else:
                    messages.success(request, _("Saved: this is again the version clients see."))
                return redirect("brain:edit", slug=topic.slug)
    for forms in languages:
        entry = data["languages"].get(forms.lang)
        if entry:
            forms.preview = preview_html(forms.lang, entry["answer"], list(entry.get("referrals", [])))
    context: dict[str, Any] = {
        "staff": staff,
        "topic": topic,
        "title": choose_title(topic.slug, titles_of(data)) if topic is not None else None,
        "state": topic_state(topic) if topic is not None else None,
        "form": topic_form,
        "languages": languages,
        "has_errors": post is not None,
        "error": error,
        "special": topic is not None and topic.slug in SPECIAL_TOPICS,
        "topic_search": search_index(topic_form.choices),
        "picker_texts": picker_texts(),
    }
    if topic is not None:
        votes, votes_by_language = topic_votes(topic.slug)
        context.update(
            {
                "edits": list(topic.edits.select_related("staff")[:5]),
                "votes": votes,
                "votes_by_language": votes_by_language,
                "followed_by": [
                    choose_title(t.slug, titles_of(working_data(t)))
                    for t in topics_with_parts().filter(follow_ups=topic, archived_at__isnull=True)
                ],
            }
        )
    return render(request, "bot/topic_form.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def topic_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def topic_edit(request: HttpRequest, slug: str) -> HttpResponse:
    editor(request)
    return _edit(request, get_object_or_404(Topic, slug=slug))


def _topic_action(
    request: HttpRequest, slug: str, action: Callable[[Staff, Topic], object], done: str
) -> HttpResponseRedirect:
    """Run one of the topic's buttons (publish, discard, archive, restore) and come back to the topic."""
    staff = editor(request)
    topic = get_object_or_404(Topic, slug=slug)
    try:
        action(staff, topic)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("brain:edit", slug=topic.slug)


@require_POST
@login_required
def topic_publish(request: HttpRequest, slug: str) -> HttpResponse:
    return _topic_action(request, slug, do_publish_topic, _("Published. The bot answers with this version now."))


@require_POST
@login_required
def topic_discard(request: HttpRequest, slug: str) -> HttpResponse:
    return _topic_action(request, slug, do_discard_draft, _("The draft was discarded."))


@require_POST
@login_required
def topic_archive(request: HttpRequest, slug: str) -> HttpResponse:
    return _topic_action(
        request, slug, do_archive_topic, _("Archived. The bot no longer answers with this topic; you can restore it.")
    )


@require_POST
@login_required
def topic_restore(request: HttpRequest, slug: str) -> HttpResponse:
    return _topic_action(request, slug, do_restore_topic, _("Restored. The topic is back as it was."))


@require_POST
@login_required
def topic_revert(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take an earlier version back as the draft (bot.actions.do_revert_topic says why a draft)."""
    staff = editor(request)
    topic = get_object_or_404(Topic, slug=slug)
    try:
        edit = do_revert_topic(staff, topic, pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("brain:history", slug=topic.slug)
    topic.refresh_from_db()
    if edit is None:
        messages.info(request, _("That version is the draft already."))
    elif not topic.has_draft:
        messages.success(request, _("Saved: this is again the version clients see."))
    else:
        messages.success(request, _("The earlier version is now the draft. Check it and publish it."))
    return redirect("brain:edit", slug=topic.slug)


@dataclass(frozen=True)
class VersionRow:
    edit: TopicEdit
    number: int


@require_GET
@login_required
def topic_history(request: HttpRequest, slug: str) -> HttpResponse:
    """The topic's versions (who, when, what) and the differences between two of them."""
    staff = editor(request)
    topic = get_object_or_404(Topic, slug=slug)
    found = versions(topic)
    rows = [VersionRow(edit, len(found) - i) for i, edit in enumerate(found)]
    by_id = {row.edit.pk: row for row in rows}
    form = CompareForm(request.GET or None, choices=[(str(r.edit.pk), str(r.number)) for r in rows])
    older = newer = None
    if form.is_valid():
        a, b = by_id[int(form.cleaned_data["old"])], by_id[int(form.cleaned_data["new"])]
        older, newer = (a, b) if a.number <= b.number else (b, a)
    elif len(rows) >= 2 and not request.GET:
        older, newer = rows[1], rows[0]
    sections = None
    if older is not None and newer is not None:
        assert older.edit.data is not None and newer.edit.data is not None
        titles = {c.slug: c.label for c in topic_choices()}
        sections = diff_versions(older.edit.data, newer.edit.data, titles)
    return render(
        request,
        "bot/history.html",
        {
            "staff": staff,
            "topic": topic,
            "title": choose_title(topic.slug, titles_of(working_data(topic))),
            "rows": rows,
            "form": form,
            "older": older,
            "newer": newer,
            "sections": sections,
            "others": [e for e in topic.edits.select_related("staff") if e.data is None][:20],
        },
    )


def preview_html(lang: str, answer: str, referrals: list[dict[str, str]]) -> str:
    """An answer and its referrals as the client's page shows them (bot/_answer_preview.html)."""
    rows = [{**r, "href": r["url"] if is_web_address(r.get("url", "")) else ""} for r in referrals]
    with translation.override(lang):
        return render_to_string(
            "bot/_answer_preview.html", {"html": render_answer(answer), "referrals": rows, "lang": lang}
        )


# An answer longer than this is refused by the preview (the longest in the starter brain is a tenth of it).
MAX_PREVIEW_CHARS = 20_000


@require_POST
@login_required
def answer_preview(request: HttpRequest) -> HttpResponse:
    """An answer and its referrals as clients see them, rendered by the bot's own Markdown (bot.markdown).

    The editor's page asks for it while an answer is written (debounced), so
    that the preview never differs from what the client gets.
    """
    editor(request)
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(str(e) for errors in form.errors.values() for e in errors))
    data = form.cleaned_data
    return HttpResponse(preview_html(data["lang"], data["answer"], data["referrals"]))


@require_GET
@login_required
def try_bot(request: HttpRequest) -> HttpResponse:
    """Ask the bot as a client would and see why it answered what it did."""
    staff = editor(request)
    form = TryForm(request.GET or None)
    result: dict[str, Any] | None = None
    if form.is_valid():
        bot = get_bot()
        text = form.cleaned_data["text"]
        answer = bot.answer(text, form.cleaned_data["lang"] or None)
        # The ranking the bot answers by (BM25 and the classifier mixed), not BM25 alone.
        ranking = bot.rank(text, answer.lang, 3)
        result = {
            "answer": answer,
            "title": bot.title(answer.topic, answer.lang) if answer.topic != "unknown" else "",
            "special": answer.topic in SPECIAL_TOPICS,
            "ranking": ranking,
            "matches": [
                {"slug": m.slug, "title": bot.title(m.slug, answer.lang), "score": m.score, "terms": m.matched_terms}
                for m in ranking.matches
            ],
            "threshold": CONFIDENCE_THRESHOLD,
            "editable": set(
                Topic.objects.filter(slug__in=[m.slug for m in ranking.matches]).values_list("slug", flat=True)
            )
            | ({answer.topic} if Topic.objects.filter(slug=answer.topic).exists() else set()),
        }
    return render(request, "bot/try.html", {"staff": staff, "form": form, "result": result})


@require_GET
@login_required
def crisis_signals(request: HttpRequest) -> HttpResponse:
    """The crisis detector's warning signs and lists for review, and a message tried against them (read-only)."""
    staff = editor(request)
    form = SignalCheckForm(request.GET or None)
    check = check_message(get_bot(), form.cleaned_data["text"]) if form.is_valid() else None
    return render(
        request,
        "bot/signals.html",
        {
            "staff": staff,
            "form": form,
            "check": check,
            "signs": sign_reviews(),
            "lists": lists_review(),
            "signals_file": SIGNALS_FILE_NAME,
            # The crisis topic is edited like any topic once it is in the database (the starter brain is not).
            "crisis_topic": Topic.objects.filter(slug="crisis").exists(),
        },
    )


@require_GET
@login_required
def known_words(request: HttpRequest) -> HttpResponse:
    """The bot's spoken forms and synonyms per language, as written in their files, for review (read-only)."""
    staff = editor(request)
    form = WordFilterForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context = {"staff": staff, "form": form, "query": query, "languages": lexicon(query)}
    return render(request, "bot/words.html", context)


# --- Unanswered questions ------------------------------------------------------------


@dataclass(frozen=True)
class UnansweredRow:
    """One unanswered question with what its row shows: the closest topic, and the one preselected if any."""

    question: UnansweredQuestion
    closest: TopicChoice | None
    preselected: str


def confident_topic(question: UnansweredQuestion, bot: Bot) -> str:
    """The topic the bot now answers `question` with, by its own rules and confidence (engine), or "".

    Only then is it preselected for "add as example question": a guess the bot
    would not answer with is shown as the closest topic but left for the
    editor to confirm by searching, so that a hasty click does not teach the
    bot a wrong topic.
    """
    answer = bot.answer(question.text, question.language)
    if answer.topic in SPECIAL_TOPICS or answer.topic == "unknown" or answer.confidence < CONFIDENCE_THRESHOLD:
        return ""
    return answer.topic


def unanswered_back(data: QueryDict) -> HttpResponseRedirect:
    """Back to the page and language filter the editor came from (only known values are kept)."""
    params = {}
    if is_supported(data.get("lang")):
        params["lang"] = str(data["lang"])
    if str(data.get("page", "")).isdigit():
        params["page"] = str(data["page"])
    url = reverse("brain:unanswered")
    return redirect(f"{url}?{urlencode(params)}" if params else url)


@require_GET
@login_required
def unanswered_list(request: HttpRequest) -> HttpResponse:
    """Questions the bot could not answer, most asked first, for editors to teach the brain from."""
    staff = editor(request)
    form = UnansweredFilterForm(request.GET or None)
    lang = form.cleaned_data["lang"] if form.is_valid() else ""
    questions = UnansweredQuestion.objects.order_by("-count", "-last_seen", "-pk")
    if lang:
        questions = questions.filter(language=lang)
    page = Paginator(questions, UNANSWERED_PER_PAGE).get_page(request.GET.get("page"))
    choices = topic_choices()
    by_slug = {c.slug: c for c in choices}
    bot = get_bot()
    rows = []
    for question in page:
        preselected = confident_topic(question, bot)
        rows.append(
            UnansweredRow(question, by_slug.get(question.best_guess), preselected if preselected in by_slug else "")
        )
    return render(
        request,
        "bot/unanswered.html",
        {
            "staff": staff,
            "form": form,
            "lang": lang,
            "page": page,
            "rows": rows,
            "choices": choices,
            "topic_search": search_index(choices),
            "picker_texts": picker_texts(),
            # Clients' words, kept as long as the shortest-kept chat's messages (conversations.retention).
            "retention_days": shortest_retention_days(),
        },
    )


@require_POST
@login_required
def unanswered_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an unanswered question to the chosen topic as an example question, and take it off the list."""
    staff = editor(request)
    back = unanswered_back(request.POST)
    form = AddExampleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("topic", [_("Choose a topic.")])))
        return back
    topic: Topic = form.cleaned_data["topic"]
    try:
        example = do_add_unanswered_as_example(staff, pk, topic)
    except ValidationError as error:
        messages.error(request, _("Nothing was added: %(reason)s") % {"reason": " ".join(error.messages)})
        return back
    text = _("“%(question)s” is now an example question of the topic %(topic)s.") % {
        "question": example.text,
        "topic": choose_title(topic.slug, titles_of(working_data(topic))).label,
    }
    if not topic.is_published:
        text += " " + _("The topic is a draft: the bot answers with it once it is published.")
    messages.success(request, text)
    return back


@require_POST
@login_required
def unanswered_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a question off the list without teaching it to the bot."""
    staff = editor(request)
    back = unanswered_back(request.POST)
    try:
        question = do_dismiss_unanswered(staff, pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back
    messages.success(request, _("“%(question)s” was dismissed.") % {"question": question.text})
    return back
