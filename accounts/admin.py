from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, Staff


def own_organisation_only(request: HttpRequest) -> int | None:
    """The organisation an admin's staff pages are limited to; None for a superuser (the whole region).

    An organisation's admin manages the staff of their own organisation: changing
    another organisation's accounts (a password, say) would let them log in as
    those staff and read that organisation's conversations.
    """
    user = request.user
    if not isinstance(user, Staff) or user.is_superuser:
        return None
    return user.organisation_id or 0


def in_own_organisation(request: HttpRequest, queryset: QuerySet[Any], lookup: str) -> QuerySet[Any]:
    """`queryset` limited to rows whose organisation's id (`lookup`) is the admin's own."""
    organisation = own_organisation_only(request)
    return queryset if organisation is None else queryset.filter(**{lookup: organisation})


def own_staff(request: HttpRequest) -> QuerySet[Staff]:
    return in_own_organisation(request, Staff.objects.all(), "organisation_id")


class OwnOrganisationDeviceAdmin:
    """Authenticator devices of the admin's own organisation's staff only."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return in_own_organisation(request, super().get_queryset(request), "user__organisation_id")  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = own_staff(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class OrganisationTOTPDeviceAdmin(OwnOrganisationDeviceAdmin, TOTPDeviceAdmin):
    pass


class OrganisationStaticDeviceAdmin(OwnOrganisationDeviceAdmin, StaticDeviceAdmin):
    pass


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, OrganisationTOTPDeviceAdmin)
admin.site.unregister(StaticDevice)
admin.site.register(StaticDevice, OrganisationStaticDeviceAdmin)


# Fields that give rights beyond the organisation: only a superuser sets them.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "groups", "user_permissions")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    """Organisations; an admin sees and changes only their own, e.g. its retention days (1 to 3650)."""

    list_display = ["name", "slug", "retention_days"]
    fields = ["name", "slug", "retention_days"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return in_own_organisation(request, super().get_queryset(request), "pk")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return own_organisation_only(request) is None and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return own_organisation_only(request) is None and super().has_delete_permission(request, obj)


@admin.register(Staff)
class StaffAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "display_name", "organisation", "role", "is_active"]
    list_filter = ["organisation", "role", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Kohtaamo"), {"fields": ["organisation", "role", "display_name"]}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Kohtaamo"), {"fields": ["organisation", "role", "display_name"]}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Staff]:
        return in_own_organisation(request, super().get_queryset(request), "organisation_id")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if own_organisation_only(request) is not None:
            fields += SUPERUSER_ONLY_FIELDS
        return fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        organisation = own_organisation_only(request)
        if db_field.name == "organisation" and organisation is not None:
            kwargs["queryset"] = Organisation.objects.filter(pk=organisation)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The Django admin's login page, replaced: everybody logs in through the staff login.

    The admin's own form would check the password without the wait after failed tries (an
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
