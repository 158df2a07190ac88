"""When people answer at a desk: weekly hours, dated exceptions, "open now" and the next opening.

The chatbot answers at any hour; the opening hours say when a client can be
handed over to a person. Times are local (settings.TIME_ZONE, Europe/Helsinki):
a client in Finland reads "14–21" as Finnish time, whatever the server's clock
says, and a Monday's 14:00 stays 14:00 across a daylight-saving change.

This module is the one home of these rules. A desk's hours are its weekly
periods (none: open round the clock) and its dated exceptions
(desks.models.OpeningException): a closed day drops the weekly periods that
start on it, a special opening adds its times, also on a closed day. Every
question is answered from one list of open intervals (`_intervals`), computed
in UTC from local wall times, so comparisons never depend on a clock change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from desks.models import Desk, ExceptionKind, OpeningException, OpeningPeriod, Weekday

# How far ahead the next opening is looked for: a closed Christmas week and the
# turn of the year fit, and a desk closed for the summer says nothing wrong.
SEARCH_DAYS = 60


@dataclass(frozen=True)
class Period:
    weekday: int
    opens: dt.time
    closes: dt.time

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


@dataclass(frozen=True)
class DayException:
    """An exception as the rules read it (a copy of an OpeningException row)."""

    kind: str
    starts_on: dt.date
    ends_on: dt.date
    opens: dt.time | None
    closes: dt.time | None
    reason: str
    pk: int | None = None

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


Interval = tuple[dt.datetime, dt.datetime]


def with_hours(desks: QuerySet[Desk], today: dt.date | None = None) -> QuerySet[Desk]:
    """`desks` with their weekly periods and their exceptions from yesterday on: two queries for any number.

    Why: the client page, the transfer targets and the console list every desk
    with its state; without this each desk would cost two queries more.
    """
    since = (today or timezone.localdate()) - dt.timedelta(days=1)
    return desks.prefetch_related(
        "opening_periods",
        Prefetch("opening_exceptions", queryset=OpeningException.objects.filter(ends_on__gte=since)),
    )


def periods_of(desk: Desk) -> list[Period]:
    """The desk's weekly periods (uses prefetched `opening_periods` when there)."""
    return [Period(p.weekday, p.opens, p.closes) for p in desk.opening_periods.all()]


def exceptions_of(desk: Desk) -> list[DayException]:
    """The desk's dated exceptions (uses prefetched `opening_exceptions` when there: `with_hours`)."""
    return [
        DayException(e.kind, e.starts_on, e.ends_on, e.opens, e.closes, str(e.reason), e.pk)
        for e in desk.opening_exceptions.all()
    ]


def _local(at: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(at or timezone.now(), timezone.get_default_timezone())


def _wall(day: dt.date, time: dt.time) -> dt.datetime:
    """The moment (UTC) of a local wall time on a local day; a time skipped by the spring change counts as after it."""
    return dt.datetime.combine(day, time, tzinfo=timezone.get_default_timezone()).astimezone(dt.UTC)


def _day_intervals(day: dt.date, periods: list[Period], exceptions: list[DayException]) -> list[Interval]:
    """The open intervals that start on the local `day`."""
    found: list[Interval] = []
    if not any(e.kind == ExceptionKind.CLOSED and e.covers(day) for e in exceptions):
        if not periods:  # no weekly hours: open round the clock, a closed day aside
            found.append((_wall(day, dt.time(0)), _wall(day + dt.timedelta(days=1), dt.time(0))))
        for p in periods:
            if p.weekday == day.weekday():
                ends_on = day + dt.timedelta(days=1) if p.overnight else day
                found.append((_wall(day, p.opens), _wall(ends_on, p.closes)))
    found.extend(
        (_wall(day, e.opens), _wall(day, e.closes))
        for e in exceptions
        if e.kind == ExceptionKind.OPEN and e.covers(day) and e.opens is not None and e.closes is not None
    )
    return found


def _merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping and touching intervals joined: 14-18 and a special 18-21 are one evening, not two openings."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intervals(desk: Desk, local: dt.datetime, days: int = SEARCH_DAYS) -> list[Interval] | None:
    """The desk's open intervals from the day before `local` to `days` ahead; None when always open.

    An inactive desk has none (never open).
    """
    if not desk.is_active:
        return []
    periods, exceptions = periods_of(desk), exceptions_of(desk)
    if not periods and not exceptions:
        return None
    today = local.date()
    return _merged(
        interval
        for offset in range(-1, days + 1)
        for interval in _day_intervals(today + dt.timedelta(days=offset), periods, exceptions)
    )


def is_open(desk: Desk, at: dt.datetime | None = None) -> bool:
    """Whether people answer at `desk` at `at` (now). A desk without hours or exceptions is always open."""
    local = _local(at)
    intervals = _intervals(desk, local, days=0)
    if intervals is None:
        return True
    return any(start <= local < end for start, end in intervals)


def next_opening(desk: Desk, at: dt.datetime | None = None) -> dt.datetime | None:
    """When `desk` next opens after `at` (now), local time, within SEARCH_DAYS; None if always open or not then."""
    local = _local(at)
    intervals = _intervals(desk, local)
    if not intervals:
        return None
    for start, _end in intervals:
        if start > local:
            return timezone.localtime(start, timezone.get_default_timezone())
    return None


def next_change(desk: Desk, at: dt.datetime | None = None) -> dt.datetime | None:
    """When `desk` next opens or closes after `at` (now), within SEARCH_DAYS; None if nothing changes.

    Why: the client page re-reads the desks' state at that moment, so "Open now"
    turns into "Closed now" without a reload.
    """
    local = _local(at)
    intervals = _intervals(desk, local)
    if not intervals:
        return None
    for start, end in intervals:
        for moment in (start, end):
            if moment > local:
                return timezone.localtime(moment, timezone.get_default_timezone())
    return None


def _time(value: dt.time) -> str:
    """ "14" for a whole hour, else the active language's clock (14.30 in Finnish and Swedish, 14:30 in
    English: kohtaamo/formats), always 24-hour; midnight as the clock writes it ("0.00"), never a bare "0"."""
    return formats.time_format(value) if value.minute or not value.hour else str(value.hour)


def describe_hours(desk: Desk) -> list[str]:
    """The opening hours as short lines in the active language ("Mon–Fri 14–21").

    Consecutive days with the same hours are joined, as on a shop door.
    """
    periods = periods_of(desk)
    if not periods:
        return []
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for p in sorted(periods, key=lambda p: (p.weekday, p.opens)):
        by_day.setdefault(p.weekday, []).append((p.opens, p.closes))
    names = {day.value: str(day.label) for day in Weekday}
    lines: list[str] = []
    day = 0
    while day < 7:
        if day not in by_day:
            day += 1
            continue
        last = day
        while last + 1 < 7 and by_day.get(last + 1) == by_day[day]:
            last += 1
        days = names[day] if last == day else f"{names[day]}–{names[last]}"
        times = ", ".join(f"{_time(o)}–{_time(c)}" for o, c in by_day[day])
        lines.append(f"{days} {times}")
        day = last + 1
    return lines


def _day_month(day: dt.date | dt.datetime) -> str:
    """ "8.12.": the short day and month of every language version (kohtaamo/formats: the day first)."""
    return formats.date_format(day, "j.n.")


def describe_next_opening(desk: Desk, at: dt.datetime | None = None) -> str:
    """ "Opens tomorrow at 14." style text, with the date when it is further ("Opens on Tuesday 15.12. at 14.");
    "" when the desk is always open or opens not within SEARCH_DAYS."""
    when = next_opening(desk, at)
    if when is None:
        return ""
    local = _local(at)
    clock = _time(when.time())
    if when.date() == local.date():
        return _("Opens today at %(time)s.") % {"time": clock}
    if when.date() == local.date() + dt.timedelta(days=1):
        return _("Opens tomorrow at %(time)s.") % {"time": clock}
    day = formats.date_format(when, "l")
    return _("Opens on %(day)s %(date)s at %(time)s.") % {"day": day, "date": _day_month(when), "time": clock}


def _days(exception: DayException) -> str:
    if exception.ends_on == exception.starts_on:
        return _day_month(exception.starts_on)
    return f"{_day_month(exception.starts_on)}–{_day_month(exception.ends_on)}"


def describe_exception(exception: DayException) -> str:
    """One exception as a line in the active language: "Closed 24.12.–26.12.: Christmas", "Open 8.12. 18–21"."""
    if exception.kind == ExceptionKind.CLOSED:
        text = _("Closed %(days)s") % {"days": _days(exception)}
    else:
        assert exception.opens is not None and exception.closes is not None
        times = f"{_time(exception.opens)}–{_time(exception.closes)}"
        text = _("Open %(days)s %(times)s") % {"days": _days(exception), "times": times}
    return f"{text}: {exception.reason}" if exception.reason else text


def upcoming_exceptions(
    desk: Desk, at: dt.datetime | None = None, days: int | None = SEARCH_DAYS
) -> list[DayException]:
    """The exceptions from today (`at`) on, to `days` ahead (None: all), in date order."""
    today = _local(at).date()
    last = today + dt.timedelta(days=days) if days is not None else dt.date.max
    upcoming = [e for e in exceptions_of(desk) if e.ends_on >= today and e.starts_on <= last]
    return sorted(upcoming, key=lambda e: (e.starts_on, e.opens or dt.time(0)))


def describe_exceptions(desk: Desk, at: dt.datetime | None = None) -> list[str]:
    """The exceptions from today to SEARCH_DAYS ahead, as lines in the active language, in date order."""
    return [describe_exception(e) for e in upcoming_exceptions(desk, at)]


def describe_today(desk: Desk, at: dt.datetime | None = None) -> str:
    """Today's exception for clients: "Closed today: Independence Day." or "Special opening today 18–21: ...".

    "" when today has none.
    """
    today = _local(at).date()
    found = [e for e in exceptions_of(desk) if e.covers(today)]
    closed = next((e for e in found if e.kind == ExceptionKind.CLOSED), None)
    special = next((e for e in found if e.kind == ExceptionKind.OPEN), None)
    if special is not None and special.opens is not None and special.closes is not None:
        times = f"{_time(special.opens)}–{_time(special.closes)}"
        if special.reason:
            return _("Special opening today %(times)s: %(reason)s.") % {"times": times, "reason": special.reason}
        return _("Special opening today %(times)s.") % {"times": times}
    if closed is not None:
        if closed.reason:
            return _("Closed today: %(reason)s.") % {"reason": closed.reason}
        return _("Closed today.")
    return ""


@dataclass(frozen=True)
class DeskStatus:
    """What a client is told of a desk now, in the active language.

    `status`: "Open now." or "Closed now. Opens tomorrow at 14.", with today's
    exception after it; `hours`: the weekly hours and the coming exceptions;
    `changes_at`: when `open` next flips (the client page asks again then).
    """

    open: bool
    status: str
    hours: list[str]
    changes_at: dt.datetime | None


def desk_status(desk: Desk, at: dt.datetime | None = None) -> DeskStatus:
    """The one place that says what a client sees of a desk's hours now (the client page and its live updates)."""
    open_now = is_open(desk, at)
    parts = [_("Open now.") if open_now else _("Closed now.")]
    if not open_now:
        parts.append(describe_next_opening(desk, at))
    parts.append(describe_today(desk, at))
    return DeskStatus(
        open=open_now,
        status=" ".join(part for part in parts if part),
        hours=describe_hours(desk) + describe_exceptions(desk, at),
        changes_at=next_change(desk, at),
    )


def set_hours(desk: Desk, periods: list[tuple[int, dt.time, dt.time]]) -> None:
    """Replace the desk's weekly hours (demo data, tests, admin scripts)."""
    OpeningPeriod.objects.filter(desk=desk).delete()
    OpeningPeriod.objects.bulk_create(OpeningPeriod(desk=desk, weekday=w, opens=o, closes=c) for w, o, c in periods)
