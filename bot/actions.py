"""Changes to the brain.

As in conversations.actions: `check_*` functions validate, `do_*` functions
change state in one transaction. Every change to a topic goes through here so
that it leaves a TopicEdit saying who made it and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from accounts.models import Staff
from bot.brainfiles import TopicData, read_brain_dir, topic_data
from bot.models import ExampleQuestion, Referral, Topic, TopicEdit, TopicText
from desks.models import Desk


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
    existing = {
        topic.slug: topic
        for topic in Topic.objects.select_related("handoff_desk").prefetch_related(
            "follow_ups", "texts", "questions", "referrals"
        )
    }
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
