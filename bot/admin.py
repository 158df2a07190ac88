"""The brain in Django's admin, for admins; editors get their own UI in the console."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from bot.actions import do_record_edit
from bot.brainfiles import topic_data
from bot.models import AnswerVote, EditKind, ExampleQuestion, Referral, Topic, TopicEdit, TopicText, UnansweredQuestion


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
        # Written straight into what clients see, so recorded with its version for the editor's history.
        summary = "Changed in admin" if change else "Created in admin"
        do_record_edit(form.instance, request.user, summary, EditKind.EDIT, topic_data(form.instance))  # type: ignore[arg-type]


@admin.register(AnswerVote)
class AnswerVoteAdmin(admin.ModelAdmin[AnswerVote]):
    """Read-only: votes are the clients' word, counted for the editors, never edited by staff."""

    list_display = ["topic", "language", "helpful", "created_at"]
    list_filter = ["helpful", "language"]
    search_fields = ["topic"]
    date_hierarchy = "created_at"
    # The message link only lets a client change their vote; staff need not follow it.
    exclude = ["message"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UnansweredQuestion)
class UnansweredQuestionAdmin(admin.ModelAdmin[UnansweredQuestion]):
    """Unanswered questions for admins: look and delete; editors handle them at /brain/unanswered/."""

    list_display = ["text", "language", "count", "best_guess", "last_seen"]
    list_filter = ["language"]
    search_fields = ["text", "best_guess"]
    ordering = ["-count", "-last_seen"]
    readonly_fields = ["language", "text", "normalised", "count", "best_guess", "first_seen", "last_seen"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # They come from clients (bot.feedback.do_record_unanswered), already masked.
        return False
