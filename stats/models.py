"""Anonymous statistics: one contact record per contact, the categories an organisation keeps,
clients' feedback, the region's municipalities and population.

Nothing here can be tied to a client: a record names a desk, times, counts and
the groups a counsellor chose, never a token, a nickname or a word the client
wrote. A record keeps a link to its conversation only while the conversation's
words exist (the counsellor completes the form from it); the purge and a
client's deletion cut the link (`conversation` becomes null), and the record stays.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from common.demographics import AgeGroup, EducationLevel, Gender, LabourStatus, MotherTongue
from desks.models import Desk


class Medium(models.TextChoices):
    """How a contact happened (the issue's "channel"; the word is kept for transports, see docs/terminology.md)."""

    CHAT = "chat", _("Chat in Kohtaamo")
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    FACE_TO_FACE = "face_to_face", _("Face-to-face meeting")
    POP_UP = "pop_up", _("Pop-up guidance (library, shopping centre)")
    WORK_COMMUNITY = "work_community", _("Visit to a work community or employer")
    GROUP = "group", _("Group session")


class CategoryKind(models.TextChoices):
    TOPIC = "topic", _("Topic")
    INTEREST = "interest", _("Field or interest")


class Category(models.Model):
    """A topic or field of interest in an organisation's own list, for the counsellor's form.

    Retired, not deleted, once used: old records keep their categories.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="categories"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CategoryKind.choices, default=CategoryKind.TOPIC)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["organisation", "kind", "position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "name"], name="unique_category_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality of the region, by Statistics Finland's three-digit code (091 Helsinki)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    name_sv = models.CharField(_("name in Swedish"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class ContactRecordQuerySet(models.QuerySet["ContactRecord"]):
    def incomplete(self) -> ContactRecordQuerySet:
        """Records whose counsellor has not completed the form yet."""
        return self.filter(completed_at__isnull=True)


class ContactRecord(models.Model):
    """The anonymous statistics of one contact, whatever the medium.

    For a chat the first part is filled automatically when the conversation
    closes (stats.records); the counsellor completes the second part. A contact
    outside Kohtaamo (a phone call, a pop-up) is recorded whole by staff, with
    the number of people it reached.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="contact_records"
    )
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.PROTECT, null=True, blank=True, related_name="contact_records"
    )
    medium = models.CharField(_("contact method"), max_length=20, choices=Medium.choices, default=Medium.CHAT)
    # The conversation while its words exist; null after the purge or the client's deletion, and for other media.
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="contact_record"
    )
    started_at = models.DateTimeField(_("started"), db_index=True)
    people = models.PositiveIntegerField(
        _("people reached"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    # Whether the same browser had an earlier contact with the organisation (so not a new person reached).
    returning = models.BooleanField(_("returning client"), default=False)

    # Filled automatically for a chat.
    wait_seconds = models.PositiveIntegerField(_("wait until a person answered (s)"), null=True, blank=True)
    first_response_seconds = models.PositiveIntegerField(_("first response time (s)"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    client_messages = models.PositiveIntegerField(_("client's messages"), default=0)
    staff_messages = models.PositiveIntegerField(_("staff's messages"), default=0)
    bot_messages = models.PositiveIntegerField(_("chatbot's messages"), default=0)
    with_person = models.BooleanField(_("a person answered"), default=False)
    bot_topics = models.JSONField(_("chatbot's topics"), default=list, blank=True)
    handoff_reason = models.CharField(_("hand-off reason"), max_length=20, blank=True)
    crisis = models.BooleanField(_("possible crisis"), default=False)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    abandoned = models.BooleanField(_("left the queue before an answer"), default=False)
    # The client's own answers (before or after the chat) and their rating, never shown beside the conversation.
    feedback_rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    feedback_helped = models.BooleanField(_("got help"), null=True, blank=True)

    # Completed by the counsellor (or given by the client: age group and municipality).
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    categories = models.ManyToManyField(Category, verbose_name=_("topics"), blank=True, related_name="records")
    age_group = models.CharField(_("age group"), max_length=20, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, default=Gender.UNKNOWN)
    municipality = models.CharField(_("municipality"), max_length=5, blank=True)
    mother_tongue = models.CharField(
        _("mother tongue or language"), max_length=10, choices=MotherTongue.choices, default=MotherTongue.UNKNOWN
    )
    education = models.CharField(
        _("education level"), max_length=20, choices=EducationLevel.choices, default=EducationLevel.UNKNOWN
    )
    labour_status = models.CharField(
        _("labour-market status"), max_length=30, choices=LabourStatus.choices, default=LabourStatus.UNKNOWN
    )
    referral_given = models.BooleanField(_("referral given"), null=True, blank=True)
    completed_at = models.DateTimeField(_("form completed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        indexes = [
            models.Index(fields=["organisation", "started_at"], name="record_org_started_idx"),
            models.Index(fields=["desk", "started_at"], name="record_desk_started_idx"),
            models.Index(fields=["counsellor", "completed_at"], name="record_counsellor_idx"),
            # The reports' passes (stats.reports) read only this index, never the rows: a year of an
            # organisation's records is added up from it three times faster (docs/performance.md).
            models.Index(
                fields=[
                    "organisation",
                    "started_at",
                    "gender",
                    "age_group",
                    "education",
                    "labour_status",
                    "mother_tongue",
                    "municipality",
                    "medium",
                    "desk",
                    "with_person",
                    "abandoned",
                    "returning",
                    "people",
                    "feedback_rating",
                    "feedback_helped",
                    "wait_seconds",
                    "first_response_seconds",
                    "duration_seconds",
                ],
                name="record_report_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"contact {self.pk} ({self.medium})"


class Feedback(models.Model):
    """A client's rating and comment after a conversation, by desk and day, never tied to the conversation.

    The day, not the time: a counsellor who had one conversation in an hour
    should not learn which client wrote the comment.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    desk = models.ForeignKey(Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="feedback")
    given_on = models.DateField(_("day"), db_index=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    helped = models.BooleanField(_("got help"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"feedback {self.pk} on {self.desk_id}"


class PopulationCount(models.Model):
    """The region's population in one group, from a Statistics Finland table (stats.population)."""

    year = models.PositiveSmallIntegerField(_("year"))
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="population")
    age_group = models.CharField(_("age group"), max_length=20, choices=AgeGroup.choices)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices)
    count = models.PositiveIntegerField(_("people"))

    class Meta:
        ordering = ["year", "municipality", "age_group", "gender"]
        verbose_name = _("population count")
        verbose_name_plural = _("population counts")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "municipality", "age_group", "gender"], name="unique_population_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.municipality_id} {self.age_group} {self.gender}: {self.count}"


class RecordFillProgress(models.Model):
    """How far a catch-up job got: the highest conversation id below which every closed one was looked at.

    One row per job (`name`), read and moved by stats.records.fill_missing_records,
    so a run starts where the last one stopped instead of scanning every conversation.
    """

    name = models.CharField(max_length=40, unique=True)
    last_conversation_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_conversation_id}"


class ReportRollup(models.Model):
    """What one organisation's contact records of one UTC month add up to, per desk and medium.

    The reports page adds these up for the whole months of a period instead of
    reading every record again (stats.rollups); a year is a few hundred rows
    where it was 100,000 records. `tally` is a stats.tally.Tally as JSON. Kept
    exact by `ReportRollupStale`: a month with a stale row is counted from its records.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month (first day, UTC)"))
    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    medium = models.CharField(max_length=20, choices=Medium.choices)
    tally = models.JSONField()
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["month", "organisation"], name="rollup_month_idx")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m} {self.desk_id} {self.medium}"


class ReportRollupStale(models.Model):
    """An (organisation, UTC month) whose records changed after its rollups were built.

    Written by database triggers on the contact records and their categories
    (migration stats/0004), so that no way of writing a record (a form, a
    queryset update, bulk_create, the admin, raw SQL) can leave a rollup wrong
    unnoticed. Every change bumps `version`; stats.rollups.refresh_rollups
    removes the row only if the version it read is still there, so a change
    made while it was counting keeps the month stale.
    """

    organisation_id = models.BigIntegerField()
    month = models.DateField()
    version = models.BigIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation_id", "month"], name="unique_stale_month"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m} v{self.version}"
