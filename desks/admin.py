from django.contrib import admin

from desks.models import CannedReply, Desk, DeskMembership, OpeningPeriod


class MembershipInline(admin.TabularInline[DeskMembership, Desk]):
    model = DeskMembership
    extra = 1
    autocomplete_fields = ["staff"]


class OpeningPeriodInline(admin.TabularInline[OpeningPeriod, Desk]):
    model = OpeningPeriod
    extra = 1


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin[Desk]):
    list_display = ["name", "organisation", "audience", "languages", "is_active", "bot_enabled"]
    list_filter = ["organisation", "audience", "is_active", "bot_enabled"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningPeriodInline, MembershipInline]
    search_fields = ["name"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin[CannedReply]):
    list_display = ["title", "desk", "owner", "language"]
    list_filter = ["desk", "language"]
    search_fields = ["title", "body"]
