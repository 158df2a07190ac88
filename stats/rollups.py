"""Rollups: each organisation's contact records of a whole UTC month added up once, per desk and medium.

A report over a year read 100,000 records in 8 passes (about 1.5 s on
SQLite); whole months now come from a few hundred stored tallies and only
the rest of the period (its first and last partial month, and any stale
month) from the records (docs/performance.md, "Reports").

Exact, always: a database trigger on the records and their categories marks
the (organisation, month) of every change stale (`ReportRollupStale`, migration
stats/0004), whatever wrote it. A stale month is counted from its records until
`refresh_rollups` (the service's timer in scripts/serve.py, or
`manage.py refresh_report_rollups`) has built it again. So a rollup is used
only while it still equals what its records add up to, and the report never
waits for the job: it is only slower until the job has run.

UTC months, not Helsinki ones: the trigger needs no time-zone rules, and the
report takes whole UTC months inside its Helsinki-day period, counting the
hours at its edges from the records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet

from stats.models import ContactRecord, ReportRollup, ReportRollupStale
from stats.tally import Tally, count_tallies, count_tally

HELSINKI = ZoneInfo("Europe/Helsinki")


def midnight(day: dt.date) -> dt.datetime:
    """The first moment of `day` in Helsinki."""
    return dt.datetime.combine(day, dt.time(), tzinfo=HELSINKI)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def whole_months(since: dt.date, until: dt.date) -> tuple[dt.date, dt.date] | None:
    """The months wholly inside the days since..until (inclusive), as [first, after), or None."""
    first = since if since.day == 1 else next_month(since)
    following = next_month(until)
    after = following if following - dt.timedelta(days=1) == until else until.replace(day=1)
    return (first, after) if first < after else None


def refresh_rollups(limit: int | None = None) -> int:
    """Build the rollups of stale months again, oldest first; returns how many months were built.

    Each month in its own transaction: its rollups replaced by what its records
    add up to now, per desk and medium. The stale mark goes only if nobody
    changed the month meanwhile (its version is the one read); else it stays
    for the next run.
    """
    built = 0
    stale = ReportRollupStale.objects.order_by("month", "organisation_id")
    for listed in stale[:limit] if limit else stale:
        with transaction.atomic():
            # Locked, or skipped when another process is building it (two would both insert rollups).
            mark = ReportRollupStale.objects.select_for_update(skip_locked=True).filter(pk=listed.pk).first()
            if mark is None:
                continue
            records = ContactRecord.objects.filter(
                organisation_id=mark.organisation_id,
                started_at__gte=midnight(mark.month),
                started_at__lt=midnight(next_month(mark.month)),
            ).order_by()
            tallies = count_tallies(records, split=True)
            ReportRollup.objects.filter(organisation_id=mark.organisation_id, month=mark.month).delete()
            ReportRollup.objects.bulk_create(
                ReportRollup(
                    organisation_id=mark.organisation_id,
                    month=mark.month,
                    desk_id=desk_id,
                    medium=medium,
                    tally=tally.to_json(),
                )
                for (desk_id, medium), tally in tallies.items()
            )
            ReportRollupStale.objects.filter(pk=mark.pk, version=mark.version).delete()
        built += 1
    return built


M = TypeVar("M", ContactRecord, ReportRollup)


@dataclass(frozen=True)
class Narrowing:
    """Which organisations, desks and medium a report counts: applied alike to records and to rollups."""

    organisation_ids: frozenset[int] | None  # None: every organisation (the regional view)
    desk_ids: frozenset[int] | None  # None: every desk and none
    medium: str = ""

    def apply(self, rows: QuerySet[M]) -> QuerySet[M]:
        """`rows` (records or rollups, which share these fields) narrowed; the one place of the filter."""
        if self.organisation_ids is not None:
            rows = rows.filter(organisation_id__in=self.organisation_ids)
        if self.desk_ids is not None:
            rows = rows.filter(desk_id__in=self.desk_ids)
        if self.medium:
            rows = rows.filter(medium=self.medium)
        return rows


def tally_for(records: QuerySet[ContactRecord], scope: Narrowing, since: dt.date, until: dt.date) -> Tally:
    """What `records` (already narrowed to the days since..until and by `scope`) add up to.

    Whole months without a stale mark come from the rollups; the days before
    and after them, and stale months, are counted from the records, one range
    at a time (each a range of the records' index).
    """
    months = whole_months(since, until)
    if months is None:
        return count_tally(records)
    first, after = months
    marks = ReportRollupStale.objects.filter(month__gte=first, month__lt=after)
    if scope.organisation_ids is not None:
        marks = marks.filter(organisation_id__in=scope.organisation_ids)
    stale = set(marks.values_list("organisation_id", "month"))
    rollups = scope.apply(ReportRollup.objects.filter(month__gte=first, month__lt=after))
    tally = Tally()
    for organisation_id, month, stored in rollups.values_list("organisation_id", "month", "tally"):
        if (organisation_id, month) not in stale:
            tally.add_json(stored)
    # The rest from the records: the days outside the whole months, then the stale months, each
    # organisation's consecutive ones as one range, and the same range of several organisations at once.
    if since < first:
        tally.add(count_tally(records.filter(started_at__lt=midnight(first))))
    if after <= until:
        tally.add(count_tally(records.filter(started_at__gte=midnight(after))))
    for (start, end), organisation_ids in stale_ranges(stale).items():
        in_range = records.filter(
            organisation_id__in=organisation_ids, started_at__gte=midnight(start), started_at__lt=midnight(end)
        )
        tally.add(count_tally(in_range))
    return tally


def stale_ranges(stale: set[tuple[int, dt.date]]) -> dict[tuple[dt.date, dt.date], list[int]]:
    """Stale (organisation, month) pairs as [start, end) month ranges and the organisations stale in each."""
    ranges: dict[tuple[dt.date, dt.date], list[int]] = {}
    months_of: dict[int, list[dt.date]] = {}
    for organisation_id, month in sorted(stale):
        months_of.setdefault(organisation_id, []).append(month)
    for organisation_id, months in months_of.items():
        start = end = months[0]
        for month in months[1:]:
            if month != next_month(end):
                ranges.setdefault((start, next_month(end)), []).append(organisation_id)
                start = month
            end = month
        ranges.setdefault((start, next_month(end)), []).append(organisation_id)
    return ranges
