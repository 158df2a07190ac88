"""Anonymous surveys that staff share by link: a survey, its questions and choices, the answers.

Nothing here can be tied to a person. A response keeps the day it came in,
never a time, an IP address or a user agent. "One answer per browser" is kept
with `BrowserMark`: an HMAC of a random token the browser holds in a cookie,
computed per survey (surveys.actions.browser_mark), in a table of its own with
no link to the response and no order of its own (the mark is its key), so a
mark cannot be matched with the answers it came with. It is a courtesy against
answering twice by mistake, not proof: another browser, a private window or a
cleared cookie answers again.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organisation

# The lengths of what staff write and clients answer; surveys.actions checks them with clear errors.
TITLE_MAX_CHARS = 200
INTRO_MAX_CHARS = 2000
QUESTION_MAX_CHARS = 500
CHOICE_MAX_CHARS = 200
SCALE_LABEL_MAX_CHARS = 60
ANSWER_MAX_CHARS = 2000
# The scale questions' values: 1 to 5.
SCALE_MIN = 1
SCALE_MAX = 5


def new_slug() -> str:
    """The public link's key: random and unguessable (96 bits), so a survey is found only through its link."""
    return secrets.token_urlsafe(12)


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("survey status", "Draft")
    OPEN = "open", pgettext_lazy("survey status", "Open")
    CLOSED = "closed", pgettext_lazy("survey status", "Closed")


class Kind(models.TextChoices):
    SCALE = "scale", _("Scale from 1 to 5")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Free text")


CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE})


class Survey(models.Model):
    """A short anonymous survey of one organisation, written in one language and answered at `/s/<slug>/`."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="surveys"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_CHARS)
    intro = models.TextField(_("introduction"), max_length=INTRO_MAX_CHARS, blank=True)
    # The language the title, introduction and questions are written in (the page marks them with it);
    # the page's own texts (buttons, errors) follow the reader's language.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fi")
    slug = models.CharField(_("link key"), max_length=32, unique=True, default=new_slug, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    def accepts_answers(self, today: dt.date | None = None) -> bool:
        """Open, and today within its optional dates (both days included)."""
        day = today or timezone.localdate()
        if self.status != Status.OPEN:
            return False
        if self.opens_on is not None and day < self.opens_on:
            return False
        return not (self.closes_on is not None and day > self.closes_on)


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=QUESTION_MAX_CHARS)
    required = models.BooleanField(_("an answer is required"), default=False)
    # A scale question's words at its ends ("Not at all", "Very much").
    min_label = models.CharField(_("label of 1"), max_length=SCALE_LABEL_MAX_CHARS, blank=True)
    max_label = models.CharField(_("label of 5"), max_length=SCALE_LABEL_MAX_CHARS, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["survey", "position"], name="unique_question_position")]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("choice"), max_length=CHOICE_MAX_CHARS)

    class Meta:
        ordering = ["question", "position"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="unique_choice_position")]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One browser's answers to a survey: the day only, nothing about who or from where."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    submitted_on = models.DateField(_("submitted on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.pk}"


class Answer(models.Model):
    """One answer: a choice (a multiple-choice question has a row per chosen one), a scale value or a text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, null=True, blank=True, related_name="answers")
    scale_value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)]
    )
    text = models.TextField(blank=True, max_length=ANSWER_MAX_CHARS)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


class BrowserMark(models.Model):
    """A browser that has answered a survey: the HMAC of its token for this survey, never the token.

    The mark is the key: no sequence number and no time that could pair it with a response.
    """

    mark = models.CharField(max_length=64, primary_key=True)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return self.mark[:8]
