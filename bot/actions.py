"""Changes to the brain.

As in conversations.actions: `check_*` functions validate, `do_*` functions
change state in one transaction. Every change to a topic goes through here so
that it leaves a TopicEdit saying who made it and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Staff
from bot.brainfiles import TopicData, read_brain_dir, topic_data, topics_for_export
from bot.cache import brain_changed
from bot.models import ExampleQuestion, Referral, Topic, TopicEdit, TopicText, UnansweredQuestion
from common.languages import is_supported
from desks.models import Desk

if TYPE_CHECKING:
    from bot.forms import LanguageForms, TopicForm


BRAIN_EDITOR_ROLES = frozenset({Role.EDITOR, Role.ADMIN})


def can_edit_brain(staff: object) -> bool:
    """Editors, admins and superusers manage the brain in the staff UI."""
    return isinstance(staff, Staff) and staff.is_active and (staff.is_superuser or staff.role in BRAIN_EDITOR_ROLES)


def check_can_edit_brain(staff: object) -> Staff:
    """`staff` as a Staff member allowed to edit the brain; PermissionDenied otherwise."""
    if not can_edit_brain(staff):
        raise PermissionDenied
    assert isinstance(staff, Staff)
    return staff


def do_record_edit(topic: Topic, staff: Staff | None, summary: str) -> TopicEdit:
    """Note who changed `topic`; also kept on the topic itself for the list view."""
    Topic.objects.filter(pk=topic.pk).update(updated_by=staff)
    topic.updated_by = staff
    return TopicEdit.objects.create(topic=topic, staff=staff, summary=summary[:300])


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def check_brain_dir(directory: Path) -> list[TopicData]:
    """Every topic in `directory`, validated; raises BrainFileError listing every problem."""
    return read_brain_dir(directory)


def apply_topic_fields(topic: Topic, data: TopicData, desks: dict[str, Desk]) -> None:
    topic.area = data["area"]
    topic.status = data["status"]
    topic.handoff_desk = desks[data["handoff_desk"]] if "handoff_desk" in data else None
    topic.save()
    # Replaced wholesale: the file is the whole truth about the topic's texts.
    topic.texts.all().delete()
    topic.questions.all().delete()
    topic.referrals.all().delete()
    for code, entry in data["languages"].items():
        TopicText.objects.create(
            topic=topic,
            language=code,
            title=entry["title"],
            answer=entry["answer"],
            plain_answer=entry.get("plain_answer", ""),
        )
        ExampleQuestion.objects.bulk_create(
            ExampleQuestion(topic=topic, language=code, text=text) for text in entry["questions"]
        )
        Referral.objects.bulk_create(
            Referral(topic=topic, language=code, order=order, **referral)
            for order, referral in enumerate(entry.get("referrals", []))
        )


@transaction.atomic
def do_import_topics(topics: list[TopicData], staff: Staff | None = None, source: str = "") -> ImportSummary:
    """Create or update each topic by slug, all or nothing.

    A topic whose data is already exactly what the database holds is left alone
    and gets no edit record, so re-importing an exported brain is a no-op.
    """
    summary = ImportSummary()
    desks = {desk.slug: desk for desk in Desk.objects.all()}
    existing = {topic.slug: topic for topic in topics_for_export()}
    changed: list[tuple[Topic, TopicData, bool]] = []
    for data in topics:
        topic = existing.get(data["slug"])
        if topic is not None and topic_data(topic) == data:
            summary.unchanged.append(data["slug"])
            continue
        created = topic is None
        if topic is None:
            topic = Topic(slug=data["slug"])
        apply_topic_fields(topic, data, desks)
        existing[topic.slug] = topic
        changed.append((topic, data, created))
    # Follow-ups last: they may name topics created by this same import.
    for topic, data, created in changed:
        topic.follow_ups.set([existing[slug] for slug in data.get("follow_ups", [])])
        what = "Created" if created else "Updated"
        do_record_edit(topic, staff, f"{what} by brain import{f' from {source}' if source else ''}")
        (summary.created if created else summary.updated).append(topic.slug)
    return summary


@transaction.atomic
def do_save_topic_forms(staff: Staff, topic_form: TopicForm, languages: list[LanguageForms], *, created: bool) -> Topic:
    """Save a topic edited in the staff UI (all forms already valid), record the edit, refresh the bot."""
    check_can_edit_brain(staff)
    topic = topic_form.save()
    changed = list(topic_form.changed_data)
    for forms in languages:
        lang = forms.lang
        text_form = forms.text
        if text_form.is_empty:
            if topic.texts.filter(language=lang).delete()[0]:
                changed.append(f"{lang}:text")
        else:
            text = text_form.save(commit=False)
            text.topic, text.language = topic, lang
            text.save()
            if text_form.changed_data:
                changed.append(f"{lang}:text")
        for formset, what in ((forms.questions, "questions"), (forms.referrals, "referrals")):
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                obj.delete()
            for obj in instances:
                obj.topic, obj.language = topic, lang
                obj.save()
            if instances or formset.deleted_objects:
                changed.append(f"{lang}:{what}")
    summary = "Created in the editor" if created else "Edited in the editor"
    if changed and not created:
        summary += ": " + ", ".join(changed)
    do_record_edit(topic, staff, summary)
    Topic.objects.filter(pk=topic.pk).update(updated_at=timezone.now())
    brain_changed()
    return topic


# The model's limit; the editor's own forms allow the same.
MAX_EXAMPLE_QUESTION_CHARS = 500


def check_example_question(topic: Topic, language: str, text: str) -> str:
    """`text` with its whitespace tidied, if it can become an example question of `topic`.

    Raises ValidationError with a message for the editor when the language is
    unknown, the text is empty or too long, or the topic already has the same
    question in that language (compared as the editor's formset does:
    ignoring case and extra spaces), because a duplicate teaches the ranking
    nothing and the database would refuse an exact one.
    """
    cleaned = " ".join(text.split())
    if not is_supported(language):
        raise ValidationError(_("Unknown language: %(language)s.") % {"language": language}, code="language")
    if not cleaned:
        raise ValidationError(_("The question is empty."), code="empty")
    if len(cleaned) > MAX_EXAMPLE_QUESTION_CHARS:
        raise ValidationError(
            _("The question is longer than %(max)d characters.") % {"max": MAX_EXAMPLE_QUESTION_CHARS},
            code="too_long",
        )
    folded = cleaned.casefold()
    existing = topic.questions.filter(language=language).values_list("text", flat=True)
    if any(" ".join(other.split()).casefold() == folded for other in existing):
        raise ValidationError(
            _("The topic %(topic)s already has this example question.") % {"topic": topic.slug}, code="duplicate"
        )
    return cleaned


@transaction.atomic
def do_add_example_question(staff: Staff, topic: Topic, language: str, text: str) -> ExampleQuestion:
    """Add one example question to `topic` and record the edit; the bot learns it at once.

    For adding a single question without the whole edit form (the unanswered
    questions page). Validation as in check_example_question; nothing is
    stored when it fails. The ExampleQuestion's post_save signal calls
    bot.cache.brain_changed, so every process's bot is rebuilt.
    """
    check_can_edit_brain(staff)
    cleaned = check_example_question(topic, language, text)
    question = ExampleQuestion.objects.create(topic=topic, language=language, text=cleaned)
    do_record_edit(topic, staff, f"Example question added ({language}): {cleaned}")
    Topic.objects.filter(pk=topic.pk).update(updated_at=timezone.now())
    return question


def _locked_unanswered(question_id: int) -> UnansweredQuestion:
    """The unanswered question, locked (PostgreSQL) so that two editors cannot both handle it."""
    question = UnansweredQuestion.objects.select_for_update().filter(pk=question_id).first()
    if question is None:
        raise ValidationError(
            _("That question is no longer in the list: someone may have added or dismissed it already."),
            code="gone",
        )
    return question


@transaction.atomic
def do_add_unanswered_as_example(staff: Staff, question_id: int, topic: Topic) -> ExampleQuestion:
    """Turn an unanswered question into an example question of `topic`, in its language, in one step.

    All in one transaction: the example question, its TopicEdit and the removal
    of the unanswered row happen together or not at all (a duplicate or a row
    already handled by another editor changes nothing).
    """
    check_can_edit_brain(staff)
    question = _locked_unanswered(question_id)
    example = do_add_example_question(staff, topic, question.language, question.text)
    question.delete()
    return example


@transaction.atomic
def do_dismiss_unanswered(staff: Staff, question_id: int) -> UnansweredQuestion:
    """Remove an unanswered question the brain should not learn (small talk, nonsense); returns it.

    If clients keep asking it, it comes back with a new count.
    """
    check_can_edit_brain(staff)
    question = _locked_unanswered(question_id)
    question.delete()
    return question
