"""Contact records: made automatically for every conversation, completed by its counsellor, or recorded whole.

Who fills what, and when:
- A conversation's record is made when it closes, inside the closing
  transaction (the `conversations.signals.conversation_closed` signal, connected
  in StatsConfig.ready), and brought up to date when a counsellor records the
  outcome of a conversation the client had already ended. The automatic part
  (desk, times, counts, the chatbot's topics, hand-off, crisis, outcome,
  abandoned, returning) is the conversation's; the client's own answers (age
  group, municipality) are copied in as the form's first values.
- `fill_missing_records` makes the records a close did not (a receiver that
  failed, conversations closed before records existed); run by
  `manage.py fill_contact_records` and first by every purge
  (`stats.purge.purge_expired`: `manage.py purge_expired` and the timer of scripts/serve.py).
- A record needs the counsellor's form when a person answered (`with_person`).
  Its counsellor (the conversation's last) fills it, or a supervisor or admin
  of its desk (`may_fill`); saving the form completes it (`completed_at`).
- A contact outside Kohtaamo (a phone call, a pop-up) is recorded whole by
  staff and is complete at once (`do_record_outside_contact`).

Nothing here reads a message's words: the counts and times come from one
aggregate query, the topics from the bot's answers' codes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, Staff
from common.demographics import MUNICIPALITY_ELSEWHERE, MUNICIPALITY_UNKNOWN, AgeGroup
from conversations.actions.access import lock_conversation
from conversations.actions.queue import bot_topics
from conversations.models import Conversation, Message, SenderKind, Status
from desks.actions import desks_for_staff
from desks.models import Desk
from stats.models import Category, ContactRecord, Medium, Municipality, RecordFillProgress

logger = logging.getLogger(__name__)

# How old an incomplete record is before the console reminds its counsellor of it.
REMIND_AFTER = dt.timedelta(hours=1)
# The most people one record of a contact outside Kohtaamo may count (a large group session).
MAX_PEOPLE = 10000
# The catch-up job's row in RecordFillProgress.
FILL_JOB = "contact_records"


# --- The automatic part ------------------------------------------------------------------


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def valid_municipality(code: str) -> str:
    """`code` if it is a municipality of the region or "another municipality"; else "not known"."""
    if code == MUNICIPALITY_ELSEWHERE or (code and Municipality.objects.filter(code=code).exists()):
        return code
    return MUNICIPALITY_UNKNOWN


def automatic_fields(conversation: Conversation) -> dict[str, Any]:
    """The record's part that a closed conversation itself tells (three or four queries).

    The wait runs from when the client first joined a queue (the hand-off from
    the chatbot, or the start when they asked for a person at once) until a
    person first took the conversation (`answered_at`), or for conversations
    from before that field, their first line; the first response time until the
    first staff line. A transfer later does not restart either.
    """
    counts = Message.objects.filter(conversation_id=conversation.pk).aggregate(
        client=Count("pk", filter=Q(sender_kind=SenderKind.CLIENT)),
        staff=Count("pk", filter=Q(sender_kind=SenderKind.STAFF)),
        bot=Count("pk", filter=Q(sender_kind=SenderKind.BOT)),
        first_staff=Min("created_at", filter=Q(sender_kind=SenderKind.STAFF)),
        handed_off=Min("created_at", filter=Q(sender_kind=SenderKind.SYSTEM, code="handed_off")),
    )
    queue_start: dt.datetime | None = None
    if conversation.queued_at is not None:
        queue_start = counts["handed_off"] or (conversation.created_at if not counts["bot"] else conversation.queued_at)
    answered = conversation.answered_at or counts["first_staff"]
    with_person = conversation.answered_at is not None or counts["staff"] > 0
    organisation_id = Desk.objects.filter(pk=conversation.desk_id).values_list("organisation_id", flat=True).get()
    returning = (
        conversation.client_id is not None
        and Conversation.objects.filter(
            client_id=conversation.client_id, desk__organisation_id=organisation_id, pk__lt=conversation.pk
        ).exists()
    )
    return {
        "organisation_id": organisation_id,
        "desk_id": conversation.desk_id,
        "medium": Medium.CHAT,
        "started_at": conversation.created_at,
        "people": 1,
        "returning": returning,
        "wait_seconds": _seconds(queue_start, answered),
        "first_response_seconds": _seconds(queue_start, counts["first_staff"]),
        "duration_seconds": _seconds(conversation.created_at, conversation.closed_at),
        "client_messages": counts["client"],
        "staff_messages": counts["staff"],
        "bot_messages": counts["bot"],
        "with_person": with_person,
        "bot_topics": bot_topics([conversation.pk])[conversation.pk],
        "handoff_reason": conversation.handoff_reason,
        "crisis": conversation.crisis_at is not None,
        "outcome": conversation.outcome,
        "abandoned": conversation.queued_at is not None and not with_person,
    }


def client_answers(conversation: Conversation) -> dict[str, str]:
    """The client's own answers (age group, municipality), as the form's first values; unknown values dropped."""
    answers: dict[str, str] = {}
    if conversation.client_age_group in AgeGroup.values:
        answers["age_group"] = conversation.client_age_group
    municipality = valid_municipality(conversation.client_municipality)
    if municipality:
        answers["municipality"] = municipality
    return answers


def upsert_record(conversation: Conversation) -> ContactRecord:
    """Make or bring up to date the record of a closed conversation (the caller holds its lock).

    A record the counsellor has completed keeps its counsellor and their
    answers; only the automatic part follows the conversation.
    """
    fields = automatic_fields(conversation)
    record = ContactRecord.objects.filter(conversation_id=conversation.pk).first()
    if record is None:
        record = ContactRecord(conversation_id=conversation.pk, **fields, **client_answers(conversation))
        record.counsellor_id = conversation.assigned_to_id
        record.save()
        return record
    for name, value in fields.items():
        setattr(record, name, value)
    if record.completed_at is None:
        record.counsellor_id = conversation.assigned_to_id
        for name, value in client_answers(conversation).items():
            if getattr(record, name) in (AgeGroup.UNKNOWN, MUNICIPALITY_UNKNOWN):
                setattr(record, name, value)
    record.save()
    return record


def on_conversation_closed(sender: Any, conversation: Conversation, **kwargs: Any) -> None:
    """The receiver of `conversation_closed`: the record, in a savepoint so a failure undoes only itself."""
    with transaction.atomic():
        upsert_record(conversation)


def fill_missing_records(batch: int = 200) -> int:
    """Make the records of closed conversations that have none; returns how many were made. Idempotent.

    Starts after the conversation id where the last run stopped
    (`RecordFillProgress`) and moves that mark up to just below the oldest
    conversation still open, so nothing open is passed by. Conversations whose
    words are gone (purged, or deleted by the client) are left alone: the purge
    cuts a record's link to its conversation, so "no record" would not be true
    of them; their records were made when they closed, long before the purge.
    """
    progress, _ = RecordFillProgress.objects.get_or_create(name=FILL_JOB)
    done = progress.last_conversation_id
    top = Conversation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    oldest_open = Conversation.objects.open().filter(pk__gt=done).order_by("pk").values_list("pk", flat=True).first()
    limit = min(top, oldest_open - 1) if oldest_open is not None else top
    made = 0
    while True:
        missing = list(
            Conversation.objects.filter(
                pk__gt=done,
                pk__lte=top,
                status=Status.CLOSED,
                contact_record__isnull=True,
                purged_at__isnull=True,
                deleted_by_client_at__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        for conversation_id in missing:
            made += _fill_one(conversation_id)
        if len(missing) < batch:
            break
        done = missing[-1]
    if limit > progress.last_conversation_id:
        RecordFillProgress.objects.filter(pk=progress.pk, last_conversation_id__lt=limit).update(
            last_conversation_id=limit, updated_at=timezone.now()
        )
    return made


def _fill_one(conversation_id: int) -> int:
    """The record of one closed conversation, under its lock; 0 when another process made it meanwhile."""
    try:
        with transaction.atomic():
            conversation = lock_conversation(conversation_id)
            if conversation.status != Status.CLOSED or ContactRecord.objects.filter(conversation_id=conversation_id):
                return 0
            upsert_record(conversation)
    except IntegrityError:
        return 0
    return 1


# --- Who completes which ----------------------------------------------------------------


def _supervised_desks(staff: Staff) -> QuerySet[Desk]:
    return desks_for_staff(staff) if staff.may_supervise else Desk.objects.none()


def visible_records(staff: Staff) -> QuerySet[ContactRecord]:
    """The records `staff` may open: their own; a supervisor's desks'; an admin's organisation's too."""
    if not staff.may_answer:
        return ContactRecord.objects.none()
    if staff.is_superuser:
        return ContactRecord.objects.all()
    rule = Q(counsellor=staff)
    if staff.may_supervise:
        rule |= Q(desk__in=_supervised_desks(staff))
        if staff.role == Role.ADMIN and staff.organisation_id is not None:
            rule |= Q(organisation_id=staff.organisation_id)
    return ContactRecord.objects.filter(rule)


def may_fill(staff: Staff, record: ContactRecord) -> bool:
    """Whether `staff` may fill in `record`'s form (anyone else is answered as if it did not exist)."""
    return visible_records(staff).filter(pk=record.pk).exists()


def check_record(staff: Staff, record_id: int) -> ContactRecord:
    """The record `staff` may fill in; ContactRecord.DoesNotExist for a missing one and anyone else's alike."""
    return visible_records(staff).select_related("desk", "organisation").get(pk=record_id)


def record_of_conversation(staff: Staff, conversation_id: int) -> ContactRecord:
    """The record of a closed conversation, made now if its close did not make it; DoesNotExist if not `staff`'s."""
    record = ContactRecord.objects.filter(conversation_id=conversation_id).first()
    if record is None and Conversation.objects.filter(pk=conversation_id).exists():
        _fill_one(conversation_id)
        record = ContactRecord.objects.filter(conversation_id=conversation_id).first()
    if record is None:
        raise ContactRecord.DoesNotExist
    return check_record(staff, record.pk)


def needs_form() -> QuerySet[ContactRecord]:
    """Incomplete records of contacts a person answered: those a counsellor is asked to complete."""
    return ContactRecord.objects.incomplete().filter(with_person=True)


def own_incomplete(staff: Staff) -> QuerySet[ContactRecord]:
    """The incomplete records `staff` answered, oldest first."""
    return needs_form().filter(counsellor=staff).order_by("started_at", "pk")


def desks_incomplete(staff: Staff) -> QuerySet[ContactRecord]:
    """For a supervisor or admin: the incomplete records of their desks that are somebody else's."""
    if not staff.may_supervise:
        return ContactRecord.objects.none()
    return (
        needs_form()
        .filter(pk__in=visible_records(staff).values("pk"))
        .exclude(counsellor=staff)
        .order_by("started_at", "pk")
    )


def overdue_count(staff: Staff, now: dt.datetime | None = None) -> int:
    """How many of `staff`'s own incomplete records are older than REMIND_AFTER (the console's reminder)."""
    now = now or timezone.now()
    return own_incomplete(staff).filter(started_at__lt=now - REMIND_AFTER).count()


# --- The counsellor's part ---------------------------------------------------------------


class RecordError(Exception):
    """A record's values break a rule; `field` names the form's field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Answers:
    """The counsellor's part of a record, as the form gives it."""

    categories: list[Category]
    age_group: str
    gender: str
    municipality: str
    mother_tongue: str
    education: str
    labour_status: str
    referral_given: bool


def categories_for(organisation_id: int, kind: str, *, keep: Iterable[int] = ()) -> QuerySet[Category]:
    """The organisation's categories of `kind` in use, in its order, and those of `keep` even if retired."""
    return Category.objects.filter(organisation_id=organisation_id, kind=kind).filter(
        Q(is_active=True) | Q(pk__in=list(keep))
    )


def _check_categories(organisation_id: int, categories: list[Category], keep: set[int]) -> None:
    from django.utils.translation import gettext as _

    for category in categories:
        if category.organisation_id != organisation_id or not (category.is_active or category.pk in keep):
            raise RecordError(_("Choose topics from your organisation's list."), field="categories")


def _apply(record: ContactRecord, answers: Answers) -> None:
    record.age_group = answers.age_group
    record.gender = answers.gender
    record.municipality = answers.municipality
    record.mother_tongue = answers.mother_tongue
    record.education = answers.education
    record.labour_status = answers.labour_status
    record.referral_given = answers.referral_given


def do_complete_record(staff: Staff, record_id: int, answers: Answers) -> ContactRecord:
    """Save the counsellor's part of a record and mark it complete (may be saved again to correct it)."""
    with transaction.atomic():
        # Authorised first, then locked by its key alone (no row lock over the rule's subqueries).
        record_id = visible_records(staff).values_list("pk", flat=True).get(pk=record_id)
        record = ContactRecord.objects.select_for_update().get(pk=record_id)
        keep = set(record.categories.values_list("pk", flat=True))
        _check_categories(record.organisation_id, answers.categories, keep)
        _apply(record, answers)
        if record.counsellor_id is None:
            record.counsellor = staff
        record.completed_at = timezone.now()
        record.save()
        record.categories.set(answers.categories)
    return record


def organisation_of(staff: Staff, desk: Desk | None) -> int | None:
    """Whose a contact outside Kohtaamo is: the desk's organisation, else the staff member's."""
    return desk.organisation_id if desk is not None else staff.organisation_id


def do_record_outside_contact(
    staff: Staff, *, medium: str, day: dt.date, desk: Desk | None, people: int, answers: Answers
) -> ContactRecord:
    """Record a contact outside Kohtaamo (a phone call, a pop-up ...), complete at once."""
    from django.utils.translation import gettext as _

    if medium == Medium.CHAT or medium not in Medium.values:
        raise RecordError(_("Choose how the contact happened."), field="medium")
    if not 1 <= people <= MAX_PEOPLE:
        raise RecordError(_("Give a number from 1 to %(max)s.") % {"max": MAX_PEOPLE}, field="people")
    if day > timezone.localdate():
        raise RecordError(_("The date cannot be in the future."), field="day")
    if desk is not None and not desks_for_staff(staff).filter(pk=desk.pk).exists():
        raise RecordError(_("Choose one of your desks."), field="desk")
    organisation_id = organisation_of(staff, desk)
    if organisation_id is None:
        raise RecordError(_("Choose a desk: you do not belong to an organisation."), field="desk")
    _check_categories(organisation_id, answers.categories, set())
    # Noon of the day: the day stays the same in every time zone the reports may use.
    started = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    with transaction.atomic():
        record = ContactRecord(
            organisation_id=organisation_id,
            desk=desk,
            medium=medium,
            started_at=started,
            people=people,
            with_person=True,
            counsellor=staff,
            completed_at=timezone.now(),
        )
        _apply(record, answers)
        record.save()
        record.categories.set(answers.categories)
    return record
