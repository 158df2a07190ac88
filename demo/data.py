"""Demo data for `make run` and the tests: two organisations, four desks, staff of every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, Role, Staff
from desks.hours import set_hours
from desks.models import Audience, CannedReply, Desk, DeskMembership

DEMO_PASSWORD = "kohtaamo-demo-2026"
# A fixed TOTP key for the demo admin and supervisor, so that `manage.py totp_code`
# and the tests can compute their codes. Never used outside demo data.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    display_name: str
    role: str
    organisation: str
    desks: tuple[str, ...]


ORGANISATIONS = {
    "jokilaakso": "Jokilaakson kaupunki",
    "rantala-college": "Rantalan aikuisopisto",
}

DESKS = [
    # slug, name, organisation, audience, languages, description
    (
        "youth",
        "Nuorten chat",
        "jokilaakso",
        Audience.YOUTH,
        "fi,sv,en",
        "Nuorisotyöntekijät vastaavat, kysyit mitä tahansa elämästä.",
    ),
    (
        "homework",
        "Läksyapu",
        "jokilaakso",
        Audience.HOMEWORK,
        "fi,en",
        "Koulutetut opiskelijavapaaehtoiset auttavat läksyissä.",
    ),
    (
        "parents",
        "Vanhempien linja",
        "jokilaakso",
        Audience.PARENTS,
        "fi,sv",
        "Nuorten vanhemmille: kysy kasvatuksesta ja arjesta.",
    ),
    (
        "study",
        "Opinto-ohjaus aikuisille",
        "rantala-college",
        Audience.ADULTS,
        "fi,sv,en",
        "Opinto- ja uraohjausta aikuisille.",
    ),
]

# slug -> (chatbot answers first, weekly hours as (weekday, opens, closes), message when closed).
# The youth line has no hours, so the demo always has a desk where a person can answer.
DESK_SETTINGS: dict[str, tuple[bool, list[tuple[int, dt.time, dt.time]], str]] = {
    "youth": (True, [], ""),
    "homework": (
        False,
        [(day, dt.time(14), dt.time(20)) for day in range(4)],
        "Läksyapu on auki maanantaista torstaihin kello 14–20.",
    ),
    "parents": (
        True,
        [(day, dt.time(17), dt.time(20)) for day in range(4)],
        "Voit kysyä chatbotilta milloin vain. Kiireellisissä asioissa soita kunnan perheneuvolaan.",
    ),
    "study": (True, [(day, dt.time(9), dt.time(16)) for day in range(5)], ""),
}

STAFF = [
    DemoStaff("admin", "Admin", Role.ADMIN, "jokilaakso", ("youth", "homework", "parents")),
    DemoStaff("supervisor", "Sanna", Role.SUPERVISOR, "jokilaakso", ("youth", "homework", "parents")),
    DemoStaff("counsellor", "Kalle", Role.COUNSELLOR, "jokilaakso", ("youth", "parents")),
    DemoStaff("counsellor2", "Aino", Role.COUNSELLOR, "jokilaakso", ("youth",)),
    DemoStaff("volunteer", "Ville", Role.VOLUNTEER, "jokilaakso", ("homework",)),
    DemoStaff("editor", "Eeva", Role.EDITOR, "jokilaakso", ()),
    DemoStaff("studycounsellor", "Outi", Role.COUNSELLOR, "rantala-college", ("study",)),
]

CANNED = [
    ("youth", "Tervehdys", "Hei! Kiva että kirjoitit. Mistä haluaisit jutella?"),
    ("youth", "Lopetus", "Kiitos keskustelusta. Voit kirjoittaa tänne milloin vain uudestaan."),
    ("homework", "Tervehdys", "Hei! Missä aineessa tarvitset apua?"),
    ("study", "Tervehdys", "Hei! Kerro vähän, millaisia opintoja mietit."),
]


@transaction.atomic
def seed_demo(*, brain: bool = True) -> list[DemoStaff]:
    """Create the demo data; running it again changes nothing.

    With `brain`, an empty brain is filled from the starter brain (bot/brain),
    so that editors have topics to edit; the tests leave it out, and the bot
    then answers from the starter files directly.
    """
    orgs = {
        slug: Organisation.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in ORGANISATIONS.items()
    }
    desks = {}
    for slug, name, org, audience, languages, description in DESKS:
        bot_enabled, hours, closed_message = DESK_SETTINGS[slug]
        desks[slug], created = Desk.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "organisation": orgs[org],
                "audience": audience,
                "languages": languages,
                "description": description,
                "bot_enabled": bot_enabled,
                "closed_message": closed_message,
            },
        )
        if created:
            set_hours(desks[slug], hours)
    for spec in STAFF:
        staff, created = Staff.objects.get_or_create(
            username=spec.username,
            defaults={
                "display_name": spec.display_name,
                "first_name": spec.display_name,
                "role": spec.role,
                "organisation": orgs[spec.organisation],
                "is_staff": spec.role == Role.ADMIN,
                "is_superuser": False,
            },
        )
        if created:
            staff.set_password(DEMO_PASSWORD)
            staff.save()
            if spec.role == Role.ADMIN:
                from django.contrib.auth.models import Permission

                staff.user_permissions.set(Permission.objects.all())
        for desk_slug in spec.desks:
            DeskMembership.objects.get_or_create(desk=desks[desk_slug], staff=staff)
        if staff.requires_2fa and not TOTPDevice.objects.filter(user=staff).exists():
            TOTPDevice.objects.create(user=staff, name="demo", key=DEMO_TOTP_KEY, confirmed=True)
    for desk_slug, title, body in CANNED:
        CannedReply.objects.get_or_create(desk=desks[desk_slug], title=title, defaults={"body": body})
    if brain:
        seed_brain()
    return STAFF


def seed_brain() -> int:
    """Import the starter brain when the database has no topics yet; returns how many were imported."""
    from bot.actions import check_brain_dir, do_import_topics
    from bot.brains import STARTER_BRAIN_DIR
    from bot.models import Topic

    if Topic.objects.exists():
        return 0
    summary = do_import_topics(check_brain_dir(STARTER_BRAIN_DIR), None, source="starter brain")
    return len(summary.created)
