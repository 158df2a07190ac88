"""The audit log: who looked at what, and when.

Staff access to transcripts is audited (docs/architecture.md, "Privacy"). A row
says which staff member did what to which object, at which desk, and nothing of
the client: no message text, no search words (they may quote a client), no
client id. The statistics issue reads it by organisation and time, hence the
two indexes. Rows are written only by `audit.actions.record`.
"""

from __future__ import annotations

from typing import Any

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
    REPORT_VIEW = "report.view", _("Viewed a report")
    REPORT_EXPORT = "report.export", _("Exported a report")
    SURVEY_EXPORT = "survey.export", _("Exported survey results")
    POPULATION_IMPORT = "population.import", _("Imported population figures")
    STAFF_ROLE = "staff.role", _("Changed a staff member's role")
    STAFF_ACCESS = "staff.access", _("Changed a staff member's access")
    DESK_MEMBERS = "desk.members", _("Changed who works at a desk")
    DESK_CHANGE = "desk.change", _("Changed a desk")
    BRAIN_CHANGE = "brain.change", _("Changed the chatbot's brain")
    ADMIN_ADD = "admin.add", _("Added in the admin")
    ADMIN_CHANGE = "admin.change", _("Changed in the admin")
    ADMIN_DELETE = "admin.delete", _("Deleted in the admin")
    AUDIT_VIEW = "audit.view", _("Read the audit log")
    SHIFT_PLAN = "shift.plan", _("Changed another staff member's shifts")
    # A third participant of a conversation (conversations.actions.guests, issue 14).
    GUEST_INVITE = "guest.invite", _("Invited a participant into a conversation")
    GUEST_REMOVE = "guest.remove", _("Removed a participant from a conversation")


class ObjectKind(models.TextChoices):
    """What kind of object an event names (blank: none, as for a search)."""

    CONVERSATION = "conversation", _("Conversation")
    STAFF = "staff", _("Staff member")
    DESK = "desk", _("Desk")
    TOPIC = "topic", _("Chatbot topic")
    SURVEY = "survey", _("Survey")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other")


class AuditLogIsAppendOnly(Exception):
    """Raised on any try to change or delete an audit row from the application."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Rows are added, never changed or deleted: a log that its readers can change proves nothing."""

    def update(self, **kwargs: object) -> int:
        raise AuditLogIsAppendOnly("the audit log is not changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("the audit log is not deleted from")


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
    # What changed, in words a supervisor reads ("role: counsellor -> supervisor", a report's filters);
    # never a client's words.
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("the audit log is not changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("the audit log is not deleted from")
