"""Who is on duty, whether a desk answers now, the limit of simultaneous conversations, and shifts' coverage.

Direct calls of conversations.actions.duty and duty.shifts with a frozen clock
(freezegun): Monday 7 December 2026 at 15.00 Helsinki time, inside the youth
desk's hours (Mon 14–20) set by each test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from freezegun import freeze_time

from audit.models import Action, AuditEvent
from conversations.actions.assignment import do_take, do_transfer
from conversations.actions.duty import (
    answering_staff,
    desk_answers_now,
    do_add_shift,
    do_console_closed,
    do_console_heartbeat,
    do_console_opened,
    do_remove_shift,
    do_set_presence,
    on_duty,
)
from conversations.errors import ChatError
from conversations.models import Status
from desks.hours import set_hours
from duty.models import Shift
from duty.shifts import ShiftError, check_shift_times, coverage
from tests.support.factories import ConversationFactory

MONDAY_15 = "2026-12-07 13:00:00"  # UTC: 15.00 in Helsinki (EET)
HELSINKI = timezone.get_fixed_timezone(120)


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in the frozen week: December `day`, 2026, Helsinki time."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=HELSINKI)


@pytest.fixture(autouse=True)
def in_english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def youth(demo: Any) -> Any:
    desk = demo.desks.youth
    set_hours(desk, [(0, dt.time(14), dt.time(20))])
    return desk


@freeze_time(MONDAY_15)
def test_inside_hours_with_nobody_on_duty_the_desk_does_not_answer(demo: Any, youth: Any) -> None:
    assert on_duty(youth) == []
    assert not desk_answers_now(youth)


@freeze_time(MONDAY_15)
def test_one_available_counsellor_makes_the_desk_answer_and_busy_or_away_does_not(demo: Any, youth: Any) -> None:
    kalle = demo.staff.counsellor
    do_console_opened(kalle, "console-kalle")
    assert [(p.name, p.status) for p in on_duty(youth)] == [("Kalle", "available")]
    assert desk_answers_now(youth)
    assert answering_staff(youth) == [kalle]

    do_set_presence(kalle, "busy")
    assert [(p.name, p.status) for p in on_duty(youth)] == [("Kalle", "busy")]  # on duty, but takes no new ones
    assert not desk_answers_now(youth)
    assert answering_staff(youth) == []

    do_set_presence(kalle, "away")
    assert on_duty(youth) == []
    assert not desk_answers_now(youth)

    do_set_presence(kalle, "available")
    do_console_closed("console-kalle")
    assert not desk_answers_now(youth)  # the console closed: nobody present


def test_outside_hours_nobody_answers_even_when_available(demo: Any, youth: Any) -> None:
    with freeze_time("2026-12-07 19:00:00"):  # 21.00 in Helsinki: closed
        do_console_opened(demo.staff.counsellor, "console-kalle")
        assert not desk_answers_now(youth)


def test_a_console_of_a_killed_process_stops_counting(demo: Any, youth: Any, settings: Any) -> None:
    settings.DUTY_SOCKET_EXPIRY_SECONDS = 120
    with freeze_time(MONDAY_15) as clock:
        do_console_opened(demo.staff.counsellor, "dead-process")
        do_console_opened(demo.staff.counsellor2, "live-process")
        assert len(on_duty(youth)) == 2
        clock.tick(100)
        do_console_heartbeat("live-process", demo.staff.counsellor2)  # only the living socket renews its row
        clock.tick(100)
        assert [p.name for p in on_duty(youth)] == ["Aino"]
        assert desk_answers_now(youth)


@freeze_time(MONDAY_15)
def test_the_limit_of_simultaneous_conversations_holds_in_take(demo: Any, youth: Any) -> None:
    kalle = demo.staff.counsellor
    do_console_opened(kalle, "console-kalle")
    do_set_presence(kalle, "available", max_conversations=1)
    first, second = ConversationFactory.create(desk=youth), ConversationFactory.create(desk=youth)

    do_take(kalle, conversation_id=first.pk)
    assert answering_staff(youth) == []  # at the limit: offered nothing more
    assert desk_answers_now(youth)  # but the desk still has somebody available, who frees up soon
    with pytest.raises(ChatError) as refused:
        do_take(kalle, conversation_id=second.pk)
    assert refused.value.code == "at_limit"
    assert "limit" in refused.value.message
    second.refresh_from_db()
    assert second.status == Status.QUEUED and second.assigned_to is None

    do_set_presence(kalle, "available", max_conversations=2)
    assert do_take(kalle, conversation_id=second.pk).assigned_to == kalle


@freeze_time(MONDAY_15)
def test_the_limit_must_be_sensible(demo: Any) -> None:
    for bad in (0, 11):
        with pytest.raises(ChatError) as refused:
            do_set_presence(demo.staff.counsellor, "available", max_conversations=bad)
        assert refused.value.field == "max_conversations"
    with pytest.raises(ChatError):
        do_set_presence(demo.staff.counsellor, "sleeping")


@freeze_time(MONDAY_15)
def test_no_transfer_to_a_busy_colleague(demo: Any, youth: Any) -> None:
    kalle, aino = demo.staff.counsellor, demo.staff.counsellor2
    conversation = ConversationFactory.create(desk=youth)
    do_take(kalle, conversation_id=conversation.pk)
    do_set_presence(aino, "busy")
    with pytest.raises(ChatError) as refused:
        do_transfer(kalle, conversation.pk, to_desk_id=youth.pk, to_staff_id=aino.pk)
    assert refused.value.field == "staff"
    do_set_presence(aino, "available")
    assert do_transfer(kalle, conversation.pk, to_desk_id=youth.pk, to_staff_id=aino.pk).offered_to == aino


@freeze_time(MONDAY_15)
def test_coverage_counts_planned_staff_per_hour_and_marks_gaps_inside_hours(demo: Any, youth: Any) -> None:
    supervisor = demo.staff.supervisor
    do_add_shift(supervisor, desk=youth, staff=demo.staff.counsellor, starts_at=local(7, 16), ends_at=local(7, 18))
    do_add_shift(supervisor, desk=youth, staff=demo.staff.counsellor2, starts_at=local(7, 17, 30), ends_at=local(7, 20))

    week = coverage(youth, dt.date(2026, 12, 7))
    monday = week.days[0]
    assert [monday[h].count for h in range(14, 20)] == [0, 0, 1, 2, 1, 1]
    assert [monday[h].gap for h in range(14, 20)] == [True, True, False, False, False, False]
    assert not monday[21].gap and not monday[21].open  # closed hours are no gaps
    assert week.gap_hours == 2
    assert monday[17].staff == ("Kalle", "Aino")


@freeze_time(MONDAY_15)
def test_a_shift_ends_after_it_starts_is_not_in_the_past_and_does_not_overlap(demo: Any, youth: Any) -> None:
    kalle = demo.staff.counsellor
    with pytest.raises(ShiftError, match="end after"):
        check_shift_times(kalle, local(8, 16), local(8, 15))
    with pytest.raises(ShiftError, match="past"):
        check_shift_times(kalle, local(7, 10), local(7, 12))
    do_add_shift(kalle, desk=youth, starts_at=local(8, 14), ends_at=local(8, 18), staff=kalle)
    with pytest.raises(ShiftError, match="already has a shift"):
        do_add_shift(kalle, desk=demo.desks.parents, staff=kalle, starts_at=local(8, 17), ends_at=local(8, 19))
    # Back to back is fine.
    do_add_shift(kalle, desk=demo.desks.parents, staff=kalle, starts_at=local(8, 18), ends_at=local(8, 19))
    assert Shift.objects.filter(staff=kalle).count() == 2


@freeze_time(MONDAY_15)
def test_who_may_plan_whose_shifts_and_the_audit(demo: Any, youth: Any) -> None:
    kalle, aino, supervisor = demo.staff.counsellor, demo.staff.counsellor2, demo.staff.supervisor
    # A counsellor signs up only for themselves, only at their own desks.
    with pytest.raises(PermissionDenied):
        do_add_shift(kalle, desk=youth, staff=aino, starts_at=local(8, 14), ends_at=local(8, 16))
    with pytest.raises(PermissionDenied):
        do_add_shift(kalle, desk=demo.desks.homework, staff=kalle, starts_at=local(8, 14), ends_at=local(8, 16))
    own = do_add_shift(kalle, desk=youth, staff=kalle, starts_at=local(8, 14), ends_at=local(8, 16))
    assert not AuditEvent.objects.filter(action=Action.SHIFT_PLAN).exists()  # one's own shift is not audited

    planned = do_add_shift(supervisor, desk=youth, staff=aino, starts_at=local(8, 14), ends_at=local(8, 16))
    # Aino cannot remove Kalle's shift (it looks missing); the supervisor removes Aino's, audited.
    with pytest.raises(Shift.DoesNotExist):
        do_remove_shift(aino, own.pk)
    do_remove_shift(supervisor, planned.pk)
    audited = list(AuditEvent.objects.filter(action=Action.SHIFT_PLAN).order_by("pk"))
    assert [(e.staff, e.object_id, e.detail.split()[0]) for e in audited] == [
        (supervisor, aino.pk, "added"),
        (supervisor, aino.pk, "removed"),
    ]
    assert audited[0].detail == "added 2026-12-08 14:00–2026-12-08 16:00"
    do_remove_shift(kalle, own.pk)
    assert not Shift.objects.exists()


@freeze_time(MONDAY_15)
def test_the_demo_has_this_weeks_shifts_with_gaps_to_plan(demo: Any) -> None:
    from demo.shifts import DEMO_SHIFTS, seed_shifts

    assert seed_shifts() == len(DEMO_SHIFTS)
    assert seed_shifts() == 0  # seeding again changes nothing
    homework = demo.desks.homework
    set_hours(homework, [(day, dt.time(14), dt.time(20)) for day in range(4)])  # the demo's hours
    week = coverage(homework, dt.date(2026, 12, 7))
    assert week.days[0][14].staff == ("Ville",)
    assert week.gap_hours == 24 - 9  # Ville's nine hours planned, the rest left as gaps
