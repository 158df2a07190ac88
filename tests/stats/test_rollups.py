"""The reports' monthly rollups (stats.rollups): which months they cover, and that they are never used stale.

The report figures themselves are checked against a direct count with and
without rollups in test_reports.py; here: every way of changing a record
marks its month stale, what is not counted does not, a change made while a
month is being built keeps it stale, and the job and its command.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models import Field

from accounts.models import Organisation
from stats import rollups, tally
from stats.models import Category, ContactRecord, ReportRollup, ReportRollupStale
from stats.rollups import HELSINKI, refresh_rollups, stale_ranges, whole_months
from stats.tally import COUNTED_FIELDS, count_tally
from tests.stats.support import demo_in_transaction

D = dt.date


@pytest.mark.parametrize(
    ("since", "until", "months"),
    [
        (D(2026, 1, 1), D(2026, 12, 31), (D(2026, 1, 1), D(2027, 1, 1))),
        (D(2026, 1, 2), D(2026, 12, 31), (D(2026, 2, 1), D(2027, 1, 1))),
        (D(2026, 1, 1), D(2026, 12, 30), (D(2026, 1, 1), D(2026, 12, 1))),
        (D(2026, 2, 1), D(2026, 2, 28), (D(2026, 2, 1), D(2026, 3, 1))),
        (D(2028, 2, 1), D(2028, 2, 28), None),  # a leap year: the 29th is missing
        (D(2026, 3, 15), D(2026, 4, 14), None),
        (D(2026, 3, 15), D(2026, 5, 31), (D(2026, 4, 1), D(2026, 6, 1))),
    ],
)
def test_whole_months_are_those_inside_the_days(since: dt.date, until: dt.date, months: Any) -> None:
    assert whole_months(since, until) == months


def test_stale_months_are_counted_in_as_few_ranges_as_they_make() -> None:
    stale = {(1, D(2026, 3, 1)), (1, D(2026, 4, 1)), (1, D(2026, 6, 1)), (2, D(2026, 3, 1)), (2, D(2026, 4, 1))}
    assert stale_ranges(stale) == {
        (D(2026, 3, 1), D(2026, 5, 1)): [1, 2],
        (D(2026, 6, 1), D(2026, 7, 1)): [1],
    }


@pytest.fixture
def record(db: Any) -> ContactRecord:
    demo = demo_in_transaction()
    made = ContactRecord.objects.create(
        organisation=demo.desks.youth.organisation,
        desk=demo.desks.youth,
        started_at=dt.datetime(2026, 4, 10, 12, 0, tzinfo=HELSINKI),
        wait_seconds=30,
        first_response_seconds=10,
        duration_seconds=600,
    )
    assert ReportRollupStale.objects.filter(month=D(2026, 4, 1)).exists(), "a new record marks its month"
    refresh_rollups()
    assert not ReportRollupStale.objects.exists()
    return made


def stale_months() -> set[dt.date]:
    return set(ReportRollupStale.objects.values_list("month", flat=True))


def other_value(record: ContactRecord, name: str) -> Any:
    """A valid value of field `name` different from the record's."""
    from desks.models import Desk

    field = ContactRecord._meta.get_field(name)
    assert isinstance(field, Field)
    current = getattr(record, name if not field.is_relation else f"{name}_id")
    if name == "organisation":
        return Organisation.objects.exclude(pk=current).first()
    if name == "desk":
        return Desk.objects.exclude(pk=current).first()
    if name == "started_at":
        return current + dt.timedelta(minutes=5)
    if name == "bot_topics":
        return ["studies"]
    if field.choices:
        return next(value for value, _label in field.choices if value != current)
    if isinstance(current, bool) or name in ("feedback_helped",):
        return not current
    if name == "municipality":
        return "091"
    return (current or 0) + 1


@pytest.mark.parametrize("name", [f for f in COUNTED_FIELDS if f != "categories"])
def test_a_change_to_any_counted_field_marks_the_month_stale(record: ContactRecord, name: str) -> None:
    """By a queryset update, which runs no Python code of the model: the database's trigger marks it."""
    ContactRecord.objects.filter(pk=record.pk).update(**{name: other_value(record, name)})
    assert D(2026, 4, 1) in stale_months(), name


def test_categories_added_or_removed_mark_the_month_stale(record: ContactRecord) -> None:
    category = Category.objects.create(organisation=record.organisation, name="Testi")
    record.categories.add(category)
    assert stale_months() == {D(2026, 4, 1)}
    refresh_rollups()
    record.categories.remove(category)
    assert stale_months() == {D(2026, 4, 1)}


def test_moving_a_record_marks_both_months_and_deleting_one_marks_its_own(record: ContactRecord) -> None:
    record.started_at = dt.datetime(2026, 6, 1, 0, 30, tzinfo=HELSINKI)  # still May in UTC
    record.save()
    assert {D(2026, 4, 1), D(2026, 6, 1)} <= stale_months()
    refresh_rollups()
    assert ReportRollup.objects.filter(month=D(2026, 6, 1)).exists()
    assert not ReportRollup.objects.filter(month=D(2026, 4, 1)).exists(), "April has no records left"
    record.delete()
    assert D(2026, 6, 1) in stale_months()


def test_what_is_not_counted_leaves_the_rollups_alone(record: ContactRecord) -> None:
    ContactRecord.objects.filter(pk=record.pk).update(
        completed_at=dt.datetime(2026, 4, 10, 13, 0, tzinfo=HELSINKI), client_messages=4, outcome="referred"
    )
    assert not stale_months()


def test_a_change_while_a_month_is_built_keeps_it_stale(record: ContactRecord) -> None:
    """The job counted the month, then someone changed a record before it was done: the next run counts it again."""
    ContactRecord.objects.filter(pk=record.pk).update(gender="other")
    real = tally.count_tallies

    def counting_while_changed(*args: Any, **kwargs: Any) -> Any:
        counted = real(*args, **kwargs)
        ContactRecord.objects.filter(pk=record.pk).update(gender="girl_woman")
        return counted

    with mock.patch.object(rollups, "count_tallies", counting_while_changed):  # as stats.rollups has it
        assert refresh_rollups() == 1
    assert stale_months() == {D(2026, 4, 1)}, "the change after the count keeps the month stale"
    refresh_rollups()
    assert not stale_months()
    stored = ReportRollup.objects.get(month=D(2026, 4, 1))
    assert stored.tally["contacts"] == {"girl_woman": 1}
    assert count_tally(ContactRecord.objects.all()).contacts == {"girl_woman": 1}


def test_the_command_builds_the_stale_months(record: ContactRecord) -> None:
    ContactRecord.objects.filter(pk=record.pk).update(people=3)
    out = StringIO()
    call_command("refresh_report_rollups", stdout=out)
    assert "months built: 1" in out.getvalue()
    assert not stale_months()
    call_command("refresh_report_rollups", stdout=out)
    assert out.getvalue().endswith("months built: 0\n")
