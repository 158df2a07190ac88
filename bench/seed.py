"""The benchmark's own staff and desks, created in the database of the server under test.

One desk per bench staff member: a desk snapshot lists every waiting and active
conversation of the desk and goes to every staff socket on it after each take,
so one desk with 1,000 conversations would turn the set-up into a million
snapshot entries. Small desks keep the set-up linear; the measured phase (only
`send`) does not touch desks at all.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import Organisation, Role, Staff
from desks.models import Desk, DeskMembership, same_name_in_every_language

BENCH_PASSWORD = "kohtaamo-bench-2026"  # noqa: S105 - a throwaway account in a throwaway database
BENCH_ORGANISATION = "bench"


def staff_username(index: int) -> str:
    return f"bench{index}"


def desk_slug(index: int) -> str:
    return f"bench-{index}"


@transaction.atomic
def seed_bench(staff_count: int) -> list[str]:
    """Make `staff_count` counsellors, each the only member of their own always-open desk without the bot.

    Idempotent: running it again with the same or a smaller count changes nothing.
    Returns the usernames.
    """
    org, _created = Organisation.objects.get_or_create(slug=BENCH_ORGANISATION, defaults={"name": "Bench"})
    usernames = []
    for index in range(staff_count):
        desk, _created = Desk.objects.get_or_create(
            slug=desk_slug(index),
            defaults={
                **same_name_in_every_language(f"Bench {index}"),
                "organisation": org,
                "audience": "adults",
                "bot_enabled": False,
            },
        )
        staff, created = Staff.objects.get_or_create(
            username=staff_username(index),
            defaults={"display_name": f"Bench {index}", "role": Role.COUNSELLOR, "organisation": org},
        )
        if created:
            staff.set_password(BENCH_PASSWORD)
            staff.save()
        DeskMembership.objects.get_or_create(desk=desk, staff=staff)
        usernames.append(staff.username)
    return usernames
