"""Counting contact records: what a report adds up, as one value that can be summed and stored.

A `Tally` is every count a report needs (stats.reports turns it into
suppressed tables): contacts per value of each single-valued group and
gender, people reached, ratings and "got help", the chatbot's topics and the
organisation's categories, and each time field's distinct values with their
counts. Tallies add up: the rollups of whole months (stats.rollups) are
tallies stored as JSON, and a report is the sum of those and of a tally
counted from the records the rollups do not cover.

How counting works: SQL GROUP BY on ContactRecord, a few passes for the whole
tally (`DIMENSION_PASSES`, one per time field, topics, categories) rather than
one per table; each pass reads the records once, from the covering index
`record_report_idx` (an admin's or the region's view) or (desk, started_at)
(a supervisor's). `count_tallies(..., split=True)` adds desk and medium to every
GROUP BY, which is how a month's rollups are made in the same 8 statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, Count, Q, QuerySet, Sum, Value, When

from stats.models import ContactRecord, Medium

# How a contact was answered (rule: stats.reports docstring).
ANSWERED_PERSON = "person"
ANSWERED_BOT = "bot"
ANSWERED_ABANDONED = "abandoned"

# The single-valued dimensions, counted in three GROUP BYs of a few hundred groups each (not one
# statement per dimension: each statement is a pass over the period's records), then added up here.
DIMENSION_PASSES: tuple[tuple[str, ...], ...] = (
    ("answered", "medium", "desk_id"),
    ("age_group", "education", "labour_status"),
    ("mother_tongue", "municipality"),
)
DIMENSIONS: tuple[str, ...] = tuple(d for dimensions in DIMENSION_PASSES for d in dimensions)
TIME_FIELDS = ("wait_seconds", "first_response_seconds", "duration_seconds")
# What a rollup is split by (stats.rollups): the report's filters below the organisation and the month.
SPLIT = ("desk_id", "medium")
# Every field of ContactRecord a tally reads: a change to one must mark its month stale (the triggers of
# migration stats/0004 list the same columns; tests/stats/test_rollups.py changes each one).
COUNTED_FIELDS: tuple[str, ...] = (
    "organisation",
    "desk",
    "medium",
    "started_at",
    "people",
    "returning",
    *TIME_FIELDS,
    "with_person",
    "abandoned",
    "bot_topics",
    "feedback_rating",
    "feedback_helped",
    "age_group",
    "gender",
    "municipality",
    "mother_tongue",
    "education",
    "labour_status",
    "categories",
)
SplitKey = tuple[int | None, str]
Counts = dict[tuple[str, str], int]


def _counts() -> defaultdict[tuple[str, str], int]:
    return defaultdict(int)


def _per_gender() -> defaultdict[str, int]:
    return defaultdict(int)


def _times() -> dict[str, defaultdict[str, list[int]]]:
    return {name: defaultdict(list) for name in TIME_FIELDS}


@dataclass
class Tally:
    """Every count a report is made of, for some set of contact records.

    `dimensions["age_group"][("18_24", "other")]`: contacts per (value, gender)
    of each single-valued dimension; `contacts` and `people` per gender;
    `ratings[("4", gender)]`, `helped[("yes", gender)]`; `bot_topics` and
    `categories` per (slug or category id, gender), a contact counted once in
    each of its topics; `times[field][gender]`: every record's value, in no order.

    Times are kept whole, not as counts per value: a month at one desk by one
    medium has few repeated values, and lists join and sort in C, where a
    year's worth of counts would be added up one by one (docs/performance.md).
    """

    dimensions: dict[str, defaultdict[tuple[str, str], int]] = field(
        default_factory=lambda: {d: _counts() for d in DIMENSIONS}
    )
    contacts: defaultdict[str, int] = field(default_factory=_per_gender)
    people: defaultdict[str, int] = field(default_factory=_per_gender)
    ratings: defaultdict[tuple[str, str], int] = field(default_factory=_counts)
    helped: defaultdict[tuple[str, str], int] = field(default_factory=_counts)
    bot_topics: defaultdict[tuple[str, str], int] = field(default_factory=_counts)
    categories: defaultdict[tuple[str, str], int] = field(default_factory=_counts)
    times: dict[str, defaultdict[str, list[int]]] = field(default_factory=_times)

    def add(self, other: Tally) -> None:
        """Add `other`'s counts to this one (records counted in neither twice: the caller's rule)."""
        for dimension, counts in other.dimensions.items():
            _add(self.dimensions[dimension], counts)
        for mine, theirs in (
            (self.contacts, other.contacts),
            (self.people, other.people),
            (self.ratings, other.ratings),
            (self.helped, other.helped),
            (self.bot_topics, other.bot_topics),
            (self.categories, other.categories),
        ):
            _add(mine, theirs)
        for name, per_gender in other.times.items():
            for gender, values in per_gender.items():
                self.times[name][gender].extend(values)

    def sorted_times(self, name: str) -> dict[str, list[int]]:
        """A time field's values in order, per gender and for all ("total")."""
        found = {gender: sorted(values) for gender, values in self.times[name].items()}
        found["total"] = sorted(v for values in self.times[name].values() for v in values)
        return found

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (rollups): pairs as [value, gender, count] lists."""
        return {
            "dimensions": {d: _pairs_out(c) for d, c in self.dimensions.items() if c},
            "contacts": dict(self.contacts),
            "people": dict(self.people),
            "ratings": _pairs_out(self.ratings),
            "helped": _pairs_out(self.helped),
            "bot_topics": _pairs_out(self.bot_topics),
            "categories": _pairs_out(self.categories),
            "times": {name: dict(per_gender) for name, per_gender in self.times.items()},
        }

    def add_json(self, data: Mapping[str, Any]) -> None:
        """Add a tally stored by `to_json` (a rollup), without making a Tally of it first."""
        for dimension, pairs in data["dimensions"].items():
            _add_pairs(self.dimensions[dimension], pairs)
        _add(self.contacts, data["contacts"])
        _add(self.people, data["people"])
        for name in ("ratings", "helped", "bot_topics", "categories"):
            _add_pairs(getattr(self, name), data[name])
        for name, per_gender in data["times"].items():
            for gender, values in per_gender.items():
                self.times[name][gender].extend(values)


def _add(into: defaultdict[Any, int], counts: Mapping[Any, int]) -> None:
    for key, n in counts.items():
        into[key] += n


def _pairs_out(counts: Mapping[tuple[str, str], int]) -> list[tuple[str, str, int]]:
    return [(value, gender, n) for (value, gender), n in counts.items() if n]


def _add_pairs(into: defaultdict[tuple[str, str], int], pairs: list[list[Any]]) -> None:
    for value, gender, n in pairs:
        into[(value, gender)] += n


# --- Counting -----------------------------------------------------------------------------------


def answered_by() -> Case:
    """Each record's "answered by": a person, the chatbot only, or nobody (left the queue); one SQL CASE."""
    return Case(
        When(with_person=True, then=Value(ANSWERED_PERSON)),
        When(~Q(medium=Medium.CHAT), then=Value(ANSWERED_PERSON)),
        When(abandoned=True, then=Value(ANSWERED_ABANDONED)),
        default=Value(ANSWERED_BOT),
        output_field=CharField(),
    )


def gender_aggregates() -> dict[str, Any]:
    """People reached (not returning), ratings 1-5 and got help yes/no, as aggregates of a GROUP BY."""
    return {
        "people_sum": Sum("people", filter=Q(returning=False)),
        "yes": Count("pk", filter=Q(feedback_helped=True)),
        "no": Count("pk", filter=Q(feedback_helped=False)),
        **{f"r{i}": Count("pk", filter=Q(feedback_rating=i)) for i in range(1, 6)},
    }


def count_tally(records: QuerySet[ContactRecord]) -> Tally:
    """The tally of `records`, in 8 statements whatever their number."""
    return count_tallies(records, split=False).get((None, ""), Tally())


def count_tallies(records: QuerySet[ContactRecord], *, split: bool) -> dict[SplitKey, Tally]:
    """The tallies of `records`, one per (desk, medium) when `split`, else one under (None, "")."""
    keys = SPLIT if split else ()
    tallies: defaultdict[SplitKey, Tally] = defaultdict(Tally)

    def tally_of(row: Mapping[str, Any]) -> Tally:
        return tallies[(row["desk_id"], row["medium"]) if split else (None, "")]

    _count_dimensions(records, keys, tally_of)
    _count_times(records, keys, tally_of)
    _count_bot_topics(records, keys, tally_of)
    _count_categories(records, keys, tally_of)
    return dict(tallies)


def _key(value: object) -> str:
    return str(value if value is not None else "")


def _count_dimensions(records: QuerySet[ContactRecord], keys: Sequence[str], tally_of: Any) -> None:
    """Contacts per (value, gender) of every single-valued dimension, and the per-gender figures.

    The first pass also sums people reached, ratings and "got help" per group,
    so they cost no pass of their own.
    """
    for index, dimensions in enumerate(DIMENSION_PASSES):
        rows = records.annotate(answered=answered_by()) if "answered" in dimensions else records
        extra = gender_aggregates() if index == 0 else {}
        names = list(dict.fromkeys([*dimensions, *keys, "gender"]))
        for row in rows.values(*names).annotate(n=Count("pk"), **extra).order_by():
            tally = tally_of(row)
            gender, n = row["gender"], row["n"]
            for dimension in dimensions:
                tally.dimensions[dimension][(_key(row[dimension]), gender)] += n
            if index == 0:
                tally.contacts[gender] += n
                tally.people[gender] += int(row["people_sum"] or 0)
                for i in range(1, 6):
                    if row[f"r{i}"]:
                        tally.ratings[(str(i), gender)] += row[f"r{i}"]
                for answer in ("yes", "no"):
                    if row[answer]:
                        tally.helped[(answer, gender)] += row[answer]


def _count_times(records: QuerySet[ContactRecord], keys: Sequence[str], tally_of: Any) -> None:
    """Each time field's distinct values with their counts, per gender.

    One GROUP BY (gender, value) per field: times are whole seconds, so many
    records share a value and fewer rows travel than records.
    """
    for name in TIME_FIELDS:
        rows = records.filter(**{f"{name}__isnull": False}).values(*keys, "gender", name).annotate(n=Count("pk"))
        for row in rows.order_by():
            tally_of(row).times[name][row["gender"]].extend([row[name]] * row["n"])


def _count_bot_topics(records: QuerySet[ContactRecord], keys: Sequence[str], tally_of: Any) -> None:
    """Contacts per (chatbot topic, gender); a topic named twice in one record counts once."""
    try:
        inner, params = records.values("pk").query.sql_with_params()
    except EmptyResultSet:  # a scope without desks (a supervisor at none): nothing to count
        return
    table = ContactRecord._meta.db_table
    if connection.vendor == "postgresql":
        each = "jsonb_array_elements_text(r.bot_topics) AS t(value)"
    else:
        each = "json_each(r.bot_topics) AS t"
    split = "".join(f", r.{key}" for key in keys)
    # No user text: our table, column and function names, and Django's SQL with its parameters bound.
    sql = f"SELECT t.value, r.gender{split}, COUNT(DISTINCT r.id) FROM {table} r, {each} "  # noqa: S608
    sql += f"WHERE r.id IN ({inner}) GROUP BY t.value, r.gender{split}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for topic, gender, *rest in cursor.fetchall():
            row = dict(zip(("gender", *keys, "n"), (gender, *rest), strict=True))
            tally_of(row).bot_topics[(str(topic), gender)] += row["n"]


def _count_categories(records: QuerySet[ContactRecord], keys: Sequence[str], tally_of: Any) -> None:
    """Contacts per (category id, gender), through the records' categories.

    One join of the records (read from the covering index) with the categories'
    link table, no `IN (subquery)`: a record has a category at most once (the
    link table's unique pair), so COUNT needs no DISTINCT, whose extra sort
    cost as much as the join.
    """
    rows = records.filter(categories__isnull=False).values("categories", *keys, "gender").annotate(n=Count("pk"))
    for row in rows.order_by():
        tally_of(row).categories[(str(row["categories"]), row["gender"])] += row["n"]
