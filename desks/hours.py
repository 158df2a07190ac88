"""When people answer at a desk: opening hours, "open now" and the next opening.

The chatbot answers at any hour; the opening hours say when a client can be
handed over to a person. Times are local (settings.TIME_ZONE): a client in
Finland reads "14–21" as Finnish time, whatever the server's clock says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from desks.models import Desk, OpeningPeriod, Weekday


@dataclass(frozen=True)
class Period:
    weekday: int
    opens: dt.time
    closes: dt.time

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


def periods_of(desk: Desk) -> list[Period]:
    """The desk's weekly periods (uses prefetched `opening_periods` when there)."""
    return [Period(p.weekday, p.opens, p.closes) for p in desk.opening_periods.all()]


def _active_periods(desk: Desk) -> list[Period] | None:
    """The weekly periods of a desk in use; None for one out of use (never open)."""
    return periods_of(desk) if desk.is_active else None


def _local(at: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(at or timezone.now())


def is_open(desk: Desk, at: dt.datetime | None = None) -> bool:
    """Whether people answer at `desk` at `at` (now). A desk without hours is always open."""
    periods = _active_periods(desk)
    if not periods:
        return periods is not None
    local = _local(at)
    today, now = local.weekday(), local.time()
    yesterday = (today - 1) % 7
    for p in periods:
        if p.weekday == today and (p.opens <= now < p.closes or (p.overnight and now >= p.opens)):
            return True
        if p.weekday == yesterday and p.overnight and now < p.closes:
            return True
    return False


def next_opening(desk: Desk, at: dt.datetime | None = None) -> dt.datetime | None:
    """When `desk` next opens after `at` (now), within a week; None if it has no hours."""
    periods = _active_periods(desk)
    if not periods:
        return None
    local = _local(at)
    best: dt.datetime | None = None
    for days_ahead in range(8):
        day = local.date() + dt.timedelta(days=days_ahead)
        for p in periods:
            if p.weekday != day.weekday():
                continue
            start = timezone.make_aware(dt.datetime.combine(day, p.opens), local.tzinfo)
            if start > local and (best is None or start < best):
                best = start
        if best is not None:
            return best
    return best


def _time(value: dt.time) -> str:
    """ "14" for a whole hour, else the active language's clock (14.30 in Finnish and Swedish, 14:30 in
    English: kohtaamo/formats), always 24-hour."""
    return formats.time_format(value) if value.minute else str(value.hour)


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


def describe_next_opening(desk: Desk, at: dt.datetime | None = None) -> str:
    """ "Opens on Monday at 14" style text, or "" when the desk has no hours."""
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
    return _("Opens on %(day)s at %(time)s.") % {"day": day, "time": clock}


def set_hours(desk: Desk, periods: list[tuple[int, dt.time, dt.time]]) -> None:
    """Replace the desk's weekly hours (demo data, tests, admin scripts)."""
    OpeningPeriod.objects.filter(desk=desk).delete()
    OpeningPeriod.objects.bulk_create(OpeningPeriod(desk=desk, weekday=w, opens=o, closes=c) for w, o, c in periods)
