"""Reports: contacts of a period added up by desk, medium and the groups of the contact records, split by gender.

Who sees what (`report_scope`): a supervisor the records of their desks
(desks.actions.desks_for_staff), an admin their organisation's, a superuser the
region's (every organisation added up). Counsellors, volunteers and editors see
no report. Every figure that counts contacts goes through stats.suppression,
so what the page shows and what the exports write are the same cells.

How figures are made (docs/architecture.md, "Reports"):
- contacts: contact records whose start falls in the period (Europe/Helsinki days);
- people reached: the sum of `people` over records not marked `returning`
  (a returning chat is a person already counted; a group session counts everyone in it);
- answered by: a person (a person answered, or any contact outside the chat),
  the chatbot only, or left the queue before an answer; the three add up to all contacts;
- wait, first response and duration: p50 and p90 by the nearest-rank method
  (the value at rank ceil(p·n) of the sorted values), over the records that
  have the value; hidden when fewer than 5 values;
- topics: the chatbot's topics and the organisation's categories; a contact
  may have several, so their rows do not add up to the contacts;
- feedback: ratings 1-5, the average rating and "got help", from the records.
Counting is stats.tally (a few SQL passes for the whole report), and whole
months come from stored, always exact rollups (stats.rollups): a year is a
few hundred stored tallies and the records of its last partial month.
docs/performance.md has what a year of 100,000 records costs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role, Staff
from bot.models import Topic, TopicStatus, TopicText
from common.demographics import (
    MUNICIPALITY_ELSEWHERE,
    MUNICIPALITY_UNKNOWN,
    AgeGroup,
    EducationLevel,
    Gender,
    LabourStatus,
    MotherTongue,
)
from desks.actions import desks_for_staff
from desks.models import Desk
from stats.models import Category, CategoryKind, ContactRecord, Medium, Municipality
from stats.rollups import Narrowing, midnight, tally_for
from stats.suppression import (
    SMALL,
    SMALL_TEXT,
    Cell,
    GenderTotals,
    Row,
    Table,
    gender_totals,
    small_sample,
    split_table,
    suppress,
)
from stats.suppression import Grid as SuppressionGrid
from stats.tally import ANSWERED_ABANDONED, ANSWERED_BOT, ANSWERED_PERSON, Tally

# The gender columns of every table, in this order, then the total.
GENDERS: tuple[str, ...] = (Gender.GIRL_WOMAN, Gender.BOY_MAN, Gender.OTHER, Gender.UNKNOWN)
PERCENTILES = (50, 90)


# The ESF+ participant summary's bands, as groups of this app's finer rows.
ESF_AGE_BANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("under_30", (AgeGroup.UNDER_13, AgeGroup.AGE_13_15, AgeGroup.AGE_16_17, AgeGroup.AGE_18_24, AgeGroup.AGE_25_29)),
    ("30_54", (AgeGroup.AGE_30_44, AgeGroup.AGE_45_54)),
    ("55_plus", (AgeGroup.AGE_55_64, AgeGroup.AGE_65_PLUS)),
)
ESF_ISCED = {
    EducationLevel.BASIC: "ISCED 0–2",
    EducationLevel.UPPER_SECONDARY: "ISCED 3–4",
    EducationLevel.HIGHER: "ISCED 5–8",
}
ESF_INACTIVE = ("inactive_or_student", (LabourStatus.STUDENT, LabourStatus.INACTIVE))


# --- Who sees what ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """What a staff member's reports may count: organisations (None: all, the regional view) and desks.

    `desk_ids` None: every record of the organisations, desks or none (an
    admin's); else only records of these desks (a supervisor's).
    """

    staff: Staff
    organisation_ids: frozenset[int] | None
    desk_ids: frozenset[int] | None
    desks: tuple[Desk, ...]
    organisations: tuple[Organisation, ...]

    @property
    def regional(self) -> bool:
        return self.organisation_ids is None

    def label(self) -> str:
        """The scope in words, for the page and the exports' header rows."""
        if self.regional:
            return _("The region: all organisations")
        names = ", ".join(o.name for o in self.organisations)
        if self.desk_ids is None:
            return _("Organisation: %(names)s") % {"names": names}
        return _("Desks: %(names)s") % {"names": ", ".join(str(d.name) for d in self.desks)}


def may_read_reports(staff: Staff) -> bool:
    """Supervisors, admins and superusers read reports and reach; those who answer or edit only do not.

    By role alone (no query): `report_scope` also refuses a supervisor at no desk.
    """
    return staff.is_active and (staff.is_superuser or staff.role in (Role.SUPERVISOR, Role.ADMIN))


def report_scope(staff: Staff) -> ReportScope:
    """The records `staff` may count; PermissionDenied (403) for every other role."""
    if not may_read_reports(staff):
        raise PermissionDenied
    if staff.is_superuser:
        return ReportScope(
            staff, None, None, tuple(Desk.objects.select_related("organisation")), tuple(Organisation.objects.all())
        )
    if staff.organisation_id is None:
        raise PermissionDenied
    if staff.role == Role.ADMIN:
        desks = tuple(Desk.objects.filter(organisation_id=staff.organisation_id).select_related("organisation"))
        return ReportScope(
            staff,
            frozenset({staff.organisation_id}),
            None,
            desks,
            tuple(Organisation.objects.filter(pk=staff.organisation_id)),
        )
    # Their own organisation's desks only: a partner organisation's desk they work at
    # (desks.members) is not theirs to count; its organisation reports on it.
    own_desks = desks_for_staff(staff).filter(organisation_id=staff.organisation_id)
    desks = tuple(own_desks.select_related("organisation"))
    if not desks:  # a supervisor at no desk supervises nothing: refused as any other role
        raise PermissionDenied
    org_ids = frozenset(d.organisation_id for d in desks)
    return ReportScope(
        staff,
        org_ids,
        frozenset(d.pk for d in desks),
        desks,
        tuple(Organisation.objects.filter(pk__in=org_ids)),
    )


@dataclass(frozen=True)
class ReportFilters:
    """A report's period (inclusive days in Europe/Helsinki), desk, medium and, regionally, organisation."""

    since: dt.date
    until: dt.date
    desk: Desk | None = None
    medium: str = ""
    organisation: Organisation | None = None

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period's first moment and the moment after it, Helsinki midnights."""
        start = midnight(self.since)
        end = midnight(self.until + dt.timedelta(days=1))
        return start, end


def records_of(scope: ReportScope) -> QuerySet[ContactRecord]:
    """Every record `scope` may count, of any time (the reports and the reach page)."""
    return Narrowing(scope.organisation_ids, scope.desk_ids).apply(ContactRecord.objects.order_by())


def narrowing(scope: ReportScope, filters: ReportFilters) -> Narrowing:
    """The scope narrowed by the filters' organisation, desk and medium: never wider than the scope.

    A desk or organisation outside the scope must have been refused before (the
    view answers 404); here it could only leave nothing to count.
    """

    def within(allowed: frozenset[int] | None, chosen: int | None) -> frozenset[int] | None:
        if chosen is None:
            return allowed
        return frozenset({chosen}) if allowed is None else allowed & {chosen}

    organisation = filters.organisation.pk if filters.organisation is not None else None
    desk = filters.desk.pk if filters.desk is not None else None
    return Narrowing(within(scope.organisation_ids, organisation), within(scope.desk_ids, desk), filters.medium)


def scoped_records(scope: ReportScope, filters: ReportFilters) -> QuerySet[ContactRecord]:
    """The records the report counts: the period's, within the scope narrowed by the filters."""
    start, end = filters.bounds()
    period = ContactRecord.objects.filter(started_at__gte=start, started_at__lt=end).order_by()
    return narrowing(scope, filters).apply(period)


def nearest_rank(values: Sequence[int], percentile: int) -> int:
    """The nearest-rank percentile of sorted values: the value at rank ceil(p·n)."""
    return values[max(1, math.ceil(percentile * len(values) / 100)) - 1]


def report_tally(scope: ReportScope, filters: ReportFilters) -> Tally:
    """What the report counts: the scoped records' tally, whole months from the rollups (stats.rollups)."""
    return tally_for(scoped_records(scope, filters), narrowing(scope, filters), filters.since, filters.until)


# --- The report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTable:
    """One table of the report: its key (for exports), caption, row heading and the suppressed table."""

    key: str
    caption: str
    row_heading: str
    table: Table
    note: str = ""
    chart: bool = True


@dataclass(frozen=True)
class FigureRow:
    """A row of figures that are not counts (percentiles, averages): texts per gender and in all."""

    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class FigureTable:
    key: str
    caption: str
    row_heading: str
    rows: tuple[FigureRow, ...]
    note: str = ""


@dataclass
class Report:
    """Everything the page and the exports show, already suppressed."""

    scope: ReportScope
    filters: ReportFilters
    columns: tuple[str, ...]
    column_labels: tuple[str, ...]
    totals: GenderTotals
    tables: list[ReportTable] = field(default_factory=list)
    figures: list[FigureTable] = field(default_factory=list)
    esf: list[ReportTable] = field(default_factory=list)

    def table(self, key: str) -> ReportTable:
        for table in [*self.tables, *self.esf]:
            if table.key == key:
                return table
        raise KeyError(key)

    def figure(self, key: str) -> FigureTable:
        for table in self.figures:
            if table.key == key:
                return table
        raise KeyError(key)


def choice_rows(choices: Sequence[tuple[str, object]]) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in choices]


def _people_reached(sums: Mapping[str, int], totals: GenderTotals, contacts: Mapping[str, int]) -> FigureRow:
    """People reached per gender; hidden under 5, and where its difference from the contacts is 1-4.

    The difference between contacts and people reached counts returning clients'
    contacts (less extra people in groups): a difference of 1-4 would give a
    small count away, so that column's figure is hidden, then the row is made
    safe like any other line (one hidden cell of the row hides the next-smallest).
    """
    values = [int(sums.get(g) or 0) for g in GENDERS]
    values.append(sum(values))
    grid = SuppressionGrid([values], [[*(((0, c), 1) for c in range(len(GENDERS))), ((0, len(GENDERS)), -1)]])
    all_contacts = [*(contacts.get(g, 0) for g in GENDERS), sum(contacts.get(g, 0) for g in GENDERS)]
    for c, value in enumerate(values):
        difference = all_contacts[c] - value
        if value < SMALL or 0 < abs(difference) < SMALL or totals.cells[c].hidden:
            grid.primary.add((0, c))
    grid.hidden |= grid.primary
    suppress(grid)
    cells = tuple(
        Cell(None, "<5" if values[c] < SMALL else "×") if (0, c) in grid.hidden else Cell(values[c], str(values[c]))
        for c in range(len(values))
    )
    return FigureRow(_("People reached"), cells)


def _percentile_rows(found: Mapping[str, list[int]], label: str) -> list[FigureRow]:
    """p50 and p90 per gender and for all; hidden (as "<5") over fewer than 5 values."""
    rows = []
    for p in PERCENTILES:
        cells = []
        for column in (*GENDERS, "total"):
            values = found.get(column, [])
            if small_sample(len(values)):
                cells.append(Cell(None, SMALL_TEXT))
            else:
                value = nearest_rank(values, p)
                cells.append(Cell(value, duration_text(value)))
        rows.append(FigureRow(_("%(figure)s, p%(p)s") % {"figure": label, "p": p}, tuple(cells)))
    return rows


def duration_text(seconds: int) -> str:
    """Seconds as minutes and seconds ("2 min 05 s"), or seconds alone under a minute."""
    if seconds < 60:
        return _("%(s)s s") % {"s": seconds}
    return _("%(m)s min %(s)02d s") % {"m": seconds // 60, "s": seconds % 60}


def _feedback(tally: Tally) -> tuple[ReportTable, ReportTable, FigureRow]:
    ratings = tally.ratings
    rated_totals = gender_totals({g: sum(n for (_k, gg), n in ratings.items() if gg == g) for g in GENDERS}, GENDERS)
    rating_table = split_table(
        ratings,
        [(str(i), str(i)) for i in range(1, 6)],
        GENDERS,
        totals=rated_totals,
        total_label=_("Contacts that were rated"),
    )
    helped = tally.helped
    helped_totals = gender_totals({g: sum(n for (_k, gg), n in helped.items() if gg == g) for g in GENDERS}, GENDERS)
    helped_table = split_table(
        helped,
        [("yes", _("Yes")), ("no", _("No"))],
        GENDERS,
        totals=helped_totals,
        total_label=_("Clients who answered"),
    )
    # The average rating: hidden over fewer than 5 ratings, and wherever the number of ratings is hidden.
    sums: dict[str, int] = defaultdict(int)
    for (rating, g), n in ratings.items():
        sums[g] += int(rating) * n
    cells = []
    for c, column in enumerate((*GENDERS, "total")):
        count_cell = rated_totals.cells[c]
        total = sum(sums.values()) if column == "total" else sums.get(column, 0)
        if count_cell.value is None or small_sample(count_cell.value):
            cells.append(Cell(None, count_cell.text if count_cell.hidden else SMALL_TEXT))
        else:
            average = total / count_cell.value
            cells.append(Cell(round(average * 100), f"{average:.1f}"))
    return (
        ReportTable("ratings", _("Ratings (1 to 5) given by clients"), _("Rating"), rating_table),
        ReportTable("got_help", _("Did the client get help?"), _("Answer"), helped_table),
        FigureRow(_("Average rating (1 to 5)"), tuple(cells)),
    )


def topic_titles(slugs: set[str]) -> dict[str, str]:
    """Chatbot topic titles in the active language (Finnish, then the slug, when missing)."""
    lang = (get_language() or "fi")[:2]
    titles: dict[str, str] = {}
    for slug, language, title in TopicText.objects.filter(topic__slug__in=slugs).values_list(
        "topic__slug", "language", "title"
    ):
        if language == lang or (language == "fi" and slug not in titles):
            titles[slug] = title
    return titles


def build_report(scope: ReportScope, filters: ReportFilters) -> Report:
    """The whole report for `scope` and `filters`, every cell through stats.suppression."""
    tally = report_tally(scope, filters)
    columns_labels = tuple(str(Gender(g).label) for g in GENDERS)
    dimensions = tally.dimensions
    contacts = dict(tally.contacts)
    totals = gender_totals(contacts, GENDERS)
    report = Report(scope, filters, GENDERS, columns_labels, totals)
    all_label = _("All contacts")

    def single(
        key: str,
        caption: str,
        heading: str,
        counts: Mapping[tuple[str, str], int],
        rows: list[tuple[str, str]],
        groups: Sequence[tuple[str, str, Sequence[str]]] = (),
        note: str = "",
    ) -> ReportTable:
        table = split_table(counts, rows, GENDERS, totals=totals, groups=groups, total_label=all_label)
        made = ReportTable(key, caption, heading, table, note)
        report.tables.append(made)
        return made

    def multi(
        key: str, caption: str, heading: str, counts: Mapping[tuple[str, str], int], rows: list[tuple[str, str]]
    ) -> None:
        table = split_table(counts, rows, GENDERS, totals=None)
        report.tables.append(
            ReportTable(
                key, caption, heading, table, _("A contact may have several topics, so the rows do not add up.")
            )
        )

    answered_rows = [
        (ANSWERED_PERSON, _("A person")),
        (ANSWERED_BOT, _("The chatbot only")),
        (ANSWERED_ABANDONED, _("Left the queue before an answer")),
    ]
    single("answered", _("Contacts by who answered"), _("Answered by"), dimensions["answered"], answered_rows)
    single(
        "medium",
        _("Contacts by contact method"),
        _("Contact method"),
        dimensions["medium"],
        choice_rows(Medium.choices),
    )
    desk_rows = [(str(d.pk), _desk_label(d, scope)) for d in scope.desks]
    desk_counts = dimensions["desk_id"]
    if scope.desk_ids is None:
        desk_rows.append(("", _("No desk")))
    single("desk", _("Contacts by desk"), _("Desk"), desk_counts, desk_rows)

    # Figures that are not counts.
    reached = _people_reached(tally.people, totals, contacts)
    times = [
        *_percentile_rows(tally.sorted_times("wait_seconds"), _("Wait until a person answered")),
        *_percentile_rows(tally.sorted_times("first_response_seconds"), _("First response time")),
        *_percentile_rows(tally.sorted_times("duration_seconds"), _("Duration")),
    ]
    report.figures.append(
        FigureTable(
            "contacts",
            _("Contacts and people reached"),
            _("Figure"),
            (FigureRow(_("Contacts"), totals.cells), reached),
            _("People reached: everyone in the contacts, a returning client's chat not counted again."),
        )
    )
    report.figures.append(
        FigureTable(
            "times",
            _("Waiting and duration"),
            _("Figure"),
            tuple(times),
            _("p50: half of the contacts took at most this long; p90: nine in ten did."),
        )
    )

    # Topics: the chatbot's and the organisation's categories (several per contact).
    bot_counts = tally.bot_topics
    slugs = set(Topic.objects.filter(status=TopicStatus.PUBLISHED).values_list("slug", flat=True))
    slugs |= {slug for slug, _g in bot_counts}
    titles = topic_titles(slugs)
    multi(
        "bot_topics",
        _("The chatbot's topics"),
        _("Topic"),
        bot_counts,
        sorted(((s, titles.get(s, s)) for s in slugs), key=lambda row: row[1].casefold()),
    )
    categories = Category.objects.select_related("organisation")
    if scope.organisation_ids is not None:
        categories = categories.filter(organisation_id__in=scope.organisation_ids)
    if filters.organisation is not None:
        categories = categories.filter(organisation=filters.organisation)
    category_counts = tally.categories
    several_orgs = len({c.organisation_id for c in categories}) > 1
    for kind, key, caption, heading in (
        (CategoryKind.TOPIC, "categories", _("Topics recorded by counsellors"), _("Topic")),
        (CategoryKind.INTEREST, "interests", _("Fields and interests"), _("Field or interest")),
    ):
        rows = [
            (str(c.pk), f"{c.name} ({c.organisation.name})" if several_orgs else c.name)
            for c in categories
            if c.kind == kind
        ]
        multi(key, caption, heading, category_counts, rows)

    # The groups of the counsellor's form, single-valued: rows add up to all contacts.
    age = single(
        "age_group",
        _("Contacts by age group"),
        _("Age group"),
        dimensions["age_group"],
        choice_rows(AgeGroup.choices),
        groups=[(band, _esf_age_label(band), members) for band, members in ESF_AGE_BANDS]
        + [("esf_unknown", str(AgeGroup.UNKNOWN.label), (AgeGroup.UNKNOWN,))],
    )
    single(
        "municipality",
        _("Contacts by municipality"),
        _("Municipality"),
        _municipality_counts(dimensions["municipality"]),
        _municipality_rows(),
    )
    single(
        "mother_tongue",
        _("Contacts by mother tongue or language"),
        _("Language"),
        dimensions["mother_tongue"],
        choice_rows(MotherTongue.choices),
    )
    education = single(
        "education",
        _("Contacts by education level"),
        _("Education"),
        dimensions["education"],
        choice_rows(EducationLevel.choices),
    )
    labour = single(
        "labour_status",
        _("Contacts by labour-market status"),
        _("Labour-market status"),
        dimensions["labour_status"],
        choice_rows(LabourStatus.choices),
        groups=[(ESF_INACTIVE[0], _("Inactive, including in education"), ESF_INACTIVE[1])],
    )

    rating_table, helped_table, average = _feedback(tally)
    report.tables += [rating_table, helped_table]
    report.figures.append(FigureTable("feedback", _("Clients' feedback"), _("Figure"), (average,)))

    # The ESF+ participant summary: the same suppressed cells, read in the funder's bands.
    report.esf = _esf_tables(age, education, labour, totals, all_label)
    return report


def _desk_label(desk: Desk, scope: ReportScope) -> str:
    return f"{desk.name} ({desk.organisation.name})" if scope.regional else str(desk.name)


def _esf_age_label(band: str) -> str:
    return {"under_30": _("Under 30"), "30_54": _("30–54"), "55_plus": _("55 or over")}[band]


def _municipality_counts(by_code: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    known = set(Municipality.objects.values_list("code", flat=True))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (code, gender), n in by_code.items():
        if code == MUNICIPALITY_UNKNOWN or (code != MUNICIPALITY_ELSEWHERE and code not in known):
            # An unlisted code (a municipality removed from the list) reads as "elsewhere"; none as "not known".
            code = MUNICIPALITY_UNKNOWN if code == MUNICIPALITY_UNKNOWN else MUNICIPALITY_ELSEWHERE
        counts[(code, gender)] += n
    return dict(counts)


def _municipality_rows() -> list[tuple[str, str]]:
    """Every municipality of the region's list (a missing row would say "0"), then elsewhere and not known."""
    swedish = (get_language() or "fi").startswith("sv")
    rows = [(m.code, (m.name_sv or m.name) if swedish else m.name) for m in Municipality.objects.all()]
    return [*rows, (MUNICIPALITY_ELSEWHERE, _("Elsewhere")), (MUNICIPALITY_UNKNOWN, _("Not known"))]


def _esf_tables(
    age: ReportTable, education: ReportTable, labour: ReportTable, totals: GenderTotals, total_label: str
) -> list[ReportTable]:
    """The ESF+ participant summary: age bands, ISCED levels and labour-market status by gender."""

    def rows_of(table: Table, keys: Sequence[tuple[str, str | None]]) -> tuple[Row, ...]:
        out = []
        for key, label in keys:
            row = table.row(key)
            out.append(Row(row.key, label or row.label, row.cells))
        return tuple(out)

    age_rows = rows_of(age.table, [(band, None) for band, _m in ESF_AGE_BANDS] + [("esf_unknown", None)])
    edu_rows = rows_of(education.table, [*((str(k), v) for k, v in ESF_ISCED.items()), (EducationLevel.UNKNOWN, None)])
    labour_rows = rows_of(
        labour.table,
        [
            (LabourStatus.EMPLOYED, None),
            (LabourStatus.UNEMPLOYED, None),
            (LabourStatus.LONG_TERM_UNEMPLOYED, None),
            (ESF_INACTIVE[0], None),
            (LabourStatus.UNKNOWN, None),
        ],
    )
    total = Row("total", total_label, totals.cells)
    return [
        ReportTable("esf_age", _("Participants by age"), _("Age"), Table(age_rows, total, GENDERS)),
        ReportTable(
            "esf_education", _("Participants by education (ISCED)"), _("Education"), Table(edu_rows, total, GENDERS)
        ),
        ReportTable(
            "esf_labour",
            _("Participants by labour-market status"),
            _("Labour-market status"),
            Table(labour_rows, total, GENDERS),
        ),
    ]


def shown_rows(table: Table) -> tuple[Row, ...]:
    """The rows a table shows on its own: without the subtotal rows kept for the ESF summary."""
    return tuple(row for row in table.rows if not row.subtotal)
