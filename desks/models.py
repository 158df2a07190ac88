"""Desks: the lines clients can contact, their staff and their canned replies."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from accounts.models import Organisation

# The languages a desk's texts are written in (desks/translation.py); the same
# as settings.LANGUAGES, listed here so that the constraint below is static.
DESK_LANGUAGES = ("fi", "sv", "en")


class Audience(models.TextChoices):
    YOUTH = "youth", _("Young people")
    PARENTS = "parents", _("Parents")
    ADULTS = "adults", _("Adults")
    HOMEWORK = "homework", _("Homework help")


class Desk(models.Model):
    """A line with its own queue and staff (e.g. the general youth line)."""

    # django-modeltranslation's manager (desks/translation.py), named here so that
    # the type checker knows it: `filter(name=...)` reads the active language's field.
    objects: ClassVar[MultilingualManager[Desk]] = MultilingualManager()

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="desks"
    )
    slug = models.SlugField(_("slug"), unique=True)
    # Written in every language (desks/translation.py adds name_fi, name_sv, name_en).
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description for clients"), blank=True)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    # Comma-separated language codes ("fi,sv"); a small fixed set, so a plain field.
    languages = models.CharField(_("languages"), max_length=40, default="fi")
    is_active = models.BooleanField(_("open for new conversations"), default=True)
    bot_enabled = models.BooleanField(
        _("chatbot answers first"),
        default=False,
        help_text=_("Clients first get answers from the chatbot and can ask for a person at any time."),
    )
    closed_message = models.TextField(
        _("message when closed"),
        blank=True,
        help_text=_("Shown to clients outside the opening hours, e.g. where else they can get help."),
    )
    staff: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="DeskMembership",
        related_name="desks",
        verbose_name=_("staff"),
        blank=True,
    )
    queue_limit = models.PositiveSmallIntegerField(
        _("queue limit"),
        null=True,
        blank=True,
        help_text=_(
            "At most this many clients wait in the queue; those after them are offered a message, another desk "
            "or the chatbot. Empty: the service's own limit."
        ),
    )
    # Calls (issue 14; docs/calls.md): through the TURN relay only, so neither side's browser learns
    # the other's address. Effective only when a TURN server is configured (calls.ice.turn_configured).
    calls_relay_only = models.BooleanField(
        _("calls through the relay only"),
        default=True,
        help_text=_(
            "Voice and video calls go through the service's relay server, so that the counsellor's browser "
            "never learns the client's address. Turn off only for desks whose callers are staff."
        ),
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=100,
        help_text=_("Desks are listed from the smallest number up, on the client page and in the console."),
    )

    class Meta:
        # The organisation's own order (e.g. the youth desk first): every list of desks follows it.
        ordering = ["position", "organisation__name", "slug"]
        verbose_name = _("desk")
        verbose_name_plural = _("desks")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    *(
                        models.Q(**{f"name_{lang}__isnull": False}) & ~models.Q(**{f"name_{lang}": ""})
                        for lang in DESK_LANGUAGES
                    )
                ),
                name="desk_named_in_every_language",
                violation_error_message=_("Give the desk a name in Finnish, Swedish and English."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


def same_name_in_every_language(name: str) -> dict[str, str]:
    """The name fields of a desk whose name is no word to translate (a benchmark's "Bench 3")."""
    return {f"name_{lang}": name for lang in DESK_LANGUAGES}


def desk_names(desk: Desk) -> dict[str, str]:
    """The desk's name in every language, for events and stored lines that each reader shows in their own.

    Why: a broadcast reaches a Swedish client and a Finnish counsellor alike;
    each socket picks its reader's name (conversations.outbound.localise).
    """
    fallback = str(getattr(desk, "name_fi", "") or desk.name)
    return {lang: str(getattr(desk, f"name_{lang}", "") or fallback) for lang in DESK_LANGUAGES}


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningPeriod(models.Model):
    """A weekly time when people answer at a desk (local time, settings.TIME_ZONE).

    A desk without any periods is always open. A period that closes at or
    before it opens runs past midnight (e.g. 18:00-02:00).
    """

    desk = models.ForeignKey(Desk, verbose_name=_("desk"), on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["desk", "weekday", "opens"]
        verbose_name = _("opening period")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", _("Closed")
    OPEN = "open", _("Special opening")


class OpeningException(models.Model):
    """A dated exception to a desk's weekly hours, in local time (settings.TIME_ZONE, Europe/Helsinki).

    Why dated rows and not edits of the weekly hours: a public holiday or a
    Christmas week closes a desk for days and the weekly hours return by
    themselves afterwards; an evening theme chat opens it once. `CLOSED` drops
    the weekly hours that start on each day from `starts_on` to `ends_on`;
    `OPEN` adds `opens`-`closes` on each of those days, also on a closed one (a
    theme evening in the Christmas week). The reason is shown to clients in
    their language ("Closed today: Independence Day"), so it is written per
    language (desks/translation.py). The rules of adding one are desks.opening.
    """

    desk = models.ForeignKey(Desk, verbose_name=_("desk"), on_delete=models.CASCADE, related_name="opening_exceptions")
    kind = models.CharField(_("kind"), max_length=10, choices=ExceptionKind.choices, default=ExceptionKind.CLOSED)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(
        _("reason shown to clients"),
        max_length=80,
        blank=True,
        help_text=_("A few words, e.g. Independence Day or Theme evening: exams."),
    )

    class Meta:
        ordering = ["desk", "starts_on", "opens"]
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="opening_exception_ends_after_start",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=ExceptionKind.CLOSED, opens__isnull=True, closes__isnull=True)
                    | models.Q(
                        kind=ExceptionKind.OPEN,
                        opens__isnull=False,
                        closes__isnull=False,
                        closes__gt=models.F("opens"),
                    )
                ),
                name="opening_exception_times_fit_kind",
                violation_error_message=_("A special opening needs times, and it must close after it opens."),
            ),
        ]
        indexes = [models.Index(fields=["desk", "ends_on"], name="opening_exception_desk_end")]

    def __str__(self) -> str:
        days = f"{self.starts_on:%d.%m.%Y}" + ("" if self.ends_on == self.starts_on else f"-{self.ends_on:%d.%m.%Y}")
        if self.kind == ExceptionKind.OPEN and self.opens and self.closes:
            return f"{days} {self.opens:%H:%M}-{self.closes:%H:%M}"
        return f"{days} {self.get_kind_display()}"


class DeskMembership(models.Model):
    """Who may answer at a desk."""

    desk = models.ForeignKey(Desk, verbose_name=_("desk"), on_delete=models.CASCADE, related_name="memberships")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="desk_memberships",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["desk", "staff"], name="unique_desk_membership")]
        verbose_name = _("desk membership")
        verbose_name_plural = _("desk memberships")

    def __str__(self) -> str:
        return f"{self.staff} @ {self.desk}"


class CannedReply(models.Model):
    """A ready-made answer: personal (owner set) or shared by a desk (desk set)."""

    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"))  # its limit is a message's (conversations.actions.canned)
    language = models.CharField(_("language"), max_length=5, default="fi", choices=settings.LANGUAGES)
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.CASCADE, null=True, blank=True, related_name="canned_replies"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(desk__isnull=False) | models.Q(owner__isnull=False),
                name="canned_reply_has_desk_or_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title
