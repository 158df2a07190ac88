"""Shifts: what a shift may be, and a week's coverage of a desk with its gaps.

The checks are here, below the actions, so that the console's forms and the
actions (conversations.actions.duty, which also authorise and audit) say the
same thing. Times are local (settings.TIME_ZONE), like the opening hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from desks.hours import is_open
from desks.models import Desk
from duty.models import Shift

# The longest shift the pages accept: a typo in a date should not plan a week-long shift.
MAX_SHIFT = dt.timedelta(hours=16)


class ShiftError(Exception):
    """A shift that cannot be stored; the message is for the person who asked."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_shift_times(
    staff: Staff, starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime | None = None
) -> None:
    """End after start, at most MAX_SHIFT, not in the past, and no overlap with the staff member's other shifts."""
    if ends_at <= starts_at:
        raise ShiftError(_("The shift must end after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_SHIFT:
        raise ShiftError(
            _("A shift can be at most %(hours)s hours long.") % {"hours": int(MAX_SHIFT.total_seconds() // 3600)},
            field="ends_at",
        )
    if starts_at < (now or timezone.now()):
        raise ShiftError(_("The shift cannot start in the past."), field="starts_at")
    overlapping = (
        Shift.objects.filter(staff=staff, starts_at__lt=ends_at, ends_at__gt=starts_at).select_related("desk").first()
    )
    if overlapping is not None:
        raise ShiftError(
            _("%(name)s already has a shift at %(desk)s from %(start)s to %(end)s.")
            % {
                "name": staff.public_name,
                "desk": overlapping.desk.name,
                "start": timezone.localtime(overlapping.starts_at).strftime("%d.%m. %H.%M"),
                "end": timezone.localtime(overlapping.ends_at).strftime("%d.%m. %H.%M"),
            },
            field="starts_at",
        )


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Hour:
    """One hour of a week's grid: how many planned shifts cover it, and whether it is a gap."""

    start: dt.datetime
    open: bool
    staff: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.staff)

    @property
    def gap(self) -> bool:
        """Inside the opening hours and nobody planned."""
        return self.open and not self.staff


@dataclass(frozen=True)
class Coverage:
    """A desk's week: `days` (Monday first) of 24 `Hour`s each, the shifts, and the gaps counted."""

    desk: Desk
    monday: dt.date
    days: list[list[Hour]]
    shifts: list[Shift]

    @property
    def gap_hours(self) -> int:
        return sum(hour.gap for day in self.days for hour in day)

    @property
    def rows(self) -> list[tuple[int, list[Hour]]]:
        """The grid by hour of the day (a table's rows), each with the seven days' hours."""
        return [(h, [day[h] for day in self.days]) for h in range(24)]


def coverage(desk: Desk, monday: dt.date) -> Coverage:
    """Each hour of the week from `monday`: the planned staff covering any part of it, and the gaps in the hours.

    One query for the shifts; the hours come from `desks.hours.is_open` at each
    hour's start (its exceptions included), so the grid says what clients see.
    """
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time()), zone)
    end = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time()), zone)
    shifts = list(
        Shift.objects.filter(desk=desk, starts_at__lt=end, ends_at__gt=start)
        .select_related("staff")
        .order_by("starts_at", "pk")
    )
    days: list[list[Hour]] = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        hours: list[Hour] = []
        for h in range(24):
            # Wall-clock hours: across a daylight-saving change an hour may be missing or doubled;
            # each is read at its own aware start.
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(h)), zone)
            until = at + dt.timedelta(hours=1)
            names = tuple(s.staff.public_name for s in shifts if s.starts_at < until and s.ends_at > at)
            hours.append(Hour(at, is_open(desk, at), names))
        days.append(hours)
    return Coverage(desk, monday, days, shifts)
