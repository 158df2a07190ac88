"""Made-up contact records: a seeded random, bulk_create. For the demo (demo/records.py), the report
benchmark (bench/reports.py) and the report tests; never called by the service itself.

The mix is skewed on purpose (some genders, languages and municipalities are
rare), so that small cells, complementary suppression and hidden percentiles
all happen in a few thousand records as they do in a real year. The demo gives
its own age and municipality weights, so that its reach page compares sensibly.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence

from common.demographics import AgeGroup, EducationLevel, Gender, LabourStatus, MotherTongue
from desks.models import Desk
from stats.models import Category, ContactRecord, Medium, Municipality
from stats.rollups import HELSINKI

BOT_TOPICS = ("studies", "work", "money", "housing", "relationships", "mental-health", "rare-topic")

GENDER_WEIGHTS: dict[str, int] = {Gender.GIRL_WOMAN: 50, Gender.BOY_MAN: 40, Gender.OTHER: 2, Gender.UNKNOWN: 8}
MEDIUM_WEIGHTS: dict[str, int] = {
    Medium.CHAT: 70,
    Medium.PHONE: 12,
    Medium.EMAIL: 6,
    Medium.FACE_TO_FACE: 6,
    Medium.POP_UP: 3,
    Medium.WORK_COMMUNITY: 1,
    Medium.GROUP: 2,
}


def weighted(rng: random.Random, weights: Mapping[str, float] | Sequence[str]) -> str:
    """A value drawn by its weight, or any of a plain list alike."""
    if isinstance(weights, Mapping):
        return rng.choices(list(weights), weights=list(weights.values()))[0]
    return rng.choice(list(weights))


def make_records(
    count: int,
    desks: Sequence[Desk],
    *,
    seed: int = 12,
    since: dt.date,
    until: dt.date,
    categories: Sequence[Category] = (),
    batch_size: int = 2000,
    age_weights: Mapping[str, float] | None = None,
    municipality_weights: Mapping[str, float] | None = None,
) -> list[ContactRecord]:
    """`count` records spread over `desks` (and their organisations) and the days since..until, saved.

    Without weights, every age group is as likely, and so is every municipality
    listed, "elsewhere", "not known" and a code nobody lists ("999"): the
    benchmark and the tests keep the very records they were written against.
    """
    rng = random.Random(seed)  # noqa: S311 - made-up data, seeded to be the same every run
    municipalities: Mapping[str, float] | list[str] = municipality_weights or [
        *Municipality.objects.values_list("code", flat=True),
        "other",
        "",
        "999",
    ]
    ages: Mapping[str, float] | list[str] = age_weights or list(AgeGroup.values)
    tongues = list(MotherTongue.values)
    span = (until - since).days + 1
    categories_by_org: dict[int, list[Category]] = {}
    for category in categories:
        categories_by_org.setdefault(category.organisation_id, []).append(category)
    made: list[ContactRecord] = []
    links: list[tuple[int, list[Category]]] = []
    for i in range(count):
        desk = desks[i % len(desks)] if rng.random() < 0.95 else None
        organisation_id = desk.organisation_id if desk else desks[rng.randrange(len(desks))].organisation_id
        medium = weighted(rng, MEDIUM_WEIGHTS)
        day = since + dt.timedelta(days=rng.randrange(span))
        started = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=HELSINKI)
        chat = medium == Medium.CHAT
        with_person = (not chat) or rng.random() < 0.6
        abandoned = chat and not with_person and rng.random() < 0.3
        record = ContactRecord(
            organisation_id=organisation_id,
            desk=desk,
            medium=medium,
            started_at=started,
            people=rng.choice((3, 8, 15)) if medium == Medium.GROUP else 1,
            returning=rng.random() < 0.15,
            wait_seconds=rng.randrange(5, 900) if chat and (with_person or abandoned) else None,
            first_response_seconds=rng.randrange(2, 300) if with_person and chat and rng.random() < 0.9 else None,
            duration_seconds=rng.randrange(60, 3600) if not abandoned and rng.random() < 0.95 else None,
            with_person=with_person if chat else rng.random() < 0.9,
            abandoned=abandoned,
            bot_topics=rng.sample(BOT_TOPICS[:-1], rng.randrange(0, 3)) + (["rare-topic"] if i % 997 == 0 else []),
            age_group=weighted(rng, ages),
            gender=weighted(rng, GENDER_WEIGHTS),
            municipality=weighted(rng, municipalities),
            mother_tongue=weighted(rng, {t: (60 if t == "fi" else 1 if t in ("se", "so") else 4) for t in tongues}),
            education=weighted(rng, list(EducationLevel.values)),
            labour_status=weighted(rng, list(LabourStatus.values)),
            feedback_rating=rng.randint(1, 5) if rng.random() < 0.3 else None,
            feedback_helped=rng.choice((True, True, False)) if rng.random() < 0.25 else None,
        )
        made.append(record)
        own = categories_by_org.get(organisation_id, [])
        if own:
            links.append((i, rng.sample(own, min(len(own), rng.randrange(0, 3)))))
    ContactRecord.objects.bulk_create(made, batch_size=batch_size)
    through = ContactRecord.categories.through
    rows = [through(contactrecord_id=made[i].pk, category_id=category.pk) for i, chosen in links for category in chosen]
    through.objects.bulk_create(rows, batch_size=batch_size)
    return made
