from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Staff


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Staff)
class StaffAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "display_name", "organisation", "role", "is_active", "locked_until"]
    list_filter = ["organisation", "role", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Kohtaamo"), {"fields": ["organisation", "role", "display_name", "locked_until"]}),
    )
    readonly_fields = ["locked_until"]
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Kohtaamo"), {"fields": ["organisation", "role", "display_name"]}),
    )
