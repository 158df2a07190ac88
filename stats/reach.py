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
like every figure of the reports. A cell of fewer than `SMALL_CELL` contacts is
shown as "<5" with its share and ratio hidden (`is_small`); when a table would
have only one such cell, the next-smallest is hidden too, so that the table's
known total cannot give it away. `reach` takes any queryset of records: the
reach page passes its scope and year, the reports page its own filters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, Staff
from common.demographics import AGE_BOUNDS, AgeGroup, Gender
from desks.actions import desks_for_staff
from desks.models import Desk
from stats.models import ContactRecord, Municipality, PopulationCount

# The small-cell rule. MERGER: the same rule as stats/suppression.py (issue 12's reports); make
# `is_small` call that module's rule, or import it from there, so the rule lives in one place.
SMALL_CELL = 5


def is_small(count: int) -> bool:
    """A cell too small to show: 1 to 4 contacts (none is shown: it tells nothing about a person)."""
    return 0 < count < SMALL_CELL


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
    small: bool  # fewer than SMALL_CELL: shown "<5"
    hidden: bool  # hidden so that a small cell cannot be worked out (shown "×")

    @property
    def client_percent(self) -> float | None:
        return None if self.client_share is None else self.client_share * 100

    @property
    def population_percent(self) -> float | None:
        return None if self.population_share is None else self.population_share * 100

    @property
    def shown(self) -> str:
        """The count as every page and export shows it."""
        if self.small:
            return f"<{SMALL_CELL}"
        if self.hidden:
            return "×"
        return str(self.clients)


@dataclass(frozen=True)
class ReachTable:
    dimension: str
    title: str
    rows: list[ReachRow]
    known: int  # contacts whose value the population has
    unknown: int  # contacts with no value
    elsewhere: int  # contacts with a value the population does not have (another municipality; "other")
    population: int

    @property
    def known_shown(self) -> str:
        return f"<{SMALL_CELL}" if is_small(self.known) else str(self.known)

    @property
    def unknown_shown(self) -> str:
        return f"<{SMALL_CELL}" if is_small(self.unknown) else str(self.unknown)

    @property
    def elsewhere_shown(self) -> str:
        return f"<{SMALL_CELL}" if is_small(self.elsewhere) else str(self.elsewhere)

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
        return f"<{SMALL_CELL}" if is_small(self.contacts) else str(self.contacts)

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
    """The contact records whose reach `staff` may see: a superuser the region's, an admin their
    organisation's, a supervisor their desks'; nobody else any (`may_view_reach`).
    """
    if not staff.is_active:
        return ContactRecord.objects.none()
    if staff.is_superuser:
        return ContactRecord.objects.all()
    if staff.role == Role.ADMIN and staff.organisation_id is not None:
        return ContactRecord.objects.filter(organisation_id=staff.organisation_id)
    if staff.role == Role.SUPERVISOR:
        return ContactRecord.objects.filter(desk__in=desks_for_staff(staff))
    return ContactRecord.objects.none()


def desks_in_scope(staff: Staff) -> list[Desk]:
    """The desks whose records `records_in_scope` gives: what a reach page may narrow to."""
    if staff.is_superuser:
        desks = Desk.objects.all()
    elif staff.role == Role.ADMIN:
        desks = Desk.objects.filter(organisation=staff.organisation)
    elif staff.role == Role.SUPERVISOR:
        desks = desks_for_staff(staff)
    else:
        desks = Desk.objects.none()
    return list(desks.order_by("organisation__name", "name"))


def may_view_reach(staff: Staff) -> bool:
    """Supervisors, admins and superusers read reach; counsellors, volunteers and editors do not."""
    return staff.is_active and (staff.is_superuser or staff.role in (Role.ADMIN, Role.SUPERVISOR))


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


def _hide_small(counts: dict[str, int]) -> tuple[set[str], set[str]]:
    """The keys shown "<5", and the keys hidden beside them so that the table's total cannot give one away."""
    small = {key for key, count in counts.items() if is_small(count)}
    hidden: set[str] = set()
    if len(small) == 1:
        others = sorted((count, key) for key, count in counts.items() if count > 0 and key not in small)
        if others:
            hidden.add(others[0][1])
    return small, hidden


def _table(
    dimension: str,
    title: str,
    groups: list[tuple[str, str]],
    clients: Counter[str],
    population: Counter[str],
    unknown: int,
    elsewhere: int,
) -> ReachTable:
    known = sum(clients[key] for key, _label in groups)
    people = sum(population[key] for key, _label in groups)
    small, hidden = _hide_small({key: clients[key] for key, _label in groups})
    if is_small(known):  # the whole table is one small cell
        small, hidden = {key for key, _label in groups if clients[key] > 0}, set()
    rows = []
    for key, label in groups:
        count = clients[key]
        population_share = population[key] / people if people else None
        share = count / known if known else None
        large_enough = population_share is not None and population_share >= MIN_POPULATION_SHARE
        if key in small:
            # Flagged only when any count below SMALL_CELL would be under-reached: the flag tells nothing more.
            top = (SMALL_CELL - 1) / known if known else None
            under = bool(
                large_enough and top is not None and population_share and top < UNDER_REACHED_RATIO * population_share
            )
            rows.append(ReachRow(key, label, None, None, population[key], population_share, None, under, True, False))
            continue
        if key in hidden:
            rows.append(ReachRow(key, label, None, None, population[key], population_share, None, False, False, True))
            continue
        ratio = share / population_share if share is not None and population_share else None
        under = bool(large_enough and ratio is not None and ratio < UNDER_REACHED_RATIO)
        rows.append(ReachRow(key, label, count, share, population[key], population_share, ratio, under, False, False))
    return ReachTable(dimension, title, rows, known, unknown, elsewhere, people)


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
        )
    )
    clients, unknown, elsewhere = counted(
        ("age_group",), lambda v: v[0] if v[0] in POPULATION_AGE_GROUPS else None, lambda v: True
    )
    tables.append(
        _table(AGE_GROUP, _("Age group"), ages, clients, population_by(lambda c, a, g: a), unknown, elsewhere)
    )
    clients, unknown, elsewhere = counted(
        ("gender",), lambda v: v[0] if v[0] in POPULATION_GENDERS else None, lambda v: v[0] == Gender.UNKNOWN
    )
    tables.append(_table(GENDER, _("Gender"), genders, clients, population_by(lambda c, a, g: g), unknown, elsewhere))
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
        )
    )
    return Reach(year=year if population else None, contacts=contacts, tables=tables)
