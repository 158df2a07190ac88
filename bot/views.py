"""The brain editor in the staff UI: topic list, topic editing and a "try the bot" box.

Only editors, admins and superusers (bot.actions.check_can_edit_brain). Views
parse, authorise and delegate; saving lives in bot.actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Staff
from bot.actions import check_can_edit_brain, do_save_topic_forms
from bot.engine import CONFIDENCE_THRESHOLD, DEFAULT_LANG, LANGS, SPECIAL_TOPICS, get_bot, render_markdown
from bot.forms import LanguageForms, TopicFilterForm, TopicForm, TryForm
from bot.models import ExampleQuestion, Topic, TopicText


def editor(request: HttpRequest) -> Staff:
    return check_can_edit_brain(request.user)


@require_GET
@login_required
def topic_list(request: HttpRequest) -> HttpResponse:
    staff = editor(request)
    areas = sorted(set(Topic.objects.values_list("area", flat=True)))
    form = TopicFilterForm(request.GET or None, areas=areas)
    topics = Topic.objects.select_related("updated_by").annotate(
        fi_title=Subquery(TopicText.objects.filter(topic=OuterRef("pk"), language="fi").values("title")[:1]),
        **{f"q_{lang}": Count("questions", filter=Q(questions__language=lang), distinct=True) for lang in LANGS},
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
    topics = topics.order_by("area", "slug")
    return render(
        request,
        "bot/topic_list.html",
        {"staff": staff, "form": form, "topics": list(topics), "langs": LANGS, "try_form": TryForm()},
    )


def _edit(request: HttpRequest, topic: Topic | None) -> HttpResponse:
    staff = editor(request)
    creating = topic is None
    data = request.POST if request.method == "POST" else None
    topic_form = TopicForm(data, instance=topic, creating=creating)
    languages = [LanguageForms(topic, lang, data) for lang in LANGS]
    if request.method == "POST":
        valid = [topic_form.is_valid()] + [forms.is_valid() for forms in languages]
        if all(valid):
            saved = do_save_topic_forms(staff, topic_form, languages, created=creating)
            messages.success(request, _("The topic was saved. The bot now answers with the new text."))
            return redirect("brain:edit", slug=saved.slug)
    previews: dict[str, str] = {}
    edits: list[Any] = []
    if topic is not None:
        previews = {t.language: render_markdown(t.answer) for t in topic.texts.all()}
        edits = list(topic.edits.select_related("staff")[:10])
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
        search_lang = answer.lang if bot.index.size(answer.lang) else DEFAULT_LANG
        ranking = bot.index.search(text, search_lang, 3)
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
