"""Reach: each group's share of the clients against its share of the region's population.

An organisation sees whom it does not reach: a group whose share of the
contacts is well below its share of the people living in the region is
under-reached (`UNDER_REACHED_RATIO`). Groups are municipalities, age groups,
genders and municipality × age group, as in the population figures
(stats.population). A record counts in a table only when its value is one the
population has: a municipality of the region, an age group, a girl or woman or
a boy or man; the others are counted apart ("not known", and "elsewhere" for
another municipality or the gender "other", which the statistics do not have).

Shares are of contacts (records), one each whatever its number of people,
like every figure of the reports. The small-cell rule is the reports'
(stats.suppression): a group of fewer than 5 contacts (none included) shows
"<5" with its share and ratio hidden, and a group hidden so that the others
and the table's total cannot give a small one away shows "×". Each table is
two lines suppressed together (`nested`): its groups add up to the contacts known, and known,
not known and elsewhere add up to all contacts, a figure shown once for every
table (`figure`, locked). A share of a hidden known total is hidden too (rule 4).
`reach` takes any queryset of records: the reach page passes its scope and
year, the reports page its own filters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, Staff
from common.demographics import AGE_BOUNDS, AgeGroup, Gender
from desks.models import Desk
from stats.models import ContactRecord, Municipality, PopulationCount
from stats.reports import records_of, report_scope
from stats.suppression import SMALL, Cell, figure, nested

# A group is under-reached when its share of the clients is below this times its share of the population,
UNDER_REACHED_RATIO = 0.5
# and it is at least this share of the population (smaller groups' shares swing with a contact or two).
MIN_POPULATION_SHARE = 0.01

MUNICIPALITY = "municipality"
AGE_GROUP = "age_group"
GENDER = "gender"
MUNICIPALITY_AGE = "municipality_age"
DIMENSIONS = (MUNICIPALITY, AGE_GROUP, GENDER, MUNICIPALITY_AGE)

POPULATION_GENDERS = (Gender.GIRL_WOMAN.value, Gender.BOY_MAN.value)
POPULATION_AGE_GROUPS = tuple(str(group) for group in AGE_BOUNDS)


@dataclass(frozen=True)
class ReachRow:
    """One group of a table. `clients`, `client_share` and `ratio` are None when hidden."""

    key: str
    label: str
    clients: int | None
    client_share: float | None
    population: int
    population_share: float | None
    ratio: float | None
    under_reached: bool
    small: bool  # fewer than 5 (none included): shown "<5"
    hidden: bool  # hidden so that a small cell cannot be worked out (shown "×")
    cell: Cell  # the count as stats.suppression shows it

    @property
    def client_percent(self) -> float | None:
        return None if self.client_share is None else self.client_share * 100

    @property
    def population_percent(self) -> float | None:
        return None if self.population_share is None else self.population_share * 100

    @property
    def shown(self) -> str:
        """The count as every page and export shows it."""
        return self.cell.text


@dataclass(frozen=True)
class ReachTable:
    dimension: str
    title: str
    rows: list[ReachRow]
    known: int  # contacts whose value the population has
    unknown: int  # contacts with no value
    elsewhere: int  # contacts with a value the population does not have (another municipality; "other")
    population: int
    known_shown: str  # the three as shown, after the small-cell rule
    unknown_shown: str
    elsewhere_shown: str

    @property
    def under_reached(self) -> list[ReachRow]:
        return [row for row in self.rows if row.under_reached]


@dataclass(frozen=True)
class Reach:
    year: int | None  # the population's year; None: no figures imported
    contacts: int
    tables: list[ReachTable]

    @property
    def contacts_shown(self) -> str:
        return figure(self.contacts).text

    @property
    def under_reached(self) -> list[str]:
        """The under-reached groups of the single tables, named with their table ("Age group: 65 or over").

        The municipality × age group table is read on its own: it would list most of its cells again.
        """
        return [
            f"{table.title}: {row.label}"
            for table in self.tables
            if table.dimension != MUNICIPALITY_AGE
            for row in table.under_reached
        ]

    def table(self, dimension: str) -> ReachTable:
        return next(t for t in self.tables if t.dimension == dimension)


def records_in_scope(staff: Staff) -> QuerySet[ContactRecord]:
    """The contact records whose reach `staff` may see: the reports' scope (`stats.reports.report_scope`:
    a superuser the region's, an admin their organisation's, a supervisor their desks'; PermissionDenied
    for everyone else)."""
    return records_of(report_scope(staff))


def desks_in_scope(staff: Staff) -> list[Desk]:
    """The desks whose records `records_in_scope` gives: what a reach page may narrow to."""
    return sorted(report_scope(staff).desks, key=lambda d: (d.organisation.name, str(d.name)))


def may_import_population(staff: Staff) -> bool:
    """The region's population is public and one for all: any admin, or a superuser, imports it."""
    return staff.is_active and (staff.is_superuser or staff.role == Role.ADMIN)


def _population(year: int | None) -> dict[tuple[str, str, str], int]:
    if year is None:
        return {}
    return {
        (code, group, gender): count
        for code, group, gender, count in PopulationCount.objects.filter(year=year).values_list(
            "municipality_id", "age_group", "gender", "count"
        )
    }


def _table(
    dimension: str,
    title: str,
    groups: list[tuple[str, str]],
    clients: Counter[str],
    population: Counter[str],
    unknown: int,
    elsewhere: int,
    contacts: Cell,
) -> ReachTable:
    """One table with the small-cell rule of stats.suppression: the groups with their total (the contacts
    known) first, then known, not known and elsewhere with all contacts, which every table shows alike."""
    known = sum(clients[key] for key, _label in groups)
    people = sum(population[key] for key, _label in groups)
    inner, outer = nested([clients[key] for key, _label in groups], [unknown, elsewhere], total_hidden=contacts.hidden)
    rows = []
    for (key, label), cell in zip(groups, inner.cells, strict=True):
        count = clients[key]
        population_share = population[key] / people if people else None
        large_enough = population_share is not None and population_share >= MIN_POPULATION_SHARE
        if cell.hidden:
            small = cell.text != "×"
            # A small group is flagged only when any count below 5 would be under-reached: the flag tells
            # nothing more (a yes or no on a bound, never a share, even of a hidden known total).
            top = (SMALL - 1) / known if known else None
            under = bool(
                small
                and large_enough
                and top is not None
                and population_share
                and top < UNDER_REACHED_RATIO * population_share
            )
            rows.append(
                ReachRow(key, label, None, None, population[key], population_share, None, under, small, not small, cell)
            )
            continue
        # A share of a hidden total is hidden too (stats.suppression, rule 4): with the count it gives the total.
        share = count / known if known and not inner.total.hidden else None
        ratio = share / population_share if share is not None and population_share else None
        under = bool(large_enough and ratio is not None and ratio < UNDER_REACHED_RATIO)
        rows.append(
            ReachRow(key, label, count, share, population[key], population_share, ratio, under, False, False, cell)
        )
    return ReachTable(
        dimension,
        title,
        rows,
        known,
        unknown,
        elsewhere,
        people,
        outer.cells[0].text,
        outer.cells[1].text,
        outer.cells[2].text,
    )


def _count(records: QuerySet[ContactRecord], *fields: str) -> Iterable[tuple[tuple[str, ...], int]]:
    for row in records.order_by().values(*fields).annotate(n=Count("pk")):
        yield tuple(str(row[f]) for f in fields), row["n"]


def reach(records: QuerySet[ContactRecord], year: int | None) -> Reach:
    """The reach tables of `records` against the population of `year` (stats.population)."""
    population = _population(year)
    codes = sorted({code for code, _group, _gender in population})
    names = dict(Municipality.objects.filter(code__in=codes).values_list("code", "name"))
    municipalities = sorted(((code, names.get(code, code)) for code in codes), key=lambda pair: pair[1])
    ages = [(group, str(AgeGroup(group).label)) for group in POPULATION_AGE_GROUPS]
    genders = [(gender, str(Gender(gender).label)) for gender in POPULATION_GENDERS]
    contacts = records.count()
    contacts_cell = figure(contacts)

    def counted(
        fields: tuple[str, ...],
        key: Callable[[tuple[str, ...]], str | None],
        is_unknown: Callable[[tuple[str, ...]], bool],
    ) -> tuple[Counter[str], int, int]:
        clients: Counter[str] = Counter()
        unknown = elsewhere = 0
        for values, n in _count(records, *fields):
            group = key(values)
            if group is not None:
                clients[group] += n
            elif is_unknown(values):
                unknown += n
            else:
                elsewhere += n
        return clients, unknown, elsewhere

    def population_by(key: Callable[[str, str, str], str]) -> Counter[str]:
        totals: Counter[str] = Counter()
        for (code, group, gender), count in population.items():
            totals[key(code, group, gender)] += count
        return totals

    region = set(codes)
    tables = []
    clients, unknown, elsewhere = counted(
        ("municipality",), lambda v: v[0] if v[0] in region else None, lambda v: v[0] == ""
    )
    tables.append(
        _table(
            MUNICIPALITY,
            _("Municipality"),
            municipalities,
            clients,
            population_by(lambda c, a, g: c),
            unknown,
            elsewhere,
            contacts_cell,
        )
    )
    clients, unknown, elsewhere = counted(
        ("age_group",), lambda v: v[0] if v[0] in POPULATION_AGE_GROUPS else None, lambda v: True
    )
    tables.append(
        _table(
            AGE_GROUP,
            _("Age group"),
            ages,
            clients,
            population_by(lambda c, a, g: a),
            unknown,
            elsewhere,
            contacts_cell,
        )
    )
    clients, unknown, elsewhere = counted(
        ("gender",), lambda v: v[0] if v[0] in POPULATION_GENDERS else None, lambda v: v[0] == Gender.UNKNOWN
    )
    tables.append(
        _table(
            GENDER, _("Gender"), genders, clients, population_by(lambda c, a, g: g), unknown, elsewhere, contacts_cell
        )
    )
    clients, unknown, elsewhere = counted(
        ("municipality", "age_group"),
        lambda v: f"{v[0]}|{v[1]}" if v[0] in region and v[1] in POPULATION_AGE_GROUPS else None,
        lambda v: v[0] == "" or v[1] == AgeGroup.UNKNOWN,
    )
    pairs = [(f"{code}|{group}", f"{name}, {label}") for code, name in municipalities for group, label in ages]
    tables.append(
        _table(
            MUNICIPALITY_AGE,
            _("Municipality and age group"),
            pairs,
            clients,
            population_by(lambda c, a, g: f"{c}|{a}"),
            unknown,
            elsewhere,
            contacts_cell,
        )
    )
    return Reach(year=year if population else None, contacts=contacts, tables=tables)
