"""The audit log: who looked at what, and when.

Staff access to transcripts is audited (docs/architecture.md, "Privacy"). A row
says which staff member did what to which object, at which desk, and nothing of
the client: no message text, no search words (they may quote a client), no
client id. The statistics issue reads it by organisation and time, hence the
two indexes. Rows are written only by `audit.actions.record`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from desks.models import Desk


class Action(models.TextChoices):
    """What was done. Named `<area>.<verb>`, so that a later area adds its own without renaming these."""

    HISTORY_SEARCH = "history.search", _("Searched closed conversations")
    HISTORY_OPEN = "history.open", _("Opened a closed conversation")


class ObjectKind(models.TextChoices):
    """What kind of object an event names (blank: none, as for a search)."""

    CONVERSATION = "conversation", _("Conversation")


class AuditEvent(models.Model):
    """One audited action of a staff member.

    The staff member, their organisation and the desk are protected from
    deletion: an account is deactivated, not deleted, so that "who read this
    conversation" can still be answered after a complaint. The organisation is
    the staff member's at the time (it may change later), so that the log can be
    read per organisation without joining through today's staff rows.
    """

    at = models.DateTimeField(_("when"), default=timezone.now)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    object_kind = models.CharField(_("object kind"), max_length=40, choices=ObjectKind.choices, blank=True)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["at"], name="audit_at_idx"),
            models.Index(fields=["organisation", "at"], name="audit_org_at_idx"),
        ]

    def __str__(self) -> str:
        target = f" {self.object_kind} {self.object_id}" if self.object_kind else ""
        return f"{self.at:%Y-%m-%d %H:%M} {self.staff_id} {self.action}{target}"
