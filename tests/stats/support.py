"""Shared set-up of the report tests: the demo data, a few municipalities and categories, and made-up records.

`direct` counts records in plain Python, the computation each report figure is checked against.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection

from stats.models import Category, CategoryKind, ContactRecord, Medium, Municipality
from stats.sample_records import make_records
from tests.support.demo import Demo

HELSINKI = ZoneInfo("Europe/Helsinki")
YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2026, 12, 31)
GENDERS = ("girl_woman", "boy_man", "other", "unknown")


@dataclass
class Data:
    demo: Demo
    records: list[ContactRecord]
    categories: list[Category]


def demo_in_transaction() -> Demo:
    """The demo data inside the test's transaction (faster than the `demo` fixture's flushed database)."""
    from demo.data import seed_demo
    from desks.models import OpeningException, OpeningPeriod

    seed_demo(brain=False)
    OpeningPeriod.objects.all().delete()
    OpeningException.objects.all().delete()
    return Demo.load()


def seed(demo: Demo, count: int = 3000) -> Data:
    # The demo may list the region's municipalities already.
    Municipality.objects.get_or_create(code="091", defaults={"name": "Helsinki", "name_sv": "Helsingfors"})
    Municipality.objects.get_or_create(code="049", defaults={"name": "Espoo", "name_sv": "Esbo"})
    Municipality.objects.get_or_create(code="092", defaults={"name": "Vantaa", "name_sv": "Vanda"})
    categories = []
    for desk in (demo.desks.youth, demo.desks.study):
        for i, name in enumerate(("Opiskelu", "Työ", "Harvinainen")):
            categories.append(
                Category.objects.get_or_create(
                    organisation=desk.organisation,
                    kind=CategoryKind.TOPIC,
                    name=f"Testi {name}",
                    defaults={"position": i},
                )[0]
            )
        categories.append(
            Category.objects.get_or_create(
                organisation=desk.organisation, name="Testimusiikki", kind=CategoryKind.INTEREST
            )[0]
        )
    desks = [demo.desks.youth, demo.desks.homework, demo.desks.parents, demo.desks.study, demo.desks.youth]
    make_records(count, desks, since=YEAR_START, until=YEAR_END, categories=categories, seed=2026)
    # Just outside the period on both sides, in Helsinki time (UTC+2 in winter).
    for moment in (dt.datetime(2025, 12, 31, 23, 59, tzinfo=HELSINKI), dt.datetime(2027, 1, 1, 0, 0, tzinfo=HELSINKI)):
        ContactRecord.objects.create(
            organisation=demo.desks.youth.organisation, desk=demo.desks.youth, started_at=moment
        )
    # Just inside: 00.10 on New Year's Day in Helsinki is still 2025 in UTC.
    ContactRecord.objects.create(
        organisation=demo.desks.youth.organisation,
        desk=demo.desks.youth,
        started_at=dt.datetime(2026, 1, 1, 0, 10, tzinfo=HELSINKI),
        gender="other",
        medium=Medium.PHONE,
    )
    # The planner's statistics, as autovacuum keeps them in a running database: PostgreSQL's were
    # taken when earlier tests had left these tables empty, and planned for no rows, a join of the
    # thousands made here takes seconds a statement. ANALYZE sees this transaction's rows.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stats_contactrecord")
        cursor.execute("ANALYZE stats_contactrecord_categories")
    records = list(ContactRecord.objects.prefetch_related("categories"))
    return Data(demo, records, categories)


def in_period(record: ContactRecord, since: dt.date = YEAR_START, until: dt.date = YEAR_END) -> bool:
    day = record.started_at.astimezone(HELSINKI).date()
    return since <= day <= until


def direct(
    records: Iterable[ContactRecord], key: Callable[[ContactRecord], Iterable[str] | str]
) -> Counter[tuple[str, str]]:
    """Contacts per (key, gender) and per (key, "total"); a key function may give several keys (topics)."""
    counts: Counter[tuple[str, str]] = Counter()
    for record in records:
        keys = key(record)
        for k in [keys] if isinstance(keys, str) else set(keys):
            counts[(k, record.gender)] += 1
            counts[(k, "total")] += 1
    return counts


def nearest_rank(values: list[int], p: int) -> int:
    values = sorted(values)
    return values[math.ceil(p / 100 * len(values)) - 1]
