"""Who is on duty: staff members' presence, their open consoles and their shifts.

A staff member is on duty at a desk when their console is open (a live
`ConsoleSocket`) and their `Presence` is available or busy. The rules that read
these rows (who can take a conversation now, whether a desk answers) live in
`conversations.actions.duty`; shifts are the plan, presence is the fact.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from desks.models import Desk


class Status(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy: no new conversations")
    AWAY = "away", _("Away")


class Presence(models.Model):
    """A staff member's own status and their limit of simultaneous conversations.

    No row means available with the default limit (`DUTY_DEFAULT_MAX_CONVERSATIONS`):
    a counsellor who never touched the switch answers as before.
    """

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="presence",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    # None: the setting's default, so an operator's change reaches everybody who kept it.
    max_conversations = models.PositiveSmallIntegerField(_("most conversations at once"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")

    def __str__(self) -> str:
        return f"{self.staff_id}: {self.status}"


class ConsoleSocket(models.Model):
    """One open staff socket: the staff member is in the console.

    Written when the socket opens, removed when it closes; `seen_at` is renewed
    by the socket's own session check, so the rows of a killed process expire
    (`DUTY_SOCKET_EXPIRY_SECONDS`) instead of keeping somebody on duty forever.
    """

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_sockets", verbose_name=_("staff")
    )
    channel_name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("open console")
        verbose_name_plural = _("open consoles")

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.channel_name}"


class Shift(models.Model):
    """A planned time a staff member answers at a desk (signed up for by themselves or planned by a supervisor)."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("staff member")
    )
    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("desk"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planned by"),
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["desk", "starts_at"], name="shift_desk_start_idx")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start")]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.desk_id} {self.starts_at:%Y-%m-%d %H:%M}"
