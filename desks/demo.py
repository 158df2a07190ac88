"""Demo data for `make run` and the tests: two organisations, four desks, staff of every role."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, Role, Staff
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
def seed_demo() -> list[DemoStaff]:
    """Create the demo data; running it again changes nothing."""
    orgs = {
        slug: Organisation.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in ORGANISATIONS.items()
    }
    desks = {}
    for slug, name, org, audience, languages, description in DESKS:
        desks[slug] = Desk.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "organisation": orgs[org],
                "audience": audience,
                "languages": languages,
                "description": description,
            },
        )[0]
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
    return STAFF
