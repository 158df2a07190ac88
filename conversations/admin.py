"""Conversations are read in the console, not the admin: the admin lists them
without message bodies, so that reading a transcript always goes through the
console (where later issues audit it)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import in_own_organisation
from conversations.models import Conversation


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin[Conversation]):
    list_display = ["pk", "desk", "status", "assigned_to", "urgent", "created_at", "closed_at", "outcome"]
    list_filter = ["status", "desk", "outcome", "urgent"]
    readonly_fields = [f.name for f in Conversation._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        # An organisation's admin sees its own organisation's conversations only.
        return in_own_organisation(request, super().get_queryset(request), "desk__organisation_id")
