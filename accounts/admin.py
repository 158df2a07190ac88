from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
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


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The Django admin's login page, replaced: everybody logs in through the staff login.

    The admin's own form would check the password without the lock-out (an
    unlimited password oracle for admin accounts). An admin who is already in
    goes on to the admin; any other logged-in staff member lacks admin rights,
    and is told so rather than asked to log in again.
    """
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    if admin.site.has_permission(request):
        return redirect(next_url)
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect(reverse("accounts:login") + "?" + urlencode({"next": next_url}, safe="/"))


admin.site.login = admin_login  # type: ignore[method-assign]
