"""The brain editor in the staff UI: topics, "try the bot", unanswered questions, the crisis signals and the words.

Only editors, admins and superusers (bot.actions.check_can_edit_brain). Views
parse, authorise and delegate; saving lives in bot.actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Staff
from bot.actions import (
    check_can_edit_brain,
    do_add_unanswered_as_example,
    do_dismiss_unanswered,
    do_save_topic_forms,
)
from bot.cache import get_bot
from bot.crisis_review import SIGNALS_FILE_NAME, check_message, lists_review, sign_reviews
from bot.engine import CONFIDENCE_THRESHOLD, DEFAULT_LANG, SPECIAL_TOPICS
from bot.feedback import VoteCounts, vote_counts
from bot.forms import (
    AddExampleForm,
    LanguageForms,
    SignalCheckForm,
    TopicFilterForm,
    TopicForm,
    TopicSort,
    TryForm,
    UnansweredFilterForm,
    WordFilterForm,
)
from bot.lexicon_review import lexicon
from bot.markdown import render_answer
from bot.models import ExampleQuestion, Topic, TopicStatus, TopicText, UnansweredQuestion
from common.languages import is_supported, language_codes, language_name

UNANSWERED_PER_PAGE = 50
NO_VOTES = VoteCounts()


def editor(request: HttpRequest) -> Staff:
    return check_can_edit_brain(request.user)


@dataclass(frozen=True)
class TopicRow:
    """A topic in the list with its clients' votes."""

    topic: Topic
    votes: VoteCounts


@require_GET
@login_required
def topic_list(request: HttpRequest) -> HttpResponse:
    staff = editor(request)
    areas = sorted(set(Topic.objects.values_list("area", flat=True)))
    form = TopicFilterForm(request.GET or None, areas=areas)
    topics = Topic.objects.select_related("updated_by").annotate(
        fi_title=Subquery(TopicText.objects.filter(topic=OuterRef("pk"), language="fi").values("title")[:1]),
        **{
            f"q_{lang}": Count("questions", filter=Q(questions__language=lang), distinct=True)
            for lang in language_codes()
        },
    )
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            hits = (
                Q(slug__icontains=query)
                | Q(pk__in=TopicText.objects.filter(title__icontains=query).values("topic"))
                | Q(pk__in=ExampleQuestion.objects.filter(text__icontains=query).values("topic"))
            )
            topics = topics.filter(hits)
        if form.cleaned_data["area"]:
            topics = topics.filter(area=form.cleaned_data["area"])
        if form.cleaned_data["status"]:
            topics = topics.filter(status=form.cleaned_data["status"])
    # Votes are keyed by slug (they outlive renamed or deleted topics), so they are joined here.
    votes = topic_vote_counts()
    rows = [TopicRow(topic, votes.get(topic.slug, NO_VOTES)) for topic in topics.order_by("area", "slug")]
    sort = form.cleaned_data.get("sort", "") if form.is_valid() else ""
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
    staff = editor(request)
    creating = topic is None
    data = request.POST if request.method == "POST" else None
    topic_form = TopicForm(data, instance=topic, creating=creating)
    languages = [LanguageForms(topic, lang, data) for lang in language_codes()]
    if request.method == "POST":
        valid = [topic_form.is_valid()] + [forms.is_valid() for forms in languages]
        if all(valid):
            saved = do_save_topic_forms(staff, topic_form, languages, created=creating)
            messages.success(request, _("The topic was saved. The bot now answers with the new text."))
            return redirect("brain:edit", slug=saved.slug)
    previews: dict[str, str] = {}
    edits: list[Any] = []
    votes: VoteCounts = NO_VOTES
    votes_by_language: list[LanguageVotes] = []
    if topic is not None:
        previews = {t.language: render_answer(t.answer) for t in topic.texts.all()}
        edits = list(topic.edits.select_related("staff")[:10])
        votes, votes_by_language = topic_votes(topic.slug)
    for forms in languages:
        forms.preview = previews.get(forms.lang, "")  # type: ignore[attr-defined]
    return render(
        request,
        "bot/topic_form.html",
        {
            "staff": staff,
            "topic": topic,
            "form": topic_form,
            "languages": languages,
            "has_errors": request.method == "POST",
            "edits": edits,
            "votes": votes,
            "votes_by_language": votes_by_language,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def topic_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def topic_edit(request: HttpRequest, slug: str) -> HttpResponse:
    editor(request)
    return _edit(request, get_object_or_404(Topic, slug=slug))


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
class TopicOption:
    slug: str
    label: str


@dataclass(frozen=True)
class UnansweredRow:
    """One unanswered question with what its row shows: the topic choices in its language, the closest topic."""

    question: UnansweredQuestion
    choices: list[tuple[str, list[TopicOption]]]
    closest: TopicOption | None


def topic_choices() -> dict[str, list[tuple[str, list[TopicOption]]]]:
    """Per language: the topics a question can be added to, published first, then drafts.

    Labelled with the title in that language (else the Finnish one) and the
    slug, sorted by label so that an editor finds a topic by its name. Built
    once per page, so a page of 50 rows costs two queries, not fifty.
    """
    topics = list(Topic.objects.exclude(slug__in=SPECIAL_TOPICS).prefetch_related("texts"))
    titles = {(topic.slug, text.language): text.title for topic in topics for text in topic.texts.all()}
    result: dict[str, list[tuple[str, list[TopicOption]]]] = {}
    for lang in language_codes():
        groups: list[tuple[str, list[TopicOption]]] = []
        for status in (TopicStatus.PUBLISHED, TopicStatus.DRAFT):
            options = []
            for topic in topics:
                if topic.status != status:
                    continue
                title = titles.get((topic.slug, lang)) or titles.get((topic.slug, DEFAULT_LANG))
                options.append(TopicOption(topic.slug, f"{title} ({topic.slug})" if title else topic.slug))
            if options:
                groups.append((str(status.label), sorted(options, key=lambda o: o.label.casefold())))
        result[lang] = groups
    return result


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
    options = {o.slug: o for groups in choices.values() for _label, group in groups for o in group}
    rows = []
    for question in page:
        language_choices = choices.get(question.language, choices[DEFAULT_LANG])
        closest = None
        if question.best_guess:
            # The label in the question's own language, when the topic still exists.
            closest = next(
                (o for _label, group in language_choices for o in group if o.slug == question.best_guess),
                options.get(question.best_guess),
            )
        rows.append(UnansweredRow(question, language_choices, closest))
    return render(
        request,
        "bot/unanswered.html",
        {
            "staff": staff,
            "form": form,
            "lang": lang,
            "page": page,
            "rows": rows,
            # Clients' words, kept as long as a chat's messages (conversations.retention).
            "retention_days": settings.CHAT_RETENTION_DAYS,
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
        "topic": topic.slug,
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
