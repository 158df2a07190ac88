"""The one place of the Django admin's branding and of the labels it lacks in Finnish and Swedish.

Branding: Kohtaamo's name instead of "Django administration", in the staff
member's language.

Labels: the admin shows every field's `verbose_name`. Kohtaamo's own models
name their fields with gettext; a few fields shown in the admin (read-only
conversation details, and django-otp's authenticator devices, a library
without Finnish or Swedish catalogs) have plain English names. They get
translated labels here, at start-up, without a migration: a field's
`verbose_name` is changed but not the value its migrations record
(`Field._verbose_name`), so `makemigrations` sees nothing to do. Why not in
the models: a migration in the conversations and bot apps only for labels
would collide with the migrations of their own work, and django-otp's models
are not ours. tests/languages/test_admin_languages.py checks that every field and
model the admin shows has a translated label.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.admin import AdminSite, ModelAdmin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from audit.changes import audit_admin_action
from audit.models import Action

# app label -> model name -> field name -> label.
FIELD_LABELS: dict[str, dict[str, dict[str, Promise]]] = {
    "conversations": {
        "conversation": {
            "client": _("client"),
            "offered_to": _("offered to"),
            "offered_until": _("offered until"),
            "created_at": _("started"),
            "queued_at": _("in the queue since"),
            "closed_at": _("closed"),
            "closed_by_client": _("ended by the client"),
            "purged_at": _("messages deleted"),
            "answered_at": _("a person answered"),
            "deleted_by_client_at": _("deleted by the client"),
            "client_age_group": _("age group given by the client"),
            "client_municipality": _("municipality given by the client"),
            "feedback_at": _("rated by the client"),
            "last_seq": _("last message number"),
            "client_delivered_seq": _("delivered to the client up to"),
            "client_read_seq": _("read by the client up to"),
            "staff_delivered_seq": _("delivered to staff up to"),
            "staff_read_seq": _("read by staff up to"),
        },
    },
    "bot": {
        "answervote": {"message": _("message")},
        "unansweredquestion": {"normalised": _("normalised text")},
    },
    "otp_totp": {
        "totpdevice": {
            "user": _("staff member"),
            "name": _("name"),
            "confirmed": _("confirmed"),
            "throttling_failure_timestamp": _("last failed try"),
            "throttling_failure_count": _("failed tries"),
            "created_at": _("created"),
            "last_used_at": _("last used"),
            "key": _("key"),
            "step": _("time step"),
            "t0": _("start time"),
            "digits": _("digits"),
            "tolerance": _("tolerance"),
            "drift": _("drift"),
            "last_t": _("last time step"),
        },
    },
    "otp_static": {
        "staticdevice": {
            "user": _("staff member"),
            "name": _("name"),
            "confirmed": _("confirmed"),
            "throttling_failure_timestamp": _("last failed try"),
            "throttling_failure_count": _("failed tries"),
            "created_at": _("created"),
            "last_used_at": _("last used"),
        },
        "statictoken": {"device": _("device"), "token": _("code")},
    },
}

# app label -> model name -> (verbose name, plural): django-otp's models.
MODEL_LABELS: dict[str, dict[str, tuple[Promise, Promise]]] = {
    "otp_totp": {"totpdevice": (_("authenticator app"), _("authenticator apps"))},
    "otp_static": {
        "staticdevice": (_("backup code list"), _("backup code lists")),
        "statictoken": (_("backup code"), _("backup codes")),
    },
}


def label_fields() -> None:
    """Give the fields and models of FIELD_LABELS and MODEL_LABELS their translated labels (once, at start-up)."""
    for app_label, models in FIELD_LABELS.items():
        for model_name, labels in models.items():
            model = apps.get_model(app_label, model_name)
            for field_name, label in labels.items():
                # Only the shown label: `_verbose_name`, which migrations record, stays.
                model._meta.get_field(field_name).verbose_name = label
    for app_label, names in MODEL_LABELS.items():
        for model_name, (singular, plural) in names.items():
            meta = apps.get_model(app_label, model_name)._meta
            meta.verbose_name, meta.verbose_name_plural = singular, plural


class AuditedAdmin(ModelAdmin):  # type: ignore[type-arg]
    """Every addition, change and deletion in the admin also goes to the audit log (audit.changes).

    Mixed into every model admin registered on the site (KohtaamoAdminSite.register),
    so that no model, ours or a library's, is changed in the admin unaudited.
    The admin's own history (LogEntry) stays as it is.
    """

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        audit_admin_action(request.user, Action.ADMIN_ADD, obj, message)
        return entry

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        audit_admin_action(request.user, Action.ADMIN_CHANGE, obj, message)
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        """Called before the deletion: one row per object, in the same transaction as the deletion."""
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            audit_admin_action(request.user, Action.ADMIN_DELETE, obj)
        return entries


class KohtaamoAdminSite(AdminSite):
    """Django's admin site with Kohtaamo's name instead of "Django administration", every action audited."""

    site_header = _("Kohtaamo administration")
    site_title = _("Kohtaamo administration")
    index_title = _("Organisations, staff and desks")

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Register `admin_class` with the audit log's hooks (AuditedAdmin) mixed in."""
        base = admin_class or ModelAdmin
        if not issubclass(base, AuditedAdmin):
            base = type(base.__name__, (AuditedAdmin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)
