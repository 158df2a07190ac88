"""Changes to the brain.

As in conversations.actions: `check_*` functions validate, `do_*` functions
change state in one transaction. Every change to a topic goes through here so
that it leaves a TopicEdit saying who made it and when.

Drafts: the editor's changes are kept in `Topic.draft` (the canonical form of
bot.brainfiles) and reach nobody until `do_publish_topic` writes them into the
tables the bot, the API and the suggestions read, and bumps the brain version.
Every save and publish leaves a version (TopicEdit.data) for the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Role, Staff
from audit.actions import record
from audit.models import Action, ObjectKind
from bot.brainfiles import REQUIRED_LANGUAGE, TopicData, read_brain_dir, topic_data, topics_with_parts
from bot.cache import brain_changed
from bot.engine import SPECIAL_TOPICS
from bot.models import (
    EditKind,
    ExampleQuestion,
    Referral,
    Topic,
    TopicEdit,
    TopicStatus,
    TopicText,
    UnansweredQuestion,
)
from common.languages import is_supported, language_name
from desks.models import Desk

if TYPE_CHECKING:
    from collections.abc import Iterable


BRAIN_EDITOR_ROLES = frozenset({Role.EDITOR, Role.ADMIN})

# Paths of the editor's own pages under /brain/ (bot/editor_urls.py), so no topic can take them.
RESERVED_SLUGS = frozenset({"new", "try", "unanswered", "signals", "words", "preview"})
MAX_SLUG_LENGTH = 80
# Finnish and Swedish letters as a Finn writes them in an address (slugify would drop ß, æ, ø).
_TRANSLITERATION = str.maketrans({"ä": "a", "ö": "o", "å": "a", "ü": "u", "æ": "ae", "ø": "o", "ß": "ss"})


def can_edit_brain(staff: object) -> bool:
    """Editors, admins and superusers manage the brain in the staff UI."""
    return isinstance(staff, Staff) and staff.is_active and (staff.is_superuser or staff.role in BRAIN_EDITOR_ROLES)


def check_can_edit_brain(staff: object) -> Staff:
    """`staff` as a Staff member allowed to edit the brain; PermissionDenied otherwise."""
    if not can_edit_brain(staff):
        raise PermissionDenied
    assert isinstance(staff, Staff)
    return staff


def do_record_edit(
    topic: Topic,
    staff: Staff | None,
    summary: str,
    kind: EditKind = EditKind.EDIT,
    data: TopicData | None = None,
) -> TopicEdit:
    """Note who changed `topic` and how (with the version `data`, for the history); also kept on the topic.

    Every change of the brain made by a staff member passes here, so here it is
    also written to the audit log (BRAIN_CHANGE), in the same transaction. An
    import by `manage.py brain import` names nobody and is not audited
    (audit.changes: changes outside a request). The summary of an added
    example question quotes the question, which may be a client's (the
    unanswered questions): the audit row names only the kind of edit.
    """
    Topic.objects.filter(pk=topic.pk).update(updated_by=staff, updated_at=timezone.now())
    topic.updated_by = staff
    edit = TopicEdit.objects.create(topic=topic, staff=staff, summary=summary[:300], kind=kind, data=data)
    if staff is not None:
        detail = f"{topic.slug}: {kind.value}"
        if kind in AUDITED_SUMMARIES and summary:
            detail += f" ({summary})"
        record(staff, Action.BRAIN_CHANGE, kind=ObjectKind.TOPIC, object_id=topic.pk, detail=detail)
    return edit


# Edits whose summary is made of field names and dates only (changed_parts, do_revert_topic, the
# import's source), so it may go into the audit log. Not EXAMPLE (it quotes the question), not
# EDIT (the admin's summary, audited as the admin's change).
AUDITED_SUMMARIES = frozenset({EditKind.DRAFT, EditKind.REVERTED, EditKind.IMPORTED})


# --- Slugs -------------------------------------------------------------------------------


def slug_for_title(title: str, taken: Iterable[str] | None = None) -> str:
    """A slug made from `title`: Finnish letters transliterated (ä -> a), unique and not an editor's page.

    Editors never type slugs: they name files and links, and votes are counted
    by them, so a topic keeps the slug it was given when created.
    """
    base = slugify(title.lower().translate(_TRANSLITERATION))[: MAX_SLUG_LENGTH - 4].strip("-") or "topic"
    used = set(taken) if taken is not None else set(Topic.objects.values_list("slug", flat=True))
    used |= RESERVED_SLUGS
    slug, number = base, 2
    while slug in used:
        slug = f"{base}-{number}"
        number += 1
    return slug


def topic_title(data: TopicData) -> str:
    """The title a new topic's slug is made from: Finnish first, then the other languages."""
    languages = data.get("languages", {})
    for code in (REQUIRED_LANGUAGE, *languages):
        title = str(languages.get(code, {}).get("title", "")).strip()
        if title:
            return title
    return ""


# --- Drafts, publishing, history, archive ---------------------------------------------------


def working_data(topic: Topic) -> TopicData:
    """The topic as the editor works on it: its draft, or what clients see when it has none."""
    if topic.draft is not None:
        return {**topic.draft, "slug": topic.slug, "status": topic.status}
    return topic_data(topic)


def _locked(topic: Topic) -> Topic:
    """`topic` read again and locked (PostgreSQL), so that two editors' saves follow each other."""
    return Topic.objects.select_for_update().get(pk=topic.pk)


def changed_parts(before: TopicData, after: TopicData) -> list[str]:
    """What differs between two versions, for an edit's summary: "area", "fi: answer", "sv: questions"..."""
    parts = [key for key in ("area", "handoff_desk", "follow_ups") if before.get(key) != after.get(key)]
    old, new = before.get("languages", {}), after.get("languages", {})
    for code in sorted(set(old) | set(new)):
        a, b = old.get(code, {}), new.get(code, {})
        parts += [
            f"{code}: {key}"
            for key in ("title", "answer", "plain_answer", "questions", "referrals")
            if a.get(key) != b.get(key)
        ]
    return parts


@transaction.atomic
def do_create_topic(staff: Staff, data: TopicData) -> Topic:
    """A new topic from the editor's first draft; its slug is made from its title. Nobody sees it yet."""
    check_can_edit_brain(staff)
    title = topic_title(data)
    if not title:
        raise ValidationError(_("Give the topic a title in at least one language."), code="title")
    slug = slug_for_title(title)
    draft = {**data, "slug": slug, "status": TopicStatus.DRAFT.value}
    topic = Topic.objects.create(slug=slug, area=data["area"], status=TopicStatus.DRAFT, draft=draft)
    do_record_edit(topic, staff, "", EditKind.CREATED, draft)
    return topic


@transaction.atomic
def do_save_draft(
    staff: Staff, topic: Topic, data: TopicData, *, kind: EditKind = EditKind.DRAFT, summary: str = ""
) -> TopicEdit | None:
    """Keep `data` as the topic's draft, for clients only once published; None when nothing changed.

    A draft equal to what clients already see is no draft: the topic is then
    simply up to date (so saving an unchanged form leaves no pending change).
    """
    check_can_edit_brain(staff)
    topic = _locked(topic)
    data = {**data, "slug": topic.slug, "status": topic.status}
    before = working_data(topic)
    parts = changed_parts(before, data)
    if not parts:
        return None
    live = topic.status == TopicStatus.PUBLISHED and data == topic_data(topic)
    if topic.draft is None and not topic.edits.filter(data__isnull=False).exists():
        # A topic with no version yet (made before the history, or outside the editor): what it
        # held comes first, so that the first draft can be compared with it and reverted.
        TopicEdit.objects.create(topic=topic, kind=EditKind.BASELINE, data=topic_data(topic))
    # An update, not save(): no signal, so a draft does not make every process rebuild its bot.
    Topic.objects.filter(pk=topic.pk).update(draft=None if live else data)
    return do_record_edit(topic, staff, summary or "Draft: " + ", ".join(parts), kind, data)


def check_publishable(data: TopicData) -> None:
    """Raise ValidationError when `data` cannot be what clients see.

    The rules of the brain files (docs/brain-format.md), so that every
    published topic can be exported and imported again: Finnish is the
    language every topic has, and each language has a title, an answer and at
    least one example question (without one the bot could not learn to find
    the topic in that language).
    """
    languages = data.get("languages", {})
    fi = languages.get(REQUIRED_LANGUAGE, {})
    if not str(fi.get("title", "")).strip() or not str(fi.get("answer", "")).strip():
        raise ValidationError(
            _("A topic needs its Finnish title and answer before it can be published."), code="finnish"
        )
    lacking = [language_name(code) for code, entry in languages.items() if not entry.get("questions")]
    if lacking:
        raise ValidationError(
            _("Add at least one example question in each language before publishing: %(languages)s.")
            % {"languages": ", ".join(lacking)},
            code="questions",
        )


@transaction.atomic
def do_publish_topic(staff: Staff, topic: Topic) -> Topic:
    """Make the topic's draft what clients see, and have every process's bot rebuilt.

    Written into the tables by the import's own code (apply_topic_fields), so a
    published topic is exactly what `brain import` would make of the same data.
    """
    check_can_edit_brain(staff)
    topic = _locked(topic)
    if topic.is_archived:
        raise ValidationError(_("Restore the topic before publishing it."), code="archived")
    if topic.is_published and topic.draft is None:
        raise ValidationError(_("Nothing to publish: clients already see this version."), code="unchanged")
    data = {**working_data(topic), "status": TopicStatus.PUBLISHED.value}
    check_publishable(data)
    desks = {desk.slug: desk for desk in Desk.objects.all()}
    if data.get("handoff_desk") and data["handoff_desk"] not in desks:
        raise ValidationError(_("The hand-off desk of this topic no longer exists. Choose another one."), code="desk")
    wanted = set(data.get("follow_ups", []))
    # Links to archived topics stay (they come back on restore); follow-ups deleted meanwhile are dropped.
    follow_ups = list(Topic.objects.filter(slug__in=wanted).exclude(pk=topic.pk)) + list(
        topic.follow_ups.filter(archived_at__isnull=False)
    )
    apply_topic_fields(topic, data, desks)
    topic.follow_ups.set(follow_ups)
    Topic.objects.filter(pk=topic.pk).update(draft=None)
    topic.draft = None
    do_record_edit(topic, staff, "", EditKind.PUBLISHED, topic_data(topic))
    brain_changed()
    return topic


@transaction.atomic
def do_discard_draft(staff: Staff, topic: Topic) -> None:
    """Throw away a published topic's pending draft: the editor goes back to what clients see."""
    check_can_edit_brain(staff)
    topic = _locked(topic)
    if topic.draft is None or topic.status != TopicStatus.PUBLISHED:
        raise ValidationError(_("There is no draft to discard."), code="no_draft")
    Topic.objects.filter(pk=topic.pk).update(draft=None)
    do_record_edit(topic, staff, "", EditKind.DISCARDED, topic_data(topic))


def versions(topic: Topic) -> list[TopicEdit]:
    """The topic's versions, newest first: the edits that recorded the topic as it was after them."""
    return list(topic.edits.filter(data__isnull=False).select_related("staff"))


@transaction.atomic
def do_revert_topic(staff: Staff, topic: Topic, version_id: int) -> TopicEdit | None:
    """Take an earlier version back as the topic's draft (None when it is the draft already).

    A draft, not published at once: the old version may name a service or a
    phone number that has changed since, so the editor sees it in the editor
    and the preview first; publishing it is then one more click.
    """
    check_can_edit_brain(staff)
    version = TopicEdit.objects.filter(pk=version_id, topic=topic, data__isnull=False).first()
    if version is None or version.data is None:
        raise ValidationError(_("That version does not exist."), code="version")
    when = timezone.localtime(version.at).strftime("%d.%m.%Y %H:%M")
    return do_save_draft(
        staff, topic, version.data, kind=EditKind.REVERTED, summary=f"Version of {when} taken back as a draft"
    )


@transaction.atomic
def do_archive_topic(staff: Staff, topic: Topic) -> Topic:
    """Take the topic out of the bot and the lists without deleting it (see do_restore_topic).

    Other topics' follow-up links to it are kept but not offered (bot.engine
    offers only topics it has; bot.brainfiles.topic_data leaves them out), so
    they come back when it is restored.
    """
    check_can_edit_brain(staff)
    topic = _locked(topic)
    if topic.slug in SPECIAL_TOPICS:
        raise ValidationError(_("The bot needs this topic: it cannot be archived."), code="special")
    if topic.is_archived:
        raise ValidationError(_("The topic is archived already."), code="archived")
    topic.archived_at = timezone.now()
    topic.save(update_fields=["archived_at"])
    do_record_edit(topic, staff, "", EditKind.ARCHIVED)
    brain_changed()
    return topic


@transaction.atomic
def do_restore_topic(staff: Staff, topic: Topic) -> Topic:
    """Bring an archived topic back as it was: published again if it was, with its draft if it had one."""
    check_can_edit_brain(staff)
    topic = _locked(topic)
    if not topic.is_archived:
        raise ValidationError(_("The topic is not archived."), code="not_archived")
    topic.archived_at = None
    topic.save(update_fields=["archived_at"])
    do_record_edit(topic, staff, "", EditKind.RESTORED)
    brain_changed()
    return topic


# --- Import ------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def check_brain_dir(directory: Path) -> list[TopicData]:
    """Every topic in `directory`, validated; raises BrainFileError listing every problem."""
    return read_brain_dir(directory)


def apply_topic_fields(topic: Topic, data: TopicData, desks: dict[str, Desk]) -> None:
    """Write `data` into the tables clients read (the import and publishing both use this)."""
    topic.area = data["area"]
    topic.status = data["status"]
    topic.handoff_desk = desks[data["handoff_desk"]] if "handoff_desk" in data else None
    topic.save()
    # Replaced wholesale: the data is the whole truth about the topic's texts.
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
    and gets no edit record, so re-importing an exported brain is a no-op. An
    import writes what clients see; a pending draft of the editor's and an
    archived topic's archive are left as they are.
    """
    summary = ImportSummary()
    desks = {desk.slug: desk for desk in Desk.objects.all()}
    existing = {topic.slug: topic for topic in topics_with_parts()}
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
        do_record_edit(
            topic, staff, f"{what} by brain import{f' from {source}' if source else ''}", EditKind.IMPORTED, data
        )
        (summary.created if created else summary.updated).append(topic.slug)
    return summary


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
    existing = list(topic.questions.filter(language=language).values_list("text", flat=True))
    if topic.draft is not None:
        existing += topic.draft.get("languages", {}).get(language, {}).get("questions", [])
    if any(" ".join(other.split()).casefold() == folded for other in existing):
        raise ValidationError(
            _("The topic %(topic)s already has this example question.") % {"topic": topic.slug}, code="duplicate"
        )
    if topic.draft is not None and topic.status != TopicStatus.PUBLISHED and language not in topic.draft["languages"]:
        raise ValidationError(
            _("The topic has no text in this language yet: write its title and answer first."), code="no_text"
        )
    return cleaned


@transaction.atomic
def do_add_example_question(staff: Staff, topic: Topic, language: str, text: str) -> ExampleQuestion:
    """Add one example question to `topic` and record the edit; the bot learns it at once if the topic is live.

    For adding a single question without the whole edit form (the unanswered
    questions page). Validation as in check_example_question; nothing is
    stored when it fails. A question teaches the bot at once, so it bypasses
    the draft: it goes into what clients see (a post_save signal has every
    process's bot rebuilt) and into the pending draft too, so that publishing
    the draft keeps it. A topic never published gets it in its draft only;
    the ExampleQuestion returned is then not saved.
    """
    check_can_edit_brain(staff)
    topic = _locked(topic)
    cleaned = check_example_question(topic, language, text)
    question = ExampleQuestion(topic=topic, language=language, text=cleaned)
    if topic.draft is None or topic.status == TopicStatus.PUBLISHED:
        question.save()
    if topic.draft is not None and language in topic.draft["languages"]:
        draft = topic.draft
        draft["languages"][language]["questions"] = [*draft["languages"][language]["questions"], cleaned]
        Topic.objects.filter(pk=topic.pk).update(draft=draft)
    do_record_edit(
        topic, staff, f"Example question added ({language}): {cleaned}", EditKind.EXAMPLE, working_data(topic)
    )
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
