"""The brain in Django's admin, for admins; editors get their own UI in the console."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from bot.actions import do_record_edit
from bot.models import ExampleQuestion, Referral, Topic, TopicEdit, TopicText


class TopicTextInline(admin.StackedInline[TopicText, Topic]):
    model = TopicText
    extra = 0


class ExampleQuestionInline(admin.TabularInline[ExampleQuestion, Topic]):
    model = ExampleQuestion
    extra = 1


class ReferralInline(admin.TabularInline[Referral, Topic]):
    model = Referral
    extra = 0
    # Referrals are web services; an address typed without a scheme means https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class TopicEditInline(admin.TabularInline[TopicEdit, Topic]):
    model = TopicEdit
    extra = 0
    can_delete = False
    readonly_fields = ["at", "staff", "summary"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["slug", "area", "status", "handoff_desk", "updated_at", "updated_by"]
    list_filter = ["status", "area", "handoff_desk"]
    search_fields = ["slug", "texts__title", "questions__text"]
    filter_horizontal = ["follow_ups"]
    readonly_fields = ["created_at", "updated_at", "updated_by"]
    inlines = [TopicTextInline, ExampleQuestionInline, ReferralInline, TopicEditInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After the inlines, so that the edit record covers the whole save.
        super().save_related(request, form, formsets, change)
        do_record_edit(form.instance, request.user, "Changed in admin" if change else "Created in admin")  # type: ignore[arg-type]
