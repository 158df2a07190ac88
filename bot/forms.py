"""Forms for the brain editor in the staff UI (bot.views)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from bot.models import SLUG_PATTERN, ExampleQuestion, Referral, Topic, TopicStatus, TopicText
from common.languages import language_name

# Paths of the editor's own pages under /brain/ (bot/editor_urls.py), so no topic can take them.
RESERVED_SLUGS = frozenset({"new", "try", "unanswered", "signals", "words"})


class TopicForm(forms.ModelForm[Topic]):
    class Meta:
        model = Topic
        fields = ["slug", "area", "status", "handoff_desk", "follow_ups"]
        widgets = {"follow_ups": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        follow_ups = self.fields["follow_ups"]
        others = Topic.objects.exclude(slug__in=("crisis", "handoff")).order_by("slug")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        follow_ups.queryset = others  # type: ignore[attr-defined]
        follow_ups.help_text = _("Offered as buttons after the answer. Hold Ctrl or Cmd to choose several.")
        if not creating:
            del self.fields["slug"]
        else:
            self.fields["slug"].help_text = _("Lowercase letters, digits and hyphens, such as housing-rent.")

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"]).strip()
        if not re.match(SLUG_PATTERN, slug):
            raise forms.ValidationError(_("Use lowercase letters, digits and single hyphens only."))
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This slug is reserved for the editor's own pages."))
        return slug

    def clean_area(self) -> str:
        area = str(self.cleaned_data["area"]).strip()
        if not area:
            raise forms.ValidationError(_("This field is required."))
        return area


class TopicTextForm(forms.ModelForm[TopicText]):
    """A topic's text in one language; leave it all empty to have no text in that language."""

    class Meta:
        model = TopicText
        fields = ["title", "answer", "plain_answer"]
        widgets = {
            "answer": forms.Textarea(attrs={"rows": 8}),
            "plain_answer": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

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


class QuestionFormSetBase(BaseModelFormSet[ExampleQuestion, forms.ModelForm[ExampleQuestion]]):
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


class QuestionForm(forms.ModelForm[ExampleQuestion]):
    class Meta:
        model = ExampleQuestion
        fields = ["text"]

    def clean_text(self) -> str:
        return " ".join(str(self.cleaned_data["text"]).split())


class ReferralForm(forms.ModelForm[Referral]):
    url = forms.URLField(label=_("web address"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Referral
        fields = ["name", "url", "phone", "hours", "order"]


QuestionFormSet = modelformset_factory(
    ExampleQuestion,
    form=QuestionForm,
    formset=QuestionFormSetBase,
    extra=2,
    can_delete=True,
    max_num=settings.BRAIN_MAX_QUESTIONS,
    absolute_max=settings.BRAIN_MAX_QUESTIONS,
    validate_max=True,
)
ReferralFormSet = modelformset_factory(Referral, form=ReferralForm, extra=1, can_delete=True)


class LanguageForms:
    """The text, example questions and referrals of one topic in one language."""

    def __init__(self, topic: Topic | None, lang: str, data: Any = None) -> None:
        self.lang = lang
        self.label = language_name(lang)
        text = topic.texts.filter(language=lang).first() if topic is not None and topic.pk else None
        self.text = TopicTextForm(data, instance=text, prefix=f"text-{lang}")
        has_pk = topic is not None and topic.pk is not None
        self.questions = QuestionFormSet(
            data,
            prefix=f"q-{lang}",
            queryset=topic.questions.filter(language=lang) if has_pk and topic else ExampleQuestion.objects.none(),
        )
        self.referrals = ReferralFormSet(
            data,
            prefix=f"r-{lang}",
            queryset=topic.referrals.filter(language=lang) if has_pk and topic else Referral.objects.none(),
        )

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
    AREA = "", _("Area and slug")
    NOT_HELPFUL = "not-helpful", _("Most not-helpful votes")
    VOTES = "votes", _("Most votes")


class TopicFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    area = forms.ChoiceField(label=_("Area"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *TopicStatus.choices])
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=TopicSort.choices)

    def __init__(self, *args: Any, areas: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All")), *((a, a) for a in areas)]  # type: ignore[attr-defined]


class UnansweredFilterForm(forms.Form):
    """The language filter of the unanswered questions page."""

    lang = forms.ChoiceField(label=_("Language"), required=False, choices=[("", _("All")), *settings.LANGUAGES])


class AddExampleForm(forms.Form):
    """The topic an unanswered question is added to (the question itself comes from the database).

    Any topic but the special ones, draft or published: the crisis and hand-off
    answers are chosen by rule, so their example questions would teach nothing.
    """

    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.exclude(slug__in=("crisis", "handoff")),
        to_field_name="slug",
        error_messages={
            "required": _("Choose the topic to add the question to."),
            "invalid_choice": _("That topic does not exist (any more). Choose another one."),
        },
    )
