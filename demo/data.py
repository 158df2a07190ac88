"""Demo data for `make run` and the tests: two organisations, four desks, staff of every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, Role, Staff
from demo.messages import seed_messages
from demo.population import seed_population
from demo.records import seed_records
from demo.shifts import seed_shifts
from demo.surveys import seed_surveys
from desks.holidays import finnish_public_holidays
from desks.hours import set_hours
from desks.models import (
    DESK_LANGUAGES,
    Audience,
    CannedReply,
    Desk,
    DeskMembership,
    ExceptionKind,
    OpeningException,
    desk_names,
)
from stats.models import Category, Municipality

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


@dataclass(frozen=True)
class DemoDesk:
    """A demo desk; its texts per language ("fi", "sv", "en"), every name in all three (desks.models)."""

    slug: str
    organisation: str
    audience: str
    languages: str
    name: dict[str, str]
    description: dict[str, str]
    bot_enabled: bool
    # Weekly hours as (weekday, opens, closes); none = always open.
    hours: list[tuple[int, dt.time, dt.time]]
    closed_message: dict[str, str]


# In the order of the client page (Desk.position): the youth desk first. Texts
# follow docs/terminology.md. The youth line has no hours, so the demo always
# has a desk where a person can answer.
DESKS = [
    DemoDesk(
        slug="youth",
        organisation="jokilaakso",
        audience=Audience.YOUTH,
        languages="fi,sv,en",
        name={"fi": "Nuorten chat", "sv": "Ungdomschatten", "en": "Youth chat"},
        description={
            "fi": "Juttele mistä tahansa, mikä mietityttää. Sinulle vastaavat nuoriso-ohjaajat.",
            "sv": "Prata om vad som helst som du funderar på. Ungdomshandledare svarar dig.",
            "en": "Talk about anything on your mind. Youth workers answer you.",
        },
        bot_enabled=True,
        hours=[],
        closed_message={},
    ),
    DemoDesk(
        slug="homework",
        organisation="jokilaakso",
        audience=Audience.HOMEWORK,
        languages="fi,en",
        name={"fi": "Läksyapu", "sv": "Läxhjälpen", "en": "Homework help"},
        description={
            "fi": "Koulutetut vapaaehtoiset opiskelijat auttavat sinua läksyissä.",
            "sv": "Utbildade frivilliga studerande hjälper dig med läxorna.",
            "en": "Trained student volunteers help you with your homework.",
        },
        bot_enabled=False,
        hours=[(day, dt.time(14), dt.time(20)) for day in range(4)],
        closed_message={
            "fi": "Läksyapu on auki maanantaista torstaihin kello 14–20.",
            "sv": "Läxhjälpen är öppen måndag–torsdag klockan 14–20.",
            "en": "Homework help is open from Monday to Thursday, 14–20.",
        },
    ),
    DemoDesk(
        slug="parents",
        organisation="jokilaakso",
        audience=Audience.PARENTS,
        languages="fi,sv",
        name={"fi": "Vanhempien linja", "sv": "Föräldralinjen", "en": "Parents' line"},
        description={
            "fi": "Nuorten vanhemmille: kysy kasvatuksesta ja arjesta.",
            "sv": "För föräldrar till unga: fråga om fostran och vardagen.",
            "en": "For parents of young people: ask about parenting and everyday life.",
        },
        bot_enabled=True,
        hours=[(day, dt.time(17), dt.time(20)) for day in range(4)],
        closed_message={
            "fi": "Voit kysyä chatbotilta milloin vain. Kiireellisissä asioissa soita kunnan perheneuvolaan.",
            "sv": "Du kan fråga chattbotten när som helst. Om det är brådskande, ring kommunens familjerådgivning.",
            "en": "You can ask the chatbot at any time. If it is urgent, call your municipality's family counselling.",
        },
    ),
    DemoDesk(
        slug="study",
        organisation="rantala-college",
        audience=Audience.ADULTS,
        languages="fi,sv,en",
        name={"fi": "Opinto-ohjaus aikuisille", "sv": "Studiehandledning för vuxna", "en": "Study guidance for adults"},
        description={
            "fi": "Opinto- ja uraohjausta aikuisille. Kysy koulutuksesta, opiskelusta ja työstä.",
            "sv": "Studie- och karriärhandledning för vuxna. Fråga om utbildning, studier och arbete.",
            "en": "Study and career guidance for adults. Ask about education, studying and work.",
        },
        bot_enabled=True,
        hours=[(day, dt.time(9), dt.time(16)) for day in range(5)],
        closed_message={},
    ),
]


def _untranslated(desk: Desk) -> bool:
    """Whether a stored desk still has its Finnish name in every language (desks' migration 0004)."""
    names = desk_names(desk)
    return names["fi"] == names["sv"] == names["en"]


def desk_fields(desk: DemoDesk) -> dict[str, object]:
    """A demo desk's translated fields (name_fi, name_sv, ...) for Desk.objects.create."""
    fields: dict[str, object] = {}
    for field in ("name", "description", "closed_message"):
        texts: dict[str, str] = getattr(desk, field)
        fields.update({f"{field}_{lang}": texts.get(lang, "") for lang in DESK_LANGUAGES})
    return fields


STAFF = [
    DemoStaff("admin", "Admin", Role.ADMIN, "jokilaakso", ("youth", "homework", "parents")),
    DemoStaff("supervisor", "Sanna", Role.SUPERVISOR, "jokilaakso", ("youth", "homework", "parents")),
    DemoStaff("counsellor", "Kalle", Role.COUNSELLOR, "jokilaakso", ("youth", "parents")),
    DemoStaff("counsellor2", "Aino", Role.COUNSELLOR, "jokilaakso", ("youth",)),
    DemoStaff("volunteer", "Ville", Role.VOLUNTEER, "jokilaakso", ("homework",)),
    DemoStaff("editor", "Eeva", Role.EDITOR, "jokilaakso", ()),
    DemoStaff("studycounsellor", "Outi", Role.COUNSELLOR, "rantala-college", ("study",)),
    # Partner staff (desks.members): Rantala's counsellor who also answers at Jokilaakso's homework help,
    # added by Jokilaakso's admin; sees that desk only, nothing else of Jokilaakso.
    DemoStaff("partner", "Pia", Role.COUNSELLOR, "rantala-college", ("homework",)),
]

CANNED = [
    ("youth", "Tervehdys", "Hei! Hyvä, että kirjoitit. Mistä haluaisit jutella?"),
    ("youth", "Lopetus", "Kiitos keskustelusta. Voit kirjoittaa tänne milloin vain uudestaan."),
    ("homework", "Tervehdys", "Hei! Missä aineessa tarvitset apua?"),
    ("study", "Tervehdys", "Hei! Kerro vähän, millaisia opintoja mietit."),
]


# The organisations' own lists for the contact record's form (stats.models.Category): topics, then
# fields of interest, in the form's order.
CATEGORIES: dict[str, dict[str, list[str]]] = {
    "jokilaakso": {
        "topic": [
            "Koulu ja opiskelu",
            "Kaverit ja yksinäisyys",
            "Perhe ja koti",
            "Mielenterveys ja jaksaminen",
            "Seurustelu ja seksuaalisuus",
            "Päihteet",
            "Raha ja asuminen",
            "Harrastukset ja vapaa-aika",
        ],
        "interest": ["Liikunta", "Kulttuuri ja taide", "Pelit", "Luonto ja eläimet"],
    },
    "rantala-college": {
        "topic": [
            "Koulutukseen hakeutuminen",
            "Opintojen rahoitus",
            "Ammatillinen tutkinto",
            "Osaamisen tunnistaminen",
            "Uranvaihto",
            "Työnhaku",
        ],
        "interest": ["Sosiaali- ja terveysala", "Tekniikka", "Kauppa ja hallinto", "Palvelualat", "IT-ala"],
    },
}

# A few municipalities of the region (Statistics Finland's codes), with their Swedish names.
MUNICIPALITIES = [
    ("091", "Helsinki", "Helsingfors"),
    ("049", "Espoo", "Esbo"),
    ("092", "Vantaa", "Vanda"),
    ("235", "Kauniainen", "Grankulla"),
]


def seed_statistics(orgs: dict[str, Organisation]) -> None:
    """The demo organisations' categories and the region's municipalities; existing rows are left as they are."""
    for slug, lists in CATEGORIES.items():
        for kind, names in lists.items():
            for position, name in enumerate(names, start=1):
                Category.objects.get_or_create(
                    organisation=orgs[slug], kind=kind, name=name, defaults={"position": position}
                )
    for code, name, name_sv in MUNICIPALITIES:
        Municipality.objects.get_or_create(code=code, defaults={"name": name, "name_sv": name_sv})


# The special opening of the demo: the parents' line on the coming Sunday evening.
THEME_EVENING = {
    "fi": "Teemailta: koulustressi",
    "sv": "Temakväll: skolstress",
    "en": "Theme evening: school stress",
}


def seed_exceptions(desk: Desk, today: dt.date | None = None) -> None:
    """Close a desk with weekly hours on the coming public holidays (this year's and next), and give the
    parents' line a theme evening on the coming Sunday, 18-21.

    From tomorrow on, never today: the tests seed the demo and expect its desks
    as their weekly hours (or none) make them, whatever day they run.
    """
    today = today or dt.date.today()  # noqa: DTZ011 - a local day is all that is needed here
    for holiday in finnish_public_holidays(today.year) + finnish_public_holidays(today.year + 1):
        if holiday.day > today:
            OpeningException.objects.create(
                desk=desk,
                kind=ExceptionKind.CLOSED,
                starts_on=holiday.day,
                ends_on=holiday.day,
                **{f"reason_{lang}": holiday.names[lang] for lang in DESK_LANGUAGES},
            )
    if desk.slug == "parents":
        sunday = today + dt.timedelta(days=(6 - today.weekday()) % 7 or 7)
        OpeningException.objects.create(
            desk=desk,
            kind=ExceptionKind.OPEN,
            starts_on=sunday,
            ends_on=sunday,
            opens=dt.time(18),
            closes=dt.time(21),
            **{f"reason_{lang}": THEME_EVENING[lang] for lang in DESK_LANGUAGES},
        )


@transaction.atomic
def seed_demo(*, brain: bool = True, records: bool = False, shifts: bool = False) -> list[DemoStaff]:
    """Create the demo data; running it again changes nothing.

    With `brain`, an empty brain is filled from the starter brain (bot/brain),
    so that editors have topics to edit; the tests leave it out, and the bot
    then answers from the starter files directly. With `records` (the
    `seed_demo` command, so `make run`), about 13 months of made-up contact
    records and feedback fill the reports, reach and feedback pages
    (demo/records.py); the tests make the records each of them needs instead.
    With `shifts` (the command), this week's shifts of the demo staff
    (demo/shifts.py) fill the shift pages and the planner's coverage.
    """
    orgs = {
        slug: Organisation.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in ORGANISATIONS.items()
    }
    desks = {}
    for position, demo_desk in enumerate(DESKS, start=1):
        desks[demo_desk.slug], created = Desk.objects.get_or_create(
            slug=demo_desk.slug,
            defaults={
                **desk_fields(demo_desk),
                "organisation": orgs[demo_desk.organisation],
                "audience": demo_desk.audience,
                "languages": demo_desk.languages,
                "bot_enabled": demo_desk.bot_enabled,
                "position": position * 10,
            },
        )
        if created:
            set_hours(desks[demo_desk.slug], demo_desk.hours)
            if demo_desk.hours:
                seed_exceptions(desks[demo_desk.slug])
        elif _untranslated(desks[demo_desk.slug]):
            # A demo database from before desks had languages: the migration gave
            # every language the Finnish texts; the demo's own translations replace them.
            Desk.objects.filter(pk=desks[demo_desk.slug].pk).update(**desk_fields(demo_desk))
            desks[demo_desk.slug].refresh_from_db()
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
    seed_statistics(orgs)
    seed_surveys(Staff.objects.get(username="supervisor"))
    # Made-up figures for the demo's real municipalities (demo/population.py), for the reach page.
    seed_population((code, name) for code, name, _name_sv in MUNICIPALITIES)
    if records:
        seed_records(orgs, desks)
        # Messages left for the homework desk: the console's inbox (demo/messages.py).
        seed_messages(desks["homework"], Staff.objects.get(username="volunteer"))
    if shifts:
        seed_shifts()
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
