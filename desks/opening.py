"""Changing a desk's opening hours: the weekly periods and the dated exceptions.

`check_*` validates and raises ValidationError (keyed by the form's field
names where one field is wrong), `do_*` checks and then changes, in one
transaction. Who may change which desk is desks.actions.desks_supervised_by:
the views ask it to find the desk, and every `do_*` asks it again. Every change
is audited by the watchers of the rows (audit.changes, connected in
conversations.access_changes; the acting staff member is the request's, set by
audit.middleware), the same whether it is made here or in the Django admin; the
same watchers tell the clients' start pages. The audit app sits above this one
(docs/architecture.md), so these functions cannot call it. What the hours
mean is desks.hours.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from desks.actions import desks_supervised_by
from desks.holidays import finnish_public_holidays
from desks.models import DESK_LANGUAGES, Desk, ExceptionKind, OpeningException, OpeningPeriod, Weekday

# The longest closure or run of special openings in one row: a summer break fits, a typo of the year does not.
MAX_EXCEPTION_DAYS = 120
REASON_MAX_CHARS = 80
MIDNIGHT = dt.time(0)


@dataclass(frozen=True)
class WeeklyPeriod:
    weekday: int
    opens: dt.time
    closes: dt.time

    @property
    def ends(self) -> tuple[int, dt.time]:
        """Where the period ends in the week: 00:00 closing is the next midnight."""
        return (1, MIDNIGHT) if self.closes == MIDNIGHT else (0, self.closes)


@dataclass(frozen=True)
class NewException:
    """An exception as the staff member wrote it; `reasons` per language ("fi", "sv", "en")."""

    kind: str
    starts_on: dt.date
    ends_on: dt.date
    opens: dt.time | None = None
    closes: dt.time | None = None
    reasons: dict[str, str] = field(default_factory=dict)


def _check_supervises(staff: Staff, desk: Desk) -> None:
    if not desks_supervised_by(staff).filter(pk=desk.pk).exists():
        raise PermissionDenied


def check_weekly_hours(periods: list[WeeklyPeriod]) -> list[WeeklyPeriod]:
    """The periods in weekday order; ValidationError if one closes before it opens or two overlap on a day.

    A period closes after it opens on the same day; 00:00 as its closing time
    is midnight (18-24). A period past midnight is two periods.
    """
    ordered = sorted(periods, key=lambda p: (p.weekday, p.opens))
    problems = [
        _("%(period)s: the closing time must be after the opening time (00:00 is midnight).")
        % {"period": _period_text(p)}
        for p in ordered
        if p.closes != MIDNIGHT and p.closes <= p.opens
    ]
    for first, second in itertools.pairwise(ordered):
        if first.weekday == second.weekday and (0, second.opens) < first.ends:
            problems.append(
                _("%(first)s and %(second)s overlap.") % {"first": _period_text(first), "second": _period_text(second)}
            )
    if problems:
        raise ValidationError(problems)
    return ordered


def _period_text(period: WeeklyPeriod) -> str:
    return f"{Weekday(period.weekday).label} {period.opens:%H:%M}–{period.closes:%H:%M}"


@transaction.atomic
def do_set_weekly_hours(staff: Staff, desk: Desk, periods: list[WeeklyPeriod]) -> None:
    """Make `periods` the desk's weekly hours: only what changed is removed or added (and so audited)."""
    _check_supervises(staff, desk)
    wanted = check_weekly_hours(periods)
    kept: set[WeeklyPeriod] = set()
    for row in OpeningPeriod.objects.select_for_update().filter(desk=desk):
        current = WeeklyPeriod(row.weekday, row.opens, row.closes)
        if current in wanted and current not in kept:
            kept.add(current)
        else:
            row.delete()
    for period in wanted:
        if period not in kept:
            OpeningPeriod.objects.create(desk=desk, weekday=period.weekday, opens=period.opens, closes=period.closes)


def check_queue_limit(limit: int | None) -> int | None:
    """A desk's queue limit: empty (the service's own, `CHAT_DESK_QUEUE_MAX`) or 1 up to the service's."""
    if limit is not None and not 1 <= limit <= settings.CHAT_DESK_QUEUE_MAX:
        raise ValidationError(
            {
                "queue_limit": _("Give a number from 1 to %(max)s, or leave it empty.")
                % {"max": settings.CHAT_DESK_QUEUE_MAX}
            }
        )
    return limit


@transaction.atomic
def do_set_queue_limit(staff: Staff, desk: Desk, limit: int | None) -> None:
    """Cap the desk's queue (audited as a change of the desk by its watchers, conversations.access_changes)."""
    _check_supervises(staff, desk)
    desk.queue_limit = check_queue_limit(limit)
    desk.save(update_fields=["queue_limit"])


@transaction.atomic
def do_set_calls_relay_only(staff: Staff, desk: Desk, relay_only: bool) -> None:
    """Whether the desk's calls go through the TURN relay only (docs/calls.md); audited like the queue limit."""
    _check_supervises(staff, desk)
    desk.calls_relay_only = relay_only
    desk.save(update_fields=["calls_relay_only"])


def check_exception(desk: Desk, new: NewException, today: dt.date | None = None) -> None:
    """ValidationError, by field, unless `new` can be added to `desk` now.

    The days: from today on, the last not before the first, at most
    MAX_EXCEPTION_DAYS. A special opening has times and closes after it opens;
    a closure has none. No overlap: a closure with another closure's days, a
    special opening with another one's days and times.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if new.kind not in ExceptionKind.values:
        fail("kind", _("Choose whether the desk is closed or open."))
    if new.starts_on < today:
        fail("starts_on", _("The first day cannot be in the past."))
    if new.ends_on < new.starts_on:
        fail("ends_on", _("The last day cannot be before the first day."))
    elif (new.ends_on - new.starts_on).days >= MAX_EXCEPTION_DAYS:
        fail("ends_on", _("An exception can last at most %(days)s days.") % {"days": MAX_EXCEPTION_DAYS})
    if new.kind == ExceptionKind.OPEN:
        if new.opens is None:
            fail("opens", _("Give the opening time."))
        if new.closes is None:
            fail("closes", _("Give the closing time."))
        if new.opens is not None and new.closes is not None and new.closes <= new.opens:
            fail("closes", _("The closing time must be after the opening time."))
    elif new.opens is not None or new.closes is not None:
        fail("opens", _("A closed day has no times. Leave them empty, or choose a special opening."))
    for lang, reason in new.reasons.items():
        if len(reason) > REASON_MAX_CHARS:
            fail(f"reason_{lang}", _("At most %(count)s characters.") % {"count": REASON_MAX_CHARS})
    if not errors:
        same_days = OpeningException.objects.filter(
            desk=desk, kind=new.kind, starts_on__lte=new.ends_on, ends_on__gte=new.starts_on
        )
        if new.kind == ExceptionKind.CLOSED and same_days.exists():
            fail("starts_on", _("The desk is already closed on some of these days."))
        if new.kind == ExceptionKind.OPEN and same_days.filter(opens__lt=new.closes, closes__gt=new.opens).exists():
            fail("opens", _("Another special opening on these days overlaps these times."))
    if errors:
        raise ValidationError(errors)


def _reasons_in_every_language(reasons: dict[str, str]) -> dict[str, str]:
    """The reason fields: a language left empty gets the Finnish reason, or the first one written.

    Why: a client reads the reason in their language; one in another language
    says more than none (a supervisor may write only "Itsenäisyyspäivä").
    """
    given = {lang: reasons.get(lang, "").strip() for lang in DESK_LANGUAGES}
    fallback = given["fi"] or next((text for text in given.values() if text), "")
    return {f"reason_{lang}": text or fallback for lang, text in given.items()}


@transaction.atomic
def do_add_exception(staff: Staff, desk: Desk, new: NewException, today: dt.date | None = None) -> OpeningException:
    """Add a closure or a special opening to `desk` (checked by `check_exception`)."""
    _check_supervises(staff, desk)
    Desk.objects.select_for_update().filter(pk=desk.pk).first()  # one change of the desk's exceptions at a time
    check_exception(desk, new, today)
    reasons = _reasons_in_every_language(new.reasons)
    return OpeningException.objects.create(
        desk=desk,
        kind=new.kind,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        opens=new.opens if new.kind == ExceptionKind.OPEN else None,
        closes=new.closes if new.kind == ExceptionKind.OPEN else None,
        **reasons,
    )


@transaction.atomic
def do_delete_exception(staff: Staff, desk: Desk, exception_id: int) -> bool:
    """Remove one of `desk`'s exceptions; False when it has no such exception (another desk's looks missing)."""
    _check_supervises(staff, desk)
    row = OpeningException.objects.filter(desk=desk, pk=exception_id).first()
    if row is None:
        return False
    row.delete()
    return True


@transaction.atomic
def do_add_public_holidays(staff: Staff, desk: Desk, year: int, today: dt.date | None = None) -> int:
    """Close `desk` on the rest of `year`'s Finnish public holidays (desks.holidays), each named in every language.

    Days already closed are left as they are, so a second click adds nothing.
    Returns how many closures were added.
    """
    _check_supervises(staff, desk)
    today = today or timezone.localdate()
    Desk.objects.select_for_update().filter(pk=desk.pk).first()
    closures = list(OpeningException.objects.filter(desk=desk, kind=ExceptionKind.CLOSED, ends_on__gte=today))
    added = 0
    for holiday in finnish_public_holidays(year):
        if holiday.day < today or any(c.starts_on <= holiday.day <= c.ends_on for c in closures):
            continue
        OpeningException.objects.create(
            desk=desk,
            kind=ExceptionKind.CLOSED,
            starts_on=holiday.day,
            ends_on=holiday.day,
            **{f"reason_{lang}": holiday.names[lang] for lang in DESK_LANGUAGES},
        )
        added += 1
    return added
