from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from accounts.admin import in_own_organisation, own_organisation_only, own_staff
from accounts.models import Organisation, Staff
from desks.models import CannedReply, Desk, DeskMembership, OpeningException, OpeningPeriod

# An organisation's admin manages its own organisation's desks and canned replies
# only (accounts.admin.own_organisation_only): adding themselves to another
# organisation's desk would open that organisation's conversations to them.


def own_desks(request: HttpRequest) -> QuerySet[Desk]:
    return in_own_organisation(request, Desk.objects.all(), "organisation_id")


class MembershipInline(admin.TabularInline[DeskMembership, Desk]):
    model = DeskMembership
    extra = 1
    autocomplete_fields = ["staff"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "staff":
            # Own staff, and partner staff already at one of the organisation's desks (added by name on the
            # members page, desks.members): without them the form could not be saved again.
            own_desks = in_own_organisation(request, Desk.objects.all(), "organisation_id")
            partners = Staff.objects.filter(desk_memberships__desk__in=own_desks)
            kwargs["queryset"] = (own_staff(request) | partners).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OpeningPeriodInline(admin.TabularInline[OpeningPeriod, Desk]):
    model = OpeningPeriod
    extra = 1


class OpeningExceptionInline(TranslationTabularInline[OpeningException, Desk]):
    """Closed days and special openings, the reason in every language (the console's page checks more:
    desks.opening; the database refuses a last day before the first and times that do not fit the kind)."""

    model = OpeningException
    extra = 0


@admin.register(Desk)
class DeskAdmin(TranslationAdmin[Desk]):
    """Desks with their texts in every language (desks/translation.py) and the order of the client page.

    The names are required in Finnish, Swedish and English (the form, and the
    database constraint behind it); `position` can be changed in the list.
    """

    list_display = ["name", "position", "organisation", "audience", "languages", "is_active", "bot_enabled"]
    list_editable = ["position"]
    list_filter = ["organisation", "audience", "is_active", "bot_enabled"]
    prepopulated_fields = {"slug": ["name_fi"]}
    inlines = [OpeningPeriodInline, OpeningExceptionInline, MembershipInline]
    search_fields = ["name_fi", "name_sv", "name_en"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Desk]:
        return in_own_organisation(request, super().get_queryset(request), "organisation_id")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organisation":
            kwargs["queryset"] = in_own_organisation(request, Organisation.objects.all(), "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin[CannedReply]):
    list_display = ["title", "desk", "owner", "language"]
    list_filter = ["desk", "language"]
    search_fields = ["title", "body"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "body":
            # A reply becomes a message: the message's limit (as in the console's form).
            kwargs["max_length"] = settings.CHAT_MAX_MESSAGE_CHARS
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CannedReply]:
        queryset = super().get_queryset(request)
        organisation = own_organisation_only(request)
        if organisation is None:
            return queryset
        return queryset.filter(
            Q(desk__organisation_id=organisation) | Q(desk__isnull=True, owner__organisation_id=organisation)
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "desk":
            kwargs["queryset"] = own_desks(request)
        if db_field.name == "owner":
            kwargs["queryset"] = own_staff(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
