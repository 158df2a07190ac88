"""Statistics in the Django admin: the organisation's categories, each admin their own organisation's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import in_own_organisation
from accounts.models import Organisation
from stats.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    """Topics and fields of interest (also kept in the console, /console/categories/).

    A category some record has is never deleted: retire it (`in use` off) instead,
    so old records keep it.
    """

    list_display = ["name", "kind", "position", "is_active", "organisation"]
    list_editable = ["position", "is_active"]
    list_filter = ["kind", "is_active", "organisation"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return in_own_organisation(request, super().get_queryset(request), "organisation_id")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organisation":
            kwargs["queryset"] = in_own_organisation(request, Organisation.objects.all(), "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # No bulk delete: it would not ask, one by one, whether a record has the category.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        if obj is not None and obj.records.exists():
            return False
        return super().has_delete_permission(request, obj)
