"""Made-up contact records and feedback for the demo: about 13 months of the demo desks' contacts.

Without them the reports, reach and feedback pages of `make run` are empty.
The records come from stats.sample_records (the report tests' and the
benchmark's generator) with weights of the demo's own: each desk reaches its
own audience (the youth chat the young, the parents' line their parents), and
the clients live mostly in the demo's municipalities in about the proportion of
their made-up population (demo/population.py), except Vantaa, which the demo
reaches too little, so that the reach page has an under-reached group to show.
A record a person answered is completed by one of the desk's counsellors (so
the lists of records to complete stay the live demo's own), and a chat's rating
is also a feedback row of its desk and day, as a client's would be.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import F

from accounts.models import Organisation, Role, Staff
from desks.models import Desk
from stats.models import Category, ContactRecord, Feedback, Medium
from stats.rollups import HELSINKI, refresh_rollups
from stats.sample_records import make_records

DEMO_RECORDS = 3000
# About 13 months back from yesterday, so that the last full year and this month both have figures.
DEMO_DAYS = 400
# Per desk: its share of the records and the age groups it reaches (weights).
DESK_MIX: dict[str, tuple[float, dict[str, float]]] = {
    "youth": (0.45, {"under_13": 4, "13_15": 30, "16_17": 28, "18_24": 22, "25_29": 4, "unknown": 12}),
    "homework": (0.2, {"under_13": 30, "13_15": 42, "16_17": 18, "unknown": 10}),
    "parents": (0.15, {"25_29": 4, "30_44": 46, "45_54": 32, "55_64": 6, "unknown": 12}),
    "study": (0.2, {"18_24": 10, "25_29": 18, "30_44": 36, "45_54": 20, "55_64": 8, "65_plus": 1, "unknown": 7}),
}
# Where the clients live: the demo's municipalities, elsewhere ("other") and not known ("").
MUNICIPALITY_WEIGHTS = {"091": 55, "049": 26, "092": 8, "235": 1, "other": 3, "": 9}
COMMENTS = [
    "Kiitos, sain apua!",
    "Oli helppo kirjoittaa.",
    "Jonottaminen kesti vähän pitkään.",
    "Ohjaaja ymmärsi heti, mitä tarkoitin.",
    "Tack för hjälpen!",
    "Hyvä, että voi kysyä nimettömänä.",
]


def seed_records(orgs: dict[str, Organisation], desks: dict[str, Desk], *, today: dt.date | None = None) -> int:
    """Make the demo's records and feedback unless its organisations have a record outside a conversation.

    A record from the live demo's chats has a conversation; the made-up ones
    (and a contact a counsellor records by hand) have none, so a second run
    adds nothing. Returns how many records were made.
    """
    if ContactRecord.objects.filter(organisation__in=orgs.values(), conversation__isnull=True).exists():
        return 0
    until = (today or dt.datetime.now(HELSINKI).date()) - dt.timedelta(days=1)
    since = until - dt.timedelta(days=DEMO_DAYS)
    categories = list(Category.objects.filter(organisation__in=orgs.values(), is_active=True))
    made: list[ContactRecord] = []
    for seed, (slug, (share, ages)) in enumerate(DESK_MIX.items(), start=1):
        made += make_records(
            round(DEMO_RECORDS * share),
            [desks[slug]],
            seed=seed,
            since=since,
            until=until,
            categories=categories,
            age_weights=ages,
            municipality_weights=MUNICIPALITY_WEIGHTS,
        )
    _complete(made, desks)
    _feedback(made)
    refresh_rollups()  # the reports' monthly rollups, as the running service's timer would build them
    return len(made)


def _complete(made: list[ContactRecord], desks: dict[str, Desk]) -> None:
    """Every record is completed: one a person answered at a desk by its counsellors or volunteers, in turn."""
    answering = (Role.COUNSELLOR, Role.VOLUNTEER)
    completed = F("started_at") + dt.timedelta(hours=1)
    for desk in desks.values():
        people = list(Staff.objects.filter(desk_memberships__desk=desk, role__in=answering).order_by("pk"))
        answered = [r.pk for r in made if r.desk_id == desk.pk and r.with_person]
        for turn, person in enumerate(people):
            ContactRecord.objects.filter(pk__in=answered[turn :: len(people)]).update(
                counsellor=person, completed_at=completed
            )
    ContactRecord.objects.filter(pk__in=[r.pk for r in made], completed_at__isnull=True).update(completed_at=completed)


def _feedback(made: list[ContactRecord]) -> None:
    """A chat's rating or "got help" as the client gave it: a feedback row of the desk and the day."""
    rng = random.Random(DEMO_RECORDS)  # noqa: S311 - made-up data, seeded to be the same every run
    Feedback.objects.bulk_create(
        Feedback(
            organisation_id=record.organisation_id,
            desk_id=record.desk_id,
            given_on=record.started_at.astimezone(HELSINKI).date(),
            rating=record.feedback_rating,
            helped=record.feedback_helped,
            comment=rng.choice(COMMENTS) if rng.random() < 0.2 else "",
        )
        for record in made
        if record.desk_id
        and record.medium == Medium.CHAT
        and (record.feedback_rating is not None or record.feedback_helped is not None)
    )
