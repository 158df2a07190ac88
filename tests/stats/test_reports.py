"""Every report figure against a direct computation in Python over a few thousand made-up records.

The records (stats.sample_records, seeded) span two organisations, four desks, every
medium, gender and group, with rare values on purpose, so that small cells,
complementary suppression and hidden percentiles all occur. Each shown cell
must equal the count made here record by record; each count under 5 must be hidden.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from stats.models import ContactRecord, Medium, ReportRollup, ReportRollupStale
from stats.reports import (
    ESF_AGE_BANDS,
    ReportFilters,
    ReportTable,
    build_report,
    report_scope,
    shown_rows,
)
from stats.rollups import HELSINKI, refresh_rollups
from stats.sample_records import make_records
from stats.suppression import SMALL, iter_cells
from tests.stats.support import (
    GENDERS,
    YEAR_END,
    YEAR_START,
    Data,
    demo_in_transaction,
    direct,
    in_period,
    nearest_rank,
    seed,
)

COLUMNS = (*GENDERS, "total")


@pytest.fixture
def data(db: Any) -> Data:
    """The records as a running service has them: rollups built (stats.rollups), then some records changed.

    The records are changed in every way one can be after the job ran, so
    that those months are stale and counted from their records while the
    others come from the rollups; the figures must not differ from a direct
    count. `test_a_year_counted_from_the_records_alone` checks the other case.
    """
    seeded = seed(demo_in_transaction())
    assert refresh_rollups() > 0
    assert not ReportRollupStale.objects.exists()
    youth = seeded.demo.desks.youth

    def in_month(month: int) -> list[ContactRecord]:
        return [r for r in seeded.records if r.desk_id == youth.pk and r.started_at.astimezone(HELSINKI).month == month]

    ContactRecord.objects.filter(pk__in=[r.pk for r in in_month(3)[:20]]).update(gender="other")  # queryset
    in_month(5)[0].categories.add(*[c for c in seeded.categories if c.organisation_id == youth.organisation_id])
    in_month(7)[0].delete()
    moved = in_month(10)[0]
    moved.started_at = dt.datetime(2026, 11, 30, 23, 30, tzinfo=HELSINKI)  # the last half hour of November
    moved.save()
    make_records(7, [youth], since=dt.date(2026, 9, 1), until=dt.date(2026, 9, 30), seed=9)  # bulk_create
    stale = set(ReportRollupStale.objects.filter(organisation_id=youth.organisation_id).values_list("month", flat=True))
    assert {dt.date(2026, m, 1) for m in (3, 5, 7, 9, 10, 11)} <= stale
    assert dt.date(2026, 4, 1) not in stale
    seeded.records = list(ContactRecord.objects.prefetch_related("categories"))
    return seeded


def check_counts(table: ReportTable, counts: Counter[tuple[str, str]], keys: Iterable[str] | None = None) -> int:
    """Each shown cell equals the direct count, each count under 5 is hidden; returns how many cells were shown."""
    shown = 0
    rows = shown_rows(table.table)
    wanted = list(keys) if keys is not None else [row.key for row in rows]
    assert [row.key for row in rows] == wanted, table.key
    for row in rows:
        for column, cell in zip(COLUMNS, row.cells, strict=True):
            expected = counts[(row.key, column)]
            if expected < SMALL:
                assert cell.hidden and cell.text == "<5", (table.key, row.key, column, expected, cell)
            if not cell.hidden:
                assert cell.value == expected, (table.key, row.key, column)
                shown += 1
            else:
                assert cell.text in ("<5", "×")
                assert (cell.text == "<5") == (expected < SMALL), (table.key, row.key, column, expected)
    return shown


def check_totals(table: ReportTable, records: list[ContactRecord]) -> None:
    total = table.table.total
    assert total is not None
    counts = direct(records, lambda r: "all")
    for column, cell in zip(COLUMNS, total.cells, strict=True):
        expected = counts[("all", column)]
        assert cell.hidden == (expected < SMALL) or cell.text == "×", (table.key, column)
        if not cell.hidden:
            assert cell.value == expected


def answered(record: ContactRecord) -> str:
    if record.with_person or record.medium != Medium.CHAT:
        return "person"
    return "abandoned" if record.abandoned else "bot"


# The region's municipality codes, read once per report checked (the demo may list more than the test's three).
KNOWN_CODES: set[str] = set()


def municipality(record: ContactRecord) -> str:
    code = record.municipality
    return code if code == "" or code in KNOWN_CODES else "other"


SINGLE: dict[str, Callable[[ContactRecord], str]] = {
    "answered": answered,
    "medium": lambda r: r.medium,
    "desk": lambda r: str(r.desk_id) if r.desk_id else "",
    "age_group": lambda r: r.age_group,
    "municipality": municipality,
    "mother_tongue": lambda r: r.mother_tongue,
    "education": lambda r: r.education,
    "labour_status": lambda r: r.labour_status,
}


def check_report(data: Data, staff: Any, filters: ReportFilters, keep: Callable[[ContactRecord], bool]) -> None:
    """The whole report of `staff` for `filters` against the records `keep` selects."""
    from stats.models import Municipality

    KNOWN_CODES.clear()
    KNOWN_CODES.update(Municipality.objects.values_list("code", flat=True))
    report = build_report(report_scope(staff), filters)
    records = [r for r in data.records if in_period(r, filters.since, filters.until) and keep(r)]
    assert records, "the filters keep some records"
    shown = 0
    for key, key_of in SINGLE.items():
        table = report.table(key)
        shown += check_counts(table, direct(records, key_of))
        check_totals(table, records)
        # The same gender totals in every table (rule 5 of stats.suppression).
        assert table.table.total is not None and table.table.total.cells == report.totals.cells
    assert shown > 50, "most cells are large enough to be shown"

    # Topics: a contact may have several; the rows do not add up.
    bot = report.table("bot_topics")
    check_counts(bot, direct(records, lambda r: r.bot_topics), [row.key for row in shown_rows(bot.table)])
    assert bot.table.total is None
    if 0 < sum("rare-topic" in (r.bot_topics or ()) for r in records) < SMALL:
        assert bot.table.row("rare-topic").cells[-1].text == "<5"
    categories = direct(records, lambda r: [str(c.pk) for c in r.categories.all() if c.kind == "topic"])
    check_counts(report.table("categories"), categories, [row.key for row in report.table("categories").table.rows])
    interests = direct(records, lambda r: [str(c.pk) for c in r.categories.all() if c.kind == "interest"])
    check_counts(report.table("interests"), interests, [row.key for row in report.table("interests").table.rows])

    # Contacts and people reached.
    contacts = report.figure("contacts")
    counts = direct(records, lambda r: "all")
    for column, cell in zip(COLUMNS, contacts.rows[0].cells, strict=True):
        assert cell.hidden or cell.value == counts[("all", column)]
    reached: Counter[str] = Counter()
    for record in records:
        if not record.returning:
            reached[record.gender] += record.people
            reached["total"] += record.people
    for column, cell in zip(COLUMNS, contacts.rows[1].cells, strict=True):
        if reached[column] < SMALL:
            assert cell.hidden
        if not cell.hidden:
            assert cell.value == reached[column]
            assert not 0 < abs(counts[("all", column)] - reached[column]) < SMALL
    assert not contacts.rows[1].cells[-1].hidden

    # Percentiles: nearest rank, hidden over fewer than 5 values.
    times = report.figure("times")
    fields = ("wait_seconds", "first_response_seconds", "duration_seconds")
    for f, name in enumerate(fields):
        for p_index, p in enumerate((50, 90)):
            row = times.rows[f * 2 + p_index]
            for column, cell in zip(COLUMNS, row.cells, strict=True):
                values = [
                    getattr(r, name)
                    for r in records
                    if getattr(r, name) is not None and (column == "total" or r.gender == column)
                ]
                if len(values) < SMALL:
                    assert cell.hidden, (name, p, column)
                else:
                    assert cell.value == nearest_rank(values, p), (name, p, column)

    # Feedback: ratings, the average, got help.
    ratings = direct([r for r in records if r.feedback_rating], lambda r: str(r.feedback_rating))
    check_counts(report.table("ratings"), ratings)
    helped = direct(
        [r for r in records if r.feedback_helped is not None], lambda r: "yes" if r.feedback_helped else "no"
    )
    check_counts(report.table("got_help"), helped)
    average = report.figure("feedback").rows[0]
    for column, cell in zip(COLUMNS, average.cells, strict=True):
        values = [r.feedback_rating for r in records if r.feedback_rating and column in ("total", r.gender)]
        rated = report.table("ratings").table.total
        assert rated is not None
        if len(values) < SMALL or rated.cells[COLUMNS.index(column)].hidden:
            assert cell.hidden  # also where the number of ratings is hidden: the average would be a second table
        else:
            assert cell.text == f"{sum(values) / len(values):.1f}"

    # The ESF+ participant summary: bands of the same records.
    bands = {member: band for band, members in ESF_AGE_BANDS for member in members}
    check_counts(
        report.table("esf_age"),
        direct(records, lambda r: bands.get(r.age_group, "esf_unknown")),
        ["under_30", "30_54", "55_plus", "esf_unknown"],
    )
    check_counts(report.table("esf_education"), direct(records, lambda r: r.education))
    labour = direct(
        records, lambda r: "inactive_or_student" if r.labour_status in ("student", "inactive") else r.labour_status
    )
    check_counts(report.table("esf_labour"), labour)
    for esf in report.esf:
        assert esf.table.total is not None and esf.table.total.cells == report.totals.cells


def test_an_admins_year_matches_the_records(data: Data) -> None:
    """The admin of Jokilaakso: every record of the organisation in 2026, no other organisation's."""
    admin = data.demo.staff.admin
    check_report(
        data,
        admin,
        ReportFilters(YEAR_START, YEAR_END),
        lambda r: r.organisation_id == admin.organisation_id,
    )


def test_a_year_counted_from_the_records_alone(db: Any) -> None:
    """Before the rollups are built (every month stale), as right after the records were written."""
    data = seed(demo_in_transaction())
    assert ReportRollupStale.objects.exists() and not ReportRollup.objects.exists()
    admin = data.demo.staff.admin
    check_report(data, admin, ReportFilters(YEAR_START, YEAR_END), lambda r: r.organisation_id == admin.organisation_id)


def test_filters_by_desk_medium_and_period(data: Data) -> None:
    admin = data.demo.staff.admin
    youth = data.demo.desks.youth
    check_report(data, admin, ReportFilters(YEAR_START, YEAR_END, desk=youth), lambda r: r.desk_id == youth.pk)
    check_report(
        data,
        admin,
        ReportFilters(dt.date(2026, 3, 1), dt.date(2026, 8, 31), medium=Medium.CHAT),
        lambda r: r.organisation_id == admin.organisation_id and r.medium == Medium.CHAT,
    )


def test_the_period_is_helsinki_days(data: Data) -> None:
    """A phone call at 00.10 on New Year's Day in Helsinki is in the year; 23.59 on New Year's Eve before is not."""
    admin = data.demo.staff.admin
    report = build_report(report_scope(admin), ReportFilters(YEAR_START, YEAR_START, medium=Medium.PHONE))
    records = [
        r
        for r in data.records
        if in_period(r, YEAR_START, YEAR_START)
        and r.medium == Medium.PHONE
        and r.organisation_id == admin.organisation_id
    ]
    assert any(r.started_at.year == 2025 for r in records)  # in UTC it was still 2025
    counts = direct(records, lambda r: "all")
    assert report.totals.cells[-1].value == (counts[("all", "total")] if counts[("all", "total")] >= SMALL else None)


def test_a_supervisor_counts_only_their_desks(data: Data) -> None:
    from desks.models import DeskMembership

    supervisor = data.demo.staff.supervisor
    youth = data.demo.desks.youth
    DeskMembership.objects.filter(staff=supervisor).exclude(desk=youth).delete()
    check_report(data, supervisor, ReportFilters(YEAR_START, YEAR_END), lambda r: r.desk_id == youth.pk)
    report = build_report(report_scope(supervisor), ReportFilters(YEAR_START, YEAR_END))
    assert [row.key for row in report.table("desk").table.rows] == [str(youth.pk)]


def test_the_regional_view_adds_organisations_up(data: Data) -> None:
    admin = data.demo.staff.admin
    admin.is_superuser = True
    admin.save()
    check_report(data, admin, ReportFilters(YEAR_START, YEAR_END), lambda r: True)
    study = data.demo.desks.study.organisation
    check_report(
        data, admin, ReportFilters(YEAR_START, YEAR_END, organisation=study), lambda r: r.organisation_id == study.pk
    )


def test_no_hidden_cell_is_published_anywhere_else(data: Data) -> None:
    """A second table, a total or a difference never holds what a table hides.

    The gender totals are the same cells in every table (and the figures'
    "contacts" row); the "answered by" rows (a person, the chatbot only,
    left the queue) never leave one hidden cell in a row or column where
    the difference of the others would give it back.
    """
    admin = data.demo.staff.admin
    report = build_report(report_scope(admin), ReportFilters(YEAR_START, YEAR_END, desk=data.demo.desks.parents))
    assert report.figure("contacts").rows[0].cells == report.totals.cells
    for table in [*report.tables, *report.esf]:
        if table.table.total is not None and table.key not in ("ratings", "got_help"):  # those count rated contacts
            assert table.table.total.cells == report.totals.cells
        for row in table.table.rows:
            assert sum(cell.hidden for cell in row.cells) != 1, (table.key, row.key)
        if table.table.total is not None:
            rows = shown_rows(table.table)
            for c in range(len(COLUMNS)):
                column = [row.cells[c] for row in rows] + [table.table.total.cells[c]]
                assert sum(cell.hidden for cell in column) != 1, (table.key, c)
    assert any(cell.hidden for table in report.tables for cell in iter_cells(table.table))
