"""The demo's shifts this week: the desks' staff signed up, a few hours left as gaps to plan.

Only the seed_demo command makes them (the tests' seed_demo makes none, so each
test's own shifts are the only ones). Made through the model, not the actions:
some are in the past by the time the demo is seeded, which sign-up refuses.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Staff
from desks.models import Desk
from duty.models import Shift

# (username, desk, weekday (0 = Monday), starts, ends): Helsinki time, this week.
DEMO_SHIFTS = [
    ("counsellor", "youth", 0, 14, 18),
    ("counsellor", "youth", 2, 14, 18),
    ("counsellor", "parents", 3, 17, 20),
    ("counsellor2", "youth", 1, 16, 20),
    ("counsellor2", "youth", 3, 14, 17),
    ("counsellor2", "youth", 4, 12, 16),
    ("volunteer", "homework", 0, 14, 17),
    ("volunteer", "homework", 1, 14, 17),
    ("volunteer", "homework", 2, 17, 20),
    ("studycounsellor", "study", 1, 9, 13),
    ("studycounsellor", "study", 3, 12, 16),
]


def seed_shifts() -> int:
    """This week's shifts for the demo staff (the planner's supervisor planned them); none twice. Returns how many."""
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    zone = timezone.get_current_timezone()
    planner = Staff.objects.filter(username="supervisor").first()
    staff = {s.username: s for s in Staff.objects.filter(username__in={row[0] for row in DEMO_SHIFTS})}
    desks = {d.slug: d for d in Desk.objects.filter(slug__in={row[1] for row in DEMO_SHIFTS})}
    made = 0
    for username, slug, weekday, start, end in DEMO_SHIFTS:
        if username not in staff or slug not in desks:
            continue
        day = monday + dt.timedelta(days=weekday)
        starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(start)), zone)
        ends_at = timezone.make_aware(dt.datetime.combine(day, dt.time(end)), zone)
        _shift, created = Shift.objects.get_or_create(
            staff=staff[username],
            desk=desks[slug],
            starts_at=starts_at,
            defaults={"ends_at": ends_at, "created_by": planner},
        )
        made += created
    return made
