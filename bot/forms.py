"""Forms for the brain editor in the staff UI (bot.views)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bot import actions
from bot.brainfiles import REFERRAL_KEYS, REQUIRED_LANGUAGE, TopicData
from bot.engine import SPECIAL_TOPICS
from bot.models import Topic
from common.languages import language_codes, language_name
from desks.models import Desk

# The editor's own pages under /brain/: no topic can take their paths (kept in bot.actions).
RESERVED_SLUGS = actions.RESERVED_SLUGS


@dataclass(frozen=True)
class TopicChoice:
    """A topic as editors know it: its title in the editor's language, else another one's (marked)."""

    slug: str
    title: str
    lang: str  # the title's language
    fallback: bool  # not in the editor's language
    others: str = ""  # its titles in every language, for the topic search

    @property
    def label(self) -> str:
        return f"{self.title} ({self.lang})" if self.fallback else self.title


def titles_of(data: TopicData) -> dict[str, str]:
    """The topic's titles per language in its canonical form."""
    return {
        code: str(entry.get("title", "")) for code, entry in data.get("languages", {}).items() if entry.get("title")
    }


def choose_title(slug: str, titles: dict[str, str], lang: str | None = None) -> TopicChoice:
    """The title to show an editor: in `lang` (the page's language), else in fi, sv, en; the slug if none."""
    lang = lang or get_language() or REQUIRED_LANGUAGE
    others = " ".join(titles.values())
    for code in (lang, *language_codes()):
        if titles.get(code):
            return TopicChoice(slug, titles[code], code, code != lang, others)
    return TopicChoice(slug, slug, "", True, others)


def search_index(choices: list[TopicChoice]) -> dict[str, str]:
    """Slug -> every title of the topic: the topic search finds a topic by a title in any language."""
    return {c.slug: c.others for c in choices}


def topic_choices(exclude: Topic | None = None, lang: str | None = None) -> list[TopicChoice]:
    """Every topic an editor may link or add to (not special, not archived), by title, sorted by it.

    Titles from the working data (a new topic's draft has its only title), in
    two queries for all topics.
    """
    topics = Topic.objects.filter(archived_at__isnull=True).exclude(slug__in=SPECIAL_TOPICS).prefetch_related("texts")
    if exclude is not None and exclude.pk:
        topics = topics.exclude(pk=exclude.pk)
    choices = []
    for topic in topics:
        if topic.draft is not None:
            titles = titles_of(topic.draft)
        else:
            titles = {t.language: t.title for t in topic.texts.all()}
        choices.append(choose_title(topic.slug, titles, lang))
    return sorted(choices, key=lambda c: c.title.casefold())


def picker_texts() -> dict[str, str]:
    """The texts of the editor's scripts (bot/static/bot/editor.js), in the editor's language."""
    return {
        "search": str(_("Search topics by title")),
        "remove": str(_("Remove %(title)s")),
        "chosen": str(_("Chosen topics")),
        "none": str(_("No topic matches. Try other words.")),
        "found": str(_("Topics found: %(count)s. Move with the arrow keys, choose with Enter.")),
        "added": str(_("%(title)s chosen.")),
        "removed": str(_("%(title)s removed.")),
        # The marks of the language tabs, kept up to date as the editor writes (as missing_parts marks them).
        "title": str(_("title missing")),
        "answer": str(_("answer missing")),
        "questions": str(_("no example questions")),
    }


class TopicForm(forms.Form):
    """What a topic has in every language: its area, hand-off desk and follow-up topics."""

    area = forms.CharField(
        label=_("Area"),
        max_length=40,
        help_text=_("A grouping for editors, such as housing, studies or work."),
    )
    handoff_desk = forms.ModelChoiceField(
        label=_("Hand-off desk"),
        queryset=Desk.objects.all(),
        to_field_name="slug",
        required=False,
        help_text=_("The desk a hand-off from this topic goes to."),
    )
    follow_ups = forms.MultipleChoiceField(
        label=_("Follow-up topics"),
        required=False,
        help_text=_("Offered as buttons after the answer. Type a few letters of a title to find a topic."),
    )

    def __init__(self, *args: Any, topic: Topic | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = topic_choices(exclude=topic)
        field = self.fields["follow_ups"]
        field.choices = [(c.slug, c.label) for c in self.choices]  # type: ignore[attr-defined]
        field.widget.attrs.update({"data-combobox": "multiple", "size": 8})

    def clean_area(self) -> str:
        area = str(self.cleaned_data["area"]).strip()
        if not area:
            raise forms.ValidationError(_("This field is required."))
        return area

    @staticmethod
    def initial_from(data: TopicData) -> dict[str, Any]:
        return {
            "area": data.get("area", ""),
            "handoff_desk": data.get("handoff_desk"),
            "follow_ups": list(data.get("follow_ups", [])),
        }


class TopicTextForm(forms.Form):
    """A topic's text in one language; leave it all empty to have no text in that language."""

    title = forms.CharField(
        label=_("Title"), max_length=120, required=False, help_text=_("Short: shown on suggestion buttons.")
    )
    answer = forms.CharField(
        label=_("Answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "data-preview": "answer"}),
        help_text=_("Markdown: links, lists and bold are allowed."),
    )
    plain_answer = forms.CharField(
        label=_("Plain-language answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional: the same answer in plain language."),
    )

    @property
    def is_empty(self) -> bool:
        data = self.cleaned_data
        return not any(str(data.get(name) or "").strip() for name in ("title", "answer", "plain_answer"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.is_empty:
            for name in ("title", "answer"):
                if not str(data.get(name) or "").strip():
                    self.add_error(name, _("Give both a title and an answer, or leave the language empty."))
        return data


class QuestionFormSetBase(BaseFormSet[forms.Form]):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            text = " ".join(str(form.cleaned_data.get("text") or "").split())
            if not text:
                continue
            if text.casefold() in seen:
                form.add_error("text", _("This question is already in the list."))
            seen.add(text.casefold())


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=500, required=False)

    def clean_text(self) -> str:
        return " ".join(str(self.cleaned_data["text"]).split())


class ReferralForm(forms.Form):
    name = forms.CharField(label=_("Service name"), max_length=200, required=False)
    url = forms.URLField(label=_("Web address"), max_length=500, required=False, assume_scheme="https")
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = any(str(data.get(key) or "").strip() for key in ("url", "phone", "hours"))
        if filled and not str(data.get("name") or "").strip() and not data.get("DELETE"):
            self.add_error("name", _("Give the service a name."))
        return data


QuestionFormSet = formset_factory(
    QuestionForm,
    formset=QuestionFormSetBase,
    extra=2,
    can_delete=True,
    max_num=settings.BRAIN_MAX_QUESTIONS,
    absolute_max=settings.BRAIN_MAX_QUESTIONS,
    validate_max=True,
)
ReferralFormSet = formset_factory(ReferralForm, extra=1, can_delete=True)


def _kept(formset: BaseFormSet[Any]) -> list[dict[str, Any]]:
    """The rows of a valid formset that are filled in and not ticked for removal."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class LanguageForms:
    """The text, example questions and referrals of one topic in one language (one tab of the editor)."""

    def __init__(self, entry: dict[str, Any] | None, lang: str, data: Any = None) -> None:
        self.lang = lang
        self.label = language_name(lang)
        entry = entry or {}
        self.text = TopicTextForm(
            data,
            prefix=f"text-{lang}",
            initial={key: entry.get(key, "") for key in ("title", "answer", "plain_answer")},
        )
        self.questions = QuestionFormSet(
            data, prefix=f"q-{lang}", initial=[{"text": text} for text in entry.get("questions", [])]
        )
        self.referrals = ReferralFormSet(
            data,
            prefix=f"r-{lang}",
            initial=[{key: str(r.get(key, "")) for key in REFERRAL_KEYS} for r in entry.get("referrals", [])],
        )
        self.missing = missing_parts(entry)
        self.preview = ""
        # The inputs hold text in their language (screen readers read it so); the labels are in the editor's.
        for form in [self.text, *self.questions.forms, *self.referrals.forms]:
            for name, field in form.fields.items():
                if name not in ("DELETE", "url"):
                    field.widget.attrs["lang"] = lang

    def is_valid(self) -> bool:
        # Evaluate all three, so that every error is shown at once.
        results = [self.text.is_valid(), self.questions.is_valid(), self.referrals.is_valid()]
        return all(results)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.text.errors
            or any(self.questions.errors)
            or self.questions.non_form_errors()
            or any(self.referrals.errors)
            or self.referrals.non_form_errors()
        )

    def entry(self) -> dict[str, Any] | None:
        """This language in the canonical form (bot.brainfiles), or None when left empty; forms valid."""
        if self.text.is_empty:
            return None
        text = self.text.cleaned_data
        entry: dict[str, Any] = {
            "title": text["title"].strip(),
            "questions": [row["text"] for row in _kept(self.questions) if row.get("text")],
            "answer": text["answer"],
        }
        if text["plain_answer"].strip():
            entry["plain_answer"] = text["plain_answer"]
        referrals = []
        for row in _kept(self.referrals):
            if not str(row.get("name") or "").strip():
                continue
            referrals.append({key: str(row[key]).strip() for key in REFERRAL_KEYS if str(row.get(key) or "").strip()})
        if referrals:
            entry["referrals"] = referrals
        return entry


def missing_parts(entry: dict[str, Any] | None) -> list[str]:
    """What a language of a topic still lacks, as the editor's tabs mark it."""
    entry = entry or {}
    missing = []
    if not str(entry.get("title", "")).strip():
        missing.append(str(_("title missing")))
    if not str(entry.get("answer", "")).strip():
        missing.append(str(_("answer missing")))
    if not entry.get("questions"):
        missing.append(str(_("no example questions")))
    return missing


def topic_data_from_forms(topic_form: TopicForm, languages: list[LanguageForms]) -> TopicData:
    """The topic in the canonical form of bot.brainfiles from the editor's valid forms (slug and status aside)."""
    cleaned = topic_form.cleaned_data
    data: TopicData = {"area": cleaned["area"]}
    if cleaned.get("handoff_desk") is not None:
        data["handoff_desk"] = cleaned["handoff_desk"].slug
    if cleaned.get("follow_ups"):
        data["follow_ups"] = sorted(cleaned["follow_ups"])
    data["languages"] = {forms.lang: entry for forms in languages if (entry := forms.entry()) is not None}
    return data


class TryForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=2000)
    lang = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Detect automatically")), *settings.LANGUAGES],
    )


class SignalCheckForm(forms.Form):
    """A message to try against the crisis signals (the signals page, GET)."""

    text = forms.CharField(
        label=_("Message"),
        max_length=2000,
        help_text=_("Write it as a young person would. Nothing is saved."),
    )


class WordFilterForm(forms.Form):
    """A word to look for in the lists of the words page (GET): it narrows every table to the lines with it."""

    q = forms.CharField(
        label=_("Find a word"),
        required=False,
        max_length=100,
        help_text=_("Part of a word or of what it is read as, in any of the languages."),
    )


class TopicSort(models.TextChoices):
    AREA = "", _("Area and title")
    NOT_HELPFUL = "not-helpful", _("Most not-helpful votes")
    VOTES = "votes", _("Most votes")


class TopicState(models.TextChoices):
    """Where a topic is on its way to clients, as the list filters and marks it."""

    PUBLISHED = "published", _("Published")
    CHANGED = "changed", _("Unpublished changes")
    DRAFT = "draft", _("Draft, never published")
    ARCHIVED = "archived", _("Archived")


class TopicFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words of a title or of an example question, in any language."),
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All but archived")), *TopicState.choices],
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=TopicSort.choices)

    def __init__(self, *args: Any, areas: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All")), *((a, a) for a in areas)]  # type: ignore[attr-defined]


class UnansweredFilterForm(forms.Form):
    """The language filter of the unanswered questions page."""

    lang = forms.ChoiceField(label=_("Language"), required=False, choices=[("", _("All")), *settings.LANGUAGES])


class AddExampleForm(forms.Form):
    """The topic an unanswered question is added to (the question itself comes from the database).

    Any topic but the special and the archived ones, draft or published: the
    crisis and hand-off answers are chosen by rule, so their example questions
    would teach nothing.
    """

    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.filter(archived_at__isnull=True).exclude(slug__in=("crisis", "handoff")),
        to_field_name="slug",
        error_messages={
            "required": _("Choose the topic to add the question to."),
            "invalid_choice": _("That topic does not exist (any more). Choose another one."),
        },
    )


class CompareForm(forms.Form):
    """The two versions the history page compares (GET)."""

    old = forms.ChoiceField(label=_("Compare version"))
    new = forms.ChoiceField(label=_("with version"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old"].choices = choices  # type: ignore[attr-defined]
        self.fields["new"].choices = choices  # type: ignore[attr-defined]


# Referral rows a preview shows at most (the editor's own formset has one empty row more than the topic's).
MAX_PREVIEW_REFERRALS = 20


class PreviewForm(forms.Form):
    """An answer being written, and its referrals, for the live preview (bot.views.answer_preview)."""

    lang = forms.ChoiceField(choices=settings.LANGUAGES)
    answer = forms.CharField(required=False, max_length=20_000, strip=False)
    referrals = forms.JSONField(required=False)

    def clean_referrals(self) -> list[dict[str, str]]:
        value = self.cleaned_data.get("referrals") or []
        if not isinstance(value, list) or len(value) > MAX_PREVIEW_REFERRALS:
            raise forms.ValidationError(_("The referrals could not be read."))
        referrals = []
        for item in value:
            if not isinstance(item, dict):
                raise forms.ValidationError(_("The referrals could not be read."))
            row = {key: str(item.get(key) or "").strip()[:500] for key in REFERRAL_KEYS}
            # As the client's page does: a link only to an http(s) address.
            if row["name"]:
                referrals.append(row)
        return referrals
