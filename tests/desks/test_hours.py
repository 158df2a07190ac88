"""Opening hours with dated exceptions (desks.hours), in Helsinki time, with a frozen clock.

Tuesdays and Thursdays 14-20 is the weekly pattern of most tests; 2026-12-07 is a Monday.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from freezegun import freeze_time

from desks.hours import (
    describe_exceptions,
    describe_next_opening,
    describe_today,
    desk_status,
    is_open,
    next_change,
    next_opening,
    set_hours,
    with_hours,
)
from desks.models import Desk, ExceptionKind, OpeningException
from tests.support import assert_num_queries
from tests.support.factories import DeskFactory

HELSINKI = ZoneInfo("Europe/Helsinki")
TUE, THU, SUN = 1, 3, 6


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=HELSINKI)


@pytest.fixture
def desk(db: Any) -> Desk:
    desk = DeskFactory.create()
    set_hours(desk, [(TUE, dt.time(14), dt.time(20)), (THU, dt.time(14), dt.time(20))])
    return desk


def closed(desk: Desk, first: dt.date, last: dt.date | None = None, reason: str = "") -> OpeningException:
    return OpeningException.objects.create(
        desk=desk, kind=ExceptionKind.CLOSED, starts_on=first, ends_on=last or first, reason_en=reason
    )


def special(desk: Desk, day: dt.date, opens: int, closes: int, reason: str = "") -> OpeningException:
    return OpeningException.objects.create(
        desk=desk,
        kind=ExceptionKind.OPEN,
        starts_on=day,
        ends_on=day,
        opens=dt.time(opens),
        closes=dt.time(closes),
        reason_en=reason,
    )


def test_weekly_hours(desk: Desk) -> None:
    assert is_open(desk, at(2026, 12, 8, 14))
    assert is_open(desk, at(2026, 12, 8, 19, 59))
    assert not is_open(desk, at(2026, 12, 8, 20))
    assert not is_open(desk, at(2026, 12, 7, 15))  # Monday
    assert next_opening(desk, at(2026, 12, 7, 15)) == at(2026, 12, 8, 14)
    assert next_opening(desk, at(2026, 12, 8, 21)) == at(2026, 12, 10, 14)


def test_a_desk_without_hours_is_always_open_and_one_switched_off_never(db: Any) -> None:
    desk = DeskFactory.create()
    assert is_open(desk, at(2026, 12, 7, 3))
    assert next_opening(desk, at(2026, 12, 7, 3)) is None
    desk.is_active = False
    assert not is_open(desk, at(2026, 12, 7, 3))
    assert next_opening(desk, at(2026, 12, 7, 3)) is None


def test_an_overnight_period_runs_past_midnight(db: Any) -> None:
    desk = DeskFactory.create()
    set_hours(desk, [(TUE, dt.time(18), dt.time(2))])
    assert is_open(desk, at(2026, 12, 9, 1, 30))
    assert not is_open(desk, at(2026, 12, 9, 2))


def test_a_closed_day_drops_the_weekly_hours_and_the_next_opening_skips_it(desk: Desk) -> None:
    closed(desk, dt.date(2026, 12, 8), reason="Staff training")
    assert not is_open(desk, at(2026, 12, 8, 15))
    assert next_opening(desk, at(2026, 12, 7, 15)) == at(2026, 12, 10, 14)
    with translation.override("en"):
        assert describe_today(desk, at(2026, 12, 8, 9)) == "Closed today: Staff training."
        assert describe_today(desk, at(2026, 12, 7, 9)) == ""


def test_a_closed_range_skips_the_christmas_week_into_the_next_year(desk: Desk) -> None:
    closed(desk, dt.date(2026, 12, 21), dt.date(2027, 1, 6), reason="Christmas")
    assert not is_open(desk, at(2026, 12, 22, 15))
    assert next_opening(desk, at(2026, 12, 19, 12)) == at(2027, 1, 7, 14)  # a Thursday
    with translation.override("en"):
        assert describe_next_opening(desk, at(2026, 12, 19, 12)) == "Opens on Thursday 7.1. at 14."
        assert describe_exceptions(desk, at(2026, 12, 19, 12)) == ["Closed 21.12.–6.1.: Christmas"]


def test_a_special_opening_opens_a_day_without_hours_and_a_closed_one(desk: Desk) -> None:
    special(desk, dt.date(2026, 12, 7), 18, 21, reason="Theme evening: exams")
    assert not is_open(desk, at(2026, 12, 7, 17, 59))
    assert is_open(desk, at(2026, 12, 7, 18))
    assert not is_open(desk, at(2026, 12, 7, 21))
    assert next_opening(desk, at(2026, 12, 7, 12)) == at(2026, 12, 7, 18)
    # On a closed day the special opening still opens: the theme evening of the Christmas week.
    closed(desk, dt.date(2026, 12, 10))
    special(desk, dt.date(2026, 12, 10), 18, 21)
    assert not is_open(desk, at(2026, 12, 10, 15))
    assert is_open(desk, at(2026, 12, 10, 19))
    with translation.override("en"):
        assert describe_today(desk, at(2026, 12, 7, 9)) == "Special opening today 18–21: Theme evening: exams."
        assert describe_next_opening(desk, at(2026, 12, 7, 12)) == "Opens today at 18."


def test_a_special_opening_right_after_the_weekly_hours_is_one_evening(desk: Desk) -> None:
    special(desk, dt.date(2026, 12, 8), 20, 22)
    assert is_open(desk, at(2026, 12, 8, 21))
    assert next_change(desk, at(2026, 12, 8, 15)) == at(2026, 12, 8, 22)
    assert next_opening(desk, at(2026, 12, 8, 15)) == at(2026, 12, 10, 14)


def test_the_next_opening_across_a_week_boundary(desk: Desk) -> None:
    # Thursday evening after closing: the next is the following Tuesday, in the next week.
    assert next_opening(desk, at(2026, 12, 10, 20, 30)) == at(2026, 12, 15, 14)
    with translation.override("en"):
        assert describe_next_opening(desk, at(2026, 12, 10, 20, 30)) == "Opens on Tuesday 15.12. at 14."
        assert describe_next_opening(desk, at(2026, 12, 7, 20, 30)) == "Opens tomorrow at 14."


@pytest.mark.parametrize(
    ("now", "expected", "offset_hours"),
    [
        # Spring forward: Sunday 29 March 2026 03:00 -> 04:00. Saturday evening to Monday 14:00 (UTC+3).
        (at(2026, 3, 28, 22), at(2026, 3, 30, 14), 3),
        # Fall back: Sunday 25 October 2026 04:00 -> 03:00. Saturday evening to Monday 14:00 (UTC+2).
        (at(2026, 10, 24, 22), at(2026, 10, 26, 14), 2),
    ],
)
def test_the_next_opening_across_a_daylight_saving_change(
    db: Any, now: dt.datetime, expected: dt.datetime, offset_hours: int
) -> None:
    desk = DeskFactory.create()
    set_hours(desk, [(0, dt.time(14), dt.time(20))])  # Mondays 14-20
    when = next_opening(desk, now)
    assert when == expected
    assert when is not None and when.utcoffset() == dt.timedelta(hours=offset_hours)
    assert when.astimezone(dt.UTC).hour == 14 - offset_hours
    # Open at 14:00 wall time on the Monday, not an hour off.
    monday = expected.astimezone(dt.UTC)
    assert not is_open(desk, monday - dt.timedelta(minutes=1))
    assert is_open(desk, monday)


def test_a_sunday_night_period_across_the_autumn_change(db: Any) -> None:
    # 00:00-06:00 on the Sunday of the autumn change lasts seven hours of real time, and ends at 06:00 wall time.
    desk = DeskFactory.create()
    set_hours(desk, [(SUN, dt.time(0), dt.time(6))])
    assert is_open(desk, dt.datetime(2026, 10, 25, 3, 30, tzinfo=HELSINKI, fold=1))
    assert next_change(desk, at(2026, 10, 25, 1)) == at(2026, 10, 25, 6)
    assert not is_open(desk, at(2026, 10, 25, 6))


@freeze_time("2026-12-08 10:00:00")  # 12:00 in Helsinki, a Tuesday
def test_the_state_a_client_sees_now(desk: Desk) -> None:
    closed(desk, dt.date(2026, 12, 8), reason="Staff training")
    with translation.override("en"):
        status = desk_status(desk)
    assert not status.open
    assert status.status == "Closed now. Opens on Thursday 10.12. at 14. Closed today: Staff training."
    assert status.hours == ["Tuesday 14–20", "Thursday 14–20", "Closed 8.12.: Staff training"]
    assert status.changes_at == at(2026, 12, 10, 14)


@freeze_time("2026-12-08 10:00:00")
def test_a_list_of_desks_costs_three_queries_however_many(db: Any) -> None:
    for _ in range(4):
        desk = DeskFactory.create()
        set_hours(desk, [(TUE, dt.time(14), dt.time(20))])
        closed(desk, dt.date(2026, 12, 24))
        closed(desk, dt.date(2025, 12, 24))  # past: not read
    with assert_num_queries(3):
        states = [desk_status(d) for d in with_hours(Desk.objects.all())]
    assert len(states) == 4
    assert all(len(state.hours) == 2 for state in states)
