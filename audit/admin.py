"""The audit log in the Django admin: read-only, and only the admin's own organisation's rows.

Nobody edits or deletes an audit row here: a log that its readers can change
proves nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import in_own_organisation
from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["at", "staff", "organisation", "action", "object_kind", "object_id", "desk"]
    # Not by desk: the filter would list every organisation's desks by name.
    list_filter = ["action"]
    date_hierarchy = "at"
    list_select_related = ["staff", "organisation", "desk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return in_own_organisation(request, super().get_queryset(request), "organisation_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
