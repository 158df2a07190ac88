from django.contrib import admin

from desks.models import CannedReply, Desk, DeskMembership


class MembershipInline(admin.TabularInline[DeskMembership, Desk]):
    model = DeskMembership
    extra = 1
    autocomplete_fields = ["staff"]


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin[Desk]):
    list_display = ["name", "organisation", "audience", "languages", "is_active"]
    list_filter = ["organisation", "audience", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    search_fields = ["name"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin[CannedReply]):
    list_display = ["title", "desk", "owner", "language"]
    list_filter = ["desk", "language"]
    search_fields = ["title", "body"]
