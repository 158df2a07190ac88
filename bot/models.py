"""The chatbot's brain: topics written by professionals, per language.

The bot never invents an answer: everything it says comes from a published
Topic here. Edits go through bot.actions (or the brain import) so that each one
records who made it and when.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from desks.models import Desk

# Slugs are also file names on disk (`<slug>.yaml`), so keep them plain.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class TopicStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Topic(models.Model):
    """One thing the bot can answer, with a stable slug that files and links use."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    area = models.CharField(
        _("area"), max_length=40, help_text=_("A grouping for editors, such as housing, studies or work.")
    )
    status = models.CharField(_("status"), max_length=20, choices=TopicStatus.choices, default=TopicStatus.DRAFT)
    handoff_desk = models.ForeignKey(
        Desk,
        verbose_name=_("hand-off desk"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bot_topics",
        help_text=_("The desk a hand-off from this topic goes to."),
    )
    follow_ups: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "self", verbose_name=_("follow-up topics"), symmetrical=False, blank=True, related_name="followed_by"
    )
    # The editor's unpublished changes in the canonical form of bot.brainfiles (TopicData), or None.
    # Clients (the bot, the API, the suggestions) read only the tables above, which hold what was
    # published; bot.actions.do_publish_topic moves the draft there.
    draft = models.JSONField(_("unpublished changes"), null=True, blank=True, editable=False)
    # Archived topics are out of the bot and the lists but kept, with their status, to be restored.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["area", "slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.slug

    @property
    def is_published(self) -> bool:
        """Clients see the topic: published and not archived."""
        return self.status == TopicStatus.PUBLISHED and self.archived_at is None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def has_draft(self) -> bool:
        """The editor has saved changes that clients do not see yet."""
        return self.draft is not None


class TopicText(models.Model):
    """A topic's title and answer in one language."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=120, help_text=_("Short: shown on suggestion buttons."))
    answer = models.TextField(_("answer"), help_text=_("Markdown: links, lists and bold are allowed."))
    plain_answer = models.TextField(
        _("plain-language answer"), blank=True, help_text=_("Optional: the same answer in plain language.")
    )

    class Meta:
        ordering = ["topic", "language"]
        verbose_name = _("topic text")
        verbose_name_plural = _("topic texts")
        constraints = [models.UniqueConstraint(fields=["topic", "language"], name="unique_topic_text_language")]

    def __str__(self) -> str:
        return f"{self.topic.slug} [{self.language}]"


class ExampleQuestion(models.Model):
    """A question as clients really write it; the ranking learns the topic from these."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="questions")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    text = models.CharField(_("question"), max_length=500)

    class Meta:
        ordering = ["topic", "language", "id"]
        verbose_name = _("example question")
        verbose_name_plural = _("example questions")
        constraints = [models.UniqueConstraint(fields=["topic", "language", "text"], name="unique_example_question")]

    def __str__(self) -> str:
        return self.text


class Referral(models.Model):
    """A service the answer points to. Phone and hours only when confirmed."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="referrals")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    name = models.CharField(_("service name"), max_length=200)
    url = models.URLField(_("web address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["topic", "language", "order", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return self.name


class EditKind(models.TextChoices):
    """What a TopicEdit did; the kinds with a version (TopicEdit.data) make the topic's history."""

    EDIT = "edit", _("Edited")
    CREATED = "created", _("Created")
    DRAFT = "draft", _("Draft saved")
    PUBLISHED = "published", _("Published")
    REVERTED = "reverted", _("Earlier version taken back as a draft")
    DISCARDED = "discarded", _("Draft discarded")
    ARCHIVED = "archived", _("Archived")
    RESTORED = "restored", _("Restored")
    IMPORTED = "imported", _("Imported")
    EXAMPLE = "example", _("Example question added")
    BASELINE = "baseline", _("Version when the history began")


class TopicEdit(models.Model):
    """Who changed a topic, when and how; with `data`, also a version of the topic for the history.

    `data` is the topic after the edit in the canonical form of bot.brainfiles:
    the draft saved (kind draft, created, reverted) or what clients see
    (published, imported, example). Older edits and archive/restore have none.
    """

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="edits")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topic_edits",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EditKind.choices, default=EditKind.EDIT)
    data = models.JSONField(_("version"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("topic edit")
        verbose_name_plural = _("topic edits")

    def __str__(self) -> str:
        return f"{self.topic.slug} @ {self.at:%Y-%m-%d %H:%M}"


class AnswerVote(models.Model):
    """A client's "helpful" or "not helpful" on one bot answer.

    Only the topic, the language and the vote are counted; the link to the
    message lets a client change their vote, and is cleared when the message
    is purged, so the counts outlive the conversation.
    """

    topic = models.SlugField(_("topic"), max_length=80, db_index=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    helpful = models.BooleanField(_("helpful"))
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="vote"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("answer vote")
        verbose_name_plural = _("answer votes")

    def __str__(self) -> str:
        return f"{self.topic} {'+' if self.helpful else '-'}"


class UnansweredQuestion(models.Model):
    """A question the bot could not answer, counted, for editors to learn from.

    The text is stored with numbers and e-mail addresses masked (clients write
    phone numbers and names in questions), and the same question asked again
    only raises the count.
    """

    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    text = models.CharField(_("question"), max_length=300)
    normalised = models.CharField(max_length=300)
    count = models.PositiveIntegerField(_("times asked"), default=1)
    best_guess = models.SlugField(_("closest topic"), max_length=80, blank=True)
    first_seen = models.DateTimeField(_("first asked"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last asked"), auto_now=True)

    class Meta:
        ordering = ["-count", "-last_seen"]
        verbose_name = _("unanswered question")
        verbose_name_plural = _("unanswered questions")
        constraints = [models.UniqueConstraint(fields=["language", "normalised"], name="unique_unanswered_question")]

    def __str__(self) -> str:
        return self.text


class BrainState(models.Model):
    """One row whose version goes up with every brain change.

    Every server process compares it with the version its bot was built from,
    so an edit saved in one process reaches the bots of all the others.
    """

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"brain v{self.version}"
