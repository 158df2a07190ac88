"""Contact records made automatically: every closing conversation gets one, with the figures the reports need.

The conversations are driven through the real actions (start, the chatbot's
topics, hand-off, take, messages, close) with a clock the test moves, so the
wait, the first response and the duration are exact.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Staff
from conversations.actions.assignment import do_step_in, do_take, do_transfer
from conversations.actions.bot import do_choose_topic, do_handoff
from conversations.actions.clients import get_or_create_client
from conversations.actions.closing import do_client_end, do_close
from conversations.actions.messages import do_send_message
from conversations.actions.starting import do_start
from conversations.models import Client, Conversation, Status
from conversations.retention import purge_expired
from conversations.signals import conversation_closed
from desks.models import Desk
from stats.models import ContactRecord, RecordFillProgress
from stats.records import fill_missing_records

pytestmark = pytest.mark.django_db(transaction=True)

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


class Clock:
    """`timezone.now` as the test sets it (rows' auto_now_add times too)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def new_client() -> Client:
    return get_or_create_client(None)[0]


def say(conversation_id: int, body: str, *, client: Client | None = None, staff: Staff | None = None) -> None:
    do_send_message(conversation_id, body=body, client_msg_id=uuid.uuid4().hex, client=client, staff=staff)


def record_of(conversation_id: int) -> ContactRecord:
    return ContactRecord.objects.get(conversation_id=conversation_id)


def test_a_bot_only_conversation_is_recorded_without_a_person(demo: Any, clock: Clock) -> None:
    client = new_client()
    conversation_id = do_start(client, demo.desks.youth)  # the youth desk starts with the chatbot
    clock.advance(20)
    do_choose_topic(client, conversation_id, topic="health-mental-health", client_msg_id="a")
    clock.advance(40)
    do_choose_topic(client, conversation_id, topic="career-change", client_msg_id="b")
    do_choose_topic(client, conversation_id, topic="health-mental-health", client_msg_id="c")
    clock.advance(60)
    do_client_end(client, conversation_id)

    record = record_of(conversation_id)
    assert record.organisation_id == demo.desks.youth.organisation_id
    assert record.desk_id == demo.desks.youth.pk
    assert record.medium == "chat"
    assert record.started_at == START
    assert record.duration_seconds == 120
    assert record.with_person is False
    assert record.abandoned is False  # never waited for a person
    assert record.wait_seconds is None and record.first_response_seconds is None
    assert record.client_messages == 3 and record.staff_messages == 0
    assert record.bot_messages == 4  # the greeting and three answers
    assert record.bot_topics == ["health-mental-health", "career-change"]  # each once, in the order reached
    assert record.outcome == "client_left"
    assert record.counsellor is None
    assert record.crisis is False
    assert record.returning is False
    assert record.completed_at is None
    # Nobody is asked to complete it: no person answered.
    assert not ContactRecord.objects.incomplete().filter(with_person=True).exists()


def test_a_client_who_leaves_the_queue_unanswered_is_abandoned(demo: Any, clock: Clock) -> None:
    client = new_client()
    conversation_id = do_start(client, demo.desks.youth)
    clock.advance(30)
    do_handoff(client, conversation_id)
    clock.advance(300)
    say(conversation_id, "onko siellä ketään", client=client)
    clock.advance(200)
    do_client_end(client, conversation_id)

    record = record_of(conversation_id)
    assert record.abandoned is True
    assert record.with_person is False
    assert record.handoff_reason == "asked"
    assert record.wait_seconds is None
    assert record.duration_seconds == 530
    assert record.outcome == "client_left"


def test_an_answered_conversation_has_its_wait_first_response_counts_topics_crisis_and_outcome(
    demo: Any, clock: Clock
) -> None:
    kalle = demo.staff.counsellor
    client = new_client()
    conversation_id = do_start(client, demo.desks.youth)
    clock.advance(10)
    do_choose_topic(client, conversation_id, topic="health-mental-health", client_msg_id="a")
    clock.advance(50)
    do_handoff(client, conversation_id)  # queued at START + 60 s
    clock.advance(90)
    do_take(kalle, conversation_id=conversation_id)  # answered after 90 s
    clock.advance(30)
    say(conversation_id, "Hei, mitä kuuluu?", staff=kalle)  # the first response after 120 s
    clock.advance(60)
    say(conversation_id, "En halua enää elää.", client=client)
    say(conversation_id, "Kiitos kun kerroit.", staff=kalle)
    say(conversation_id, "Tässä numero, johon voit soittaa.", staff=kalle)
    clock.advance(600)
    do_close(kalle, conversation_id, outcome="referred")

    conversation = Conversation.objects.get(pk=conversation_id)
    assert conversation.answered_at == START + dt.timedelta(seconds=150)
    record = record_of(conversation_id)
    assert record.wait_seconds == 90
    assert record.first_response_seconds == 120
    assert record.duration_seconds == 840
    assert record.client_messages == 2  # the chosen topic and one line
    assert record.staff_messages == 3
    assert record.with_person is True
    assert record.abandoned is False
    assert record.bot_topics == ["health-mental-health"]
    assert record.crisis is True
    assert record.outcome == "referred"
    assert record.counsellor == kalle
    assert record.handoff_reason == "asked"
    assert record.completed_at is None  # the counsellor's form is next


def test_the_first_answer_counts_and_a_transfer_does_not_restart_the_wait(demo: Any, clock: Clock) -> None:
    kalle, aino, supervisor = demo.staff.counsellor, demo.staff.counsellor2, demo.staff.supervisor
    client = new_client()
    conversation_id = do_start(client, demo.desks.homework, person=True)  # no chatbot: straight to the queue
    clock.advance(45)
    do_take(demo.staff.volunteer, conversation_id=conversation_id)
    clock.advance(15)
    say(conversation_id, "Hei!", staff=demo.staff.volunteer)
    clock.advance(100)
    do_transfer(demo.staff.volunteer, conversation_id, to_desk_id=demo.desks.youth.pk, to_staff_id=aino.pk)
    clock.advance(100)
    do_take(aino, conversation_id=conversation_id)
    clock.advance(10)
    do_step_in(supervisor, conversation_id)
    assert Conversation.objects.get(pk=conversation_id).answered_at == START + dt.timedelta(seconds=45)
    do_close(supervisor, conversation_id, outcome="answered")

    record = record_of(conversation_id)
    assert record.wait_seconds == 45
    assert record.first_response_seconds == 60
    assert record.desk_id == demo.desks.youth.pk  # where it ended
    assert record.counsellor == supervisor  # who answered last
    assert not kalle.pk == record.counsellor_id


def test_a_late_outcome_updates_the_record_and_the_client_answers_are_its_first_values(demo: Any, clock: Clock) -> None:
    from stats.models import Municipality

    Municipality.objects.get_or_create(code="091", defaults={"name": "Helsinki"})
    kalle = demo.staff.counsellor
    client = new_client()
    conversation_id = do_start(client, demo.desks.youth, person=True)
    Conversation.objects.filter(pk=conversation_id).update(client_age_group="16_17", client_municipality="091")
    do_take(kalle, conversation_id=conversation_id)
    say(conversation_id, "Moi", staff=kalle)
    do_client_end(client, conversation_id)
    record = record_of(conversation_id)
    assert record.outcome == ""  # the counsellor records it
    assert (record.age_group, record.municipality) == ("16_17", "091")

    do_close(kalle, conversation_id, outcome="follow_up")
    assert ContactRecord.objects.filter(conversation_id=conversation_id).count() == 1
    assert record_of(conversation_id).outcome == "follow_up"


def test_an_unknown_client_answer_is_not_copied(demo: Any) -> None:
    client = new_client()
    conversation_id = do_start(client, demo.desks.youth, person=True)
    Conversation.objects.filter(pk=conversation_id).update(client_age_group="99", client_municipality="999")
    do_client_end(client, conversation_id)
    record = record_of(conversation_id)
    assert (record.age_group, record.municipality) == ("unknown", "")


def test_a_returning_client_is_marked_only_within_the_same_organisation(demo: Any) -> None:
    client = new_client()
    first = do_start(client, demo.desks.youth, person=True)
    do_client_end(client, first)
    at_other_organisation = do_start(client, demo.desks.study, person=True)
    do_client_end(client, at_other_organisation)
    again = do_start(client, demo.desks.parents, person=True)  # the same organisation as the youth desk
    do_client_end(client, again)
    someone_else = new_client()
    other = do_start(someone_else, demo.desks.youth, person=True)
    do_client_end(someone_else, other)

    assert record_of(first).returning is False
    assert record_of(at_other_organisation).returning is False
    assert record_of(again).returning is True
    assert record_of(other).returning is False


def test_idle_conversations_closed_by_the_purge_get_their_records(demo: Any, clock: Clock) -> None:
    client = new_client()
    conversation_id = do_start(client, demo.desks.youth, person=True)
    clock.advance(3 * 24 * 3600)
    purge_expired(clock.now)
    assert Conversation.objects.get(pk=conversation_id).status == Status.CLOSED
    assert record_of(conversation_id).abandoned is True


@pytest.fixture
def broken_receiver() -> Iterator[None]:
    """A receiver that fails, as a bug in the records would: the close must go through all the same."""

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("records are broken")

    from stats.records import on_conversation_closed

    conversation_closed.disconnect(dispatch_uid="stats.contact_record")
    conversation_closed.connect(fail, dispatch_uid="test.fail")
    yield
    conversation_closed.disconnect(dispatch_uid="test.fail")
    conversation_closed.connect(on_conversation_closed, dispatch_uid="stats.contact_record")


def closed_without_records(desk: Desk, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        client = new_client()
        conversation_id = do_start(client, desk, person=True)
        do_client_end(client, conversation_id)
        ids.append(conversation_id)
    return ids


def test_a_failing_record_never_stops_a_close_and_the_catch_up_job_makes_it(
    demo: Any, broken_receiver: None, caplog: pytest.LogCaptureFixture
) -> None:
    ids = closed_without_records(demo.desks.youth, 3)
    assert Conversation.objects.filter(pk__in=ids, status=Status.CLOSED).count() == 3
    assert not ContactRecord.objects.exists()
    assert "records are broken" in caplog.text

    assert fill_missing_records(batch=2) == 3
    assert sorted(ContactRecord.objects.values_list("conversation_id", flat=True)) == ids
    assert RecordFillProgress.objects.get().last_conversation_id == ids[-1]
    # Idempotent: nothing more to make.
    assert fill_missing_records() == 0
    assert ContactRecord.objects.count() == 3


def test_the_catch_up_job_stops_its_mark_before_an_open_conversation(demo: Any, broken_receiver: None) -> None:
    first = closed_without_records(demo.desks.youth, 1)[0]
    open_client = new_client()
    still_open = do_start(open_client, demo.desks.youth, person=True)
    later = closed_without_records(demo.desks.youth, 1)[0]

    assert fill_missing_records() == 2
    assert RecordFillProgress.objects.get().last_conversation_id == still_open - 1
    do_client_end(open_client, still_open)  # without a record: the receiver is broken
    assert fill_missing_records() == 1
    assert set(ContactRecord.objects.values_list("conversation_id", flat=True)) == {first, still_open, later}
    assert RecordFillProgress.objects.get().last_conversation_id == later


def test_the_catch_up_job_leaves_purged_conversations_alone(demo: Any, broken_receiver: None) -> None:
    purged = closed_without_records(demo.desks.youth, 1)[0]
    Conversation.objects.filter(pk=purged).update(purged_at=timezone.now())
    deleted = closed_without_records(demo.desks.youth, 1)[0]
    Conversation.objects.filter(pk=deleted).update(deleted_by_client_at=timezone.now())
    assert fill_missing_records() == 0


def test_the_management_command_fills_missing_records(demo: Any, broken_receiver: None, capsys: Any) -> None:
    closed_without_records(demo.desks.parents, 2)
    call_command("fill_contact_records")
    assert "contact records made: 2" in capsys.readouterr().out
    assert ContactRecord.objects.count() == 2


def test_the_purge_command_makes_missing_records_before_purging(demo: Any, broken_receiver: None, capsys: Any) -> None:
    """Cron runs only `manage.py purge_expired`: a conversation past retention without a record gets one
    first, while its words are there to count; then the purge cuts the record's link to it."""
    old = closed_without_records(demo.desks.youth, 1)[0]
    Conversation.objects.filter(pk=old).update(closed_at=timezone.now() - dt.timedelta(days=365))
    assert not ContactRecord.objects.exists()
    call_command("purge_expired")
    out = capsys.readouterr().out
    assert "records made: 1" in out and "conversations purged: 1" in out and "records unlinked: 1" in out
    record = ContactRecord.objects.get()
    assert record.conversation_id is None and record.desk == demo.desks.youth
    assert Conversation.objects.get(pk=old).purged_at is not None
    # Run again: nothing more to make or purge.
    call_command("purge_expired")
    assert "records made: 0" in capsys.readouterr().out and ContactRecord.objects.count() == 1
