"""Organisations and the staff who log in.

Clients never appear here: they are anonymous (see conversations.models.Client).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The days of an organisation that has not set its own, and of a staff member with none (a superuser).
DEFAULT_RETENTION_DAYS = 90


class Organisation(models.Model):
    """A municipality, college or association that takes part in the region's service."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    # Clients' words (messages, notes, attachments, call details) are deleted this many days after
    # a conversation closes (conversations.retention); the anonymous statistics stay.
    retention_days = models.PositiveSmallIntegerField(
        _("days conversations are kept"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Messages and files are deleted this many days after a conversation ends."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


def retention_days_of(organisation: Organisation | None) -> int:
    """The days `organisation` keeps its clients' words (conversations.retention); the default for none."""
    return organisation.retention_days if organisation is not None else DEFAULT_RETENTION_DAYS


def shortest_retention_days() -> int:
    """The fewest days any organisation keeps clients' words: the days of what belongs to no desk.

    The chatbot's unanswered questions are asked before a client reaches any
    desk; deleting them after the shortest days keeps every organisation's promise.
    """
    days = Organisation.objects.order_by("retention_days").values_list("retention_days", flat=True).first()
    return days if days is not None else DEFAULT_RETENTION_DAYS


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    COUNSELLOR = "counsellor", _("Counsellor")
    VOLUNTEER = "volunteer", _("Volunteer")
    EDITOR = "editor", _("Content editor")


# Roles that must pass a TOTP second factor before they reach anything.
ROLES_REQUIRING_2FA = frozenset({Role.ADMIN, Role.SUPERVISOR})
# Roles that answer clients in the console.
CHAT_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.COUNSELLOR, Role.VOLUNTEER})


class Staff(AbstractUser):
    """A logged-in person. Email is optional: a username is enough."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.COUNSELLOR)
    display_name = models.CharField(
        _("name shown to clients"),
        max_length=60,
        blank=True,
        help_text=_("A first name or a title such as 'Youth worker'. Clients see this."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    @property
    def requires_2fa(self) -> bool:
        return self.role in ROLES_REQUIRING_2FA or self.is_superuser

    @property
    def may_answer(self) -> bool:
        """May answer clients: the console, queues, conversations and canned replies."""
        return self.is_active and (self.role in CHAT_ROLES or self.is_superuser)

    @property
    def may_supervise(self) -> bool:
        """May watch live conversations of their desks and step in."""
        return self.is_active and (self.role in (Role.SUPERVISOR, Role.ADMIN) or self.is_superuser)

    @property
    def may_read_desk_history(self) -> bool:
        """May read every closed conversation of their desks in the history, not only their own.

        Counsellors, supervisors and admins are the professionals responsible for
        the desk's clients and follow up on each other's conversations.
        Volunteers (trained students helping with homework) read back only the
        conversations they answered themselves: what they need to continue, and
        no more of what young people have told others (conversations.actions.history).
        """
        return self.may_answer and (self.role != Role.VOLUNTEER or self.is_superuser)

    @property
    def may_read_audit_log(self) -> bool:
        """May read the audit log: supervisors and admins their organisation's, superusers the whole region's.

        Which rows each sees is audit.actions.audit_events_for.
        """
        if not self.is_active:
            return False
        return self.is_superuser or (self.role in (Role.SUPERVISOR, Role.ADMIN) and self.organisation_id is not None)

    @property
    def public_name(self) -> str:
        return self.display_name or self.first_name or str(Role(self.role).label)


class LoginThrottle(models.Model):
    """Failed login tries in a row for one user name, or for one browser trusted with that name.

    A row exists for unknown names as much as for real ones: every name is
    counted and delayed alike, so neither the answer nor its timing tells which
    names exist (accounts.actions). The key is an HMAC of the lower-cased name
    (keyed with SECRET_KEY), so the table holds no names and cannot be turned
    back into them by trying a list. It lives in the database because every
    server process must see the same count. Rows are forgotten a day after
    their last failure (accounts.actions.FORGET_FAILURES_AFTER).
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure = models.DateTimeField(db_index=True)
    # No try for this key is checked before this moment; None: no wait.
    wait_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.failures}"
