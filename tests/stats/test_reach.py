"""Reach: every figure against a direct computation, the small-cell rule, who sees which records, the CSV.

A few thousand contact records are made at random (seeded) across the demo's
desks and both organisations, with known, unknown and "elsewhere" values; the
figures of stats.reach are then worked out again here from the rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient
from django.utils import timezone, translation

from audit.models import Action, AuditEvent
from common.demographics import AGE_BOUNDS, AgeGroup, Gender
from demo.data import DEMO_PASSWORD
from desks.models import Desk, DeskMembership
from stats.models import ContactRecord, PopulationCount
from stats.reach import (
    AGE_GROUP,
    GENDER,
    MIN_POPULATION_SHARE,
    MUNICIPALITY,
    MUNICIPALITY_AGE,
    UNDER_REACHED_RATIO,
    Reach,
    reach,
    records_in_scope,
)
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Group names are read in English here (the site's default language is Finnish)."""
    with translation.override("en"):
        yield


YEAR = 2025
AGES = [str(g) for g in AGE_BOUNDS]
GENDERS = [Gender.GIRL_WOMAN.value, Gender.BOY_MAN.value]
# The demo's municipalities, with made-up population figures (demo/population.py).
REGION = ["091", "049", "092", "235"]


def when(day: int = 0) -> dt.datetime:
    return dt.datetime(YEAR, 1, 1, 12, tzinfo=timezone.get_current_timezone()) + dt.timedelta(days=day)


def make(desk: Desk, n: int = 1, **values: Any) -> None:
    ContactRecord.objects.bulk_create(
        ContactRecord(organisation=desk.organisation, desk=desk, started_at=when(i % 300), **values) for i in range(n)
    )


def random_records(demo: Any, n: int = 3000) -> None:
    rng = random.Random(12)
    desks = [demo.desks.youth, demo.desks.homework, demo.desks.parents, demo.desks.study]
    # Weighted so that some groups are well reached, some hardly at all (and some not at all).
    age_weights = [1, 30, 25, 20, 8, 6, 3, 1, 0.2, 6]
    rows = []
    for _i in range(n):
        desk = rng.choice(desks)
        rows.append(
            ContactRecord(
                organisation=desk.organisation,
                desk=desk,
                started_at=when(rng.randrange(360)),
                age_group=rng.choices([*AGES, AgeGroup.UNKNOWN], weights=age_weights)[0],
                gender=rng.choices([*GENDERS, Gender.OTHER, Gender.UNKNOWN], weights=[45, 40, 5, 10])[0],
                municipality=rng.choices([*REGION, "other", ""], weights=[60, 5, 2, 0.3, 8, 10])[0],
            )
        )
    # Records of the year before are left out of the year's figures.
    rows += [ContactRecord(organisation=desks[0].organisation, desk=desks[0], started_at=when(-10)) for _ in range(7)]
    ContactRecord.objects.bulk_create(rows)


def direct(records: list[ContactRecord], key: Any, population_key: Any) -> dict[str, dict[str, Any]]:
    """A table worked out from the rows: per group its count, shares and ratio (no small-cell rule)."""
    population: Counter[str] = Counter()
    for p in PopulationCount.objects.filter(year=2024):
        population[population_key(p)] += p.count
    clients = Counter(k for r in records if (k := key(r)) is not None)
    known = sum(clients.values())
    people = sum(population.values())
    table = {}
    for group, count in population.items():
        share, population_share = count and clients[group] / known, count / people
        table[group] = {
            "clients": clients[group],
            "client_share": clients[group] / known,
            "population": count,
            "population_share": population_share,
            "ratio": (clients[group] / known) / population_share,
            "under": population_share >= MIN_POPULATION_SHARE
            and (clients[group] / known) < UNDER_REACHED_RATIO * population_share,
        }
        assert share is not None
    return table


def check_table(figures: Reach, dimension: str, expected: dict[str, dict[str, Any]]) -> None:
    table = figures.table(dimension)
    assert {row.key for row in table.rows} == set(expected)
    for row in table.rows:
        want = expected[row.key]
        assert row.population == want["population"]
        assert row.population_share == pytest.approx(want["population_share"])
        if row.small:
            # The shared rule (stats.suppression) hides 0 too.
            assert want["clients"] < 5 and row.shown == "<5" and row.client_share is None and row.ratio is None
        elif row.hidden:
            assert row.shown == "×" and row.client_share is None
        else:
            assert row.clients == want["clients"] and row.shown == str(want["clients"])
            assert row.client_share == pytest.approx(want["client_share"])
            assert row.ratio == pytest.approx(want["ratio"])
            assert row.under_reached == want["under"], row


def year_records(queryset: Any = None) -> list[ContactRecord]:
    queryset = ContactRecord.objects.all() if queryset is None else queryset
    return list(queryset.filter(started_at__gte=when(0), started_at__lt=when(365)))


def test_every_figure_matches_a_direct_computation(demo: Any) -> None:
    random_records(demo)
    records = year_records()
    figures = reach(ContactRecord.objects.filter(pk__in=[r.pk for r in records]), 2024)
    assert (figures.year, figures.contacts) == (2024, 3000)
    check_table(
        figures,
        MUNICIPALITY,
        direct(records, lambda r: r.municipality if r.municipality in REGION else None, lambda p: p.municipality_id),
    )
    ages = direct(records, lambda r: r.age_group if r.age_group in AGES else None, lambda p: p.age_group)
    check_table(figures, AGE_GROUP, ages)
    genders = direct(records, lambda r: r.gender if r.gender in GENDERS else None, lambda p: p.gender)
    check_table(figures, GENDER, genders)
    check_table(
        figures,
        MUNICIPALITY_AGE,
        direct(
            records,
            lambda r: f"{r.municipality}|{r.age_group}" if r.municipality in REGION and r.age_group in AGES else None,
            lambda p: f"{p.municipality_id}|{p.age_group}",
        ),
    )
    # What is not compared is counted apart: not known, and elsewhere (another municipality, the gender "other").
    municipality = figures.table(MUNICIPALITY)
    assert municipality.unknown == sum(r.municipality == "" for r in records)
    assert municipality.elsewhere == sum(r.municipality == "other" for r in records)
    assert municipality.known + municipality.unknown + municipality.elsewhere == 3000
    gender = figures.table(GENDER)
    assert (gender.unknown, gender.elsewhere) == (
        sum(r.gender == Gender.UNKNOWN for r in records),
        sum(r.gender == Gender.OTHER for r in records),
    )
    assert figures.table(AGE_GROUP).unknown == sum(r.age_group == AgeGroup.UNKNOWN for r in records)
    # The weights make the oldest under-reached and the young well reached.
    assert "65_plus" in [row.key for row in figures.table(AGE_GROUP).under_reached]
    assert "13_15" not in [row.key for row in figures.table(AGE_GROUP).under_reached]


def test_small_cells_are_hidden_and_cannot_be_worked_out(demo: Any) -> None:
    youth = demo.desks.youth
    make(youth, 40, age_group="13_15", gender="girl_woman", municipality="091")
    make(youth, 20, age_group="16_17", gender="boy_man", municipality="091")
    make(youth, 3, age_group="18_24", gender="girl_woman", municipality="049")
    make(youth, 9, age_group="25_29", gender="girl_woman", municipality="091")
    make(youth, 6)  # age, gender and municipality not known
    figures = reach(ContactRecord.objects.all(), 2024)

    ages = {row.key: row for row in figures.table(AGE_GROUP).rows}
    assert (ages["18_24"].shown, ages["18_24"].client_share, ages["18_24"].ratio) == ("<5", None, None)
    # The shared rule (stats.suppression) hides 0 too: the empty groups are "<5" like the small one, and with
    # several hidden cells adding up to 3 none can be worked out, so nothing more is hidden.
    assert (ages["13_15"].shown, ages["16_17"].shown, ages["25_29"].shown) == ("40", "20", "9")
    assert (ages["30_44"].shown, ages["30_44"].client_share) == ("<5", None)
    # The empty groups are still the under-reached ones: at most 4/72 is flagged without telling more.
    assert ages["30_44"].under_reached
    # Not known (6) and elsewhere (0, "<5") add up with the known to all contacts: 6 is hidden as "×".
    table = figures.table(AGE_GROUP)
    assert (table.known_shown, table.unknown_shown, table.elsewhere_shown, figures.contacts_shown) == (
        "72",
        "×",
        "<5",
        "78",
    )

    municipalities = {row.key: row for row in figures.table(MUNICIPALITY).rows}
    assert municipalities["049"].shown == "<5"
    # Its share is at most 4/72, well below half of its population share: flagged without telling more.
    assert municipalities["049"].under_reached
    assert municipalities["092"].shown == "<5"

    # One small cell in a table of groups that all have contacts: the next-smallest is hidden too ("×").
    homework = demo.desks.homework
    make(homework, 30, gender="girl_woman")
    make(homework, 3, gender="boy_man")
    make(homework, 10, gender="other")
    make(homework, 6)
    gender = reach(ContactRecord.objects.filter(desk=homework), 2024).table(GENDER)
    assert [row.shown for row in gender.rows] == ["×", "<5"]
    assert (gender.known_shown, gender.unknown_shown, gender.elsewhere_shown) == ("33", "6", "10")

    # Two small cells in a table hide each other: nothing more is hidden.
    make(youth, 2, age_group="45_54", gender="boy_man", municipality="091")
    ages = {row.key: row for row in reach(ContactRecord.objects.all(), 2024).table(AGE_GROUP).rows}
    assert (ages["18_24"].shown, ages["45_54"].shown, ages["25_29"].shown) == ("<5", "<5", "9")

    # A table whose compared contacts are fewer than five shows none of them.
    ContactRecord.objects.all().delete()
    make(youth, 3, age_group="13_15", gender="girl_woman", municipality="091")
    make(youth, 1, age_group="16_17", gender="boy_man", municipality="091")
    figures = reach(ContactRecord.objects.all(), 2024)
    assert {row.shown for row in figures.table(GENDER).rows} == {"<5"}
    assert figures.table(GENDER).known_shown == "<5" and figures.contacts_shown == "<5"


def test_without_population_figures_nothing_is_compared(demo: Any) -> None:
    make(demo.desks.youth, 10, age_group="13_15")
    figures = reach(ContactRecord.objects.all(), 2019)
    assert figures.year is None and figures.table(MUNICIPALITY).rows == []


def login(username: str) -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in {"admin", "supervisor"})
    return client


def contacts_on_page(page: str) -> str:
    match = re.search(r"([^\s>]+) contacts, compared with the population at the end of (\d+)", page)
    assert match, page
    return match[1]


def test_each_role_sees_its_own_records(demo: Any) -> None:
    make(demo.desks.youth, 11, age_group="13_15")
    make(demo.desks.parents, 7, age_group="30_44")
    make(demo.desks.study, 13, age_group="30_44")
    # The supervisor leaves the parents' desk: its records are no longer theirs.
    DeskMembership.objects.filter(staff=demo.staff.supervisor, desk=demo.desks.parents).delete()
    assert records_in_scope(demo.staff.supervisor).count() == 11
    assert records_in_scope(demo.staff.admin).count() == 18
    with pytest.raises(PermissionDenied):
        records_in_scope(demo.staff.counsellor)

    page = login("supervisor").get("/stats/reach/", {"year": YEAR}).content.decode()
    assert contacts_on_page(page) == "11" and "Contacts of your desks." in page
    # (One login per person: a TOTP code is accepted once.)
    admin = login("admin")
    page = admin.get("/stats/reach/", {"year": YEAR}).content.decode()
    assert contacts_on_page(page) == "18" and "Contacts of your organisation." in page
    # The other organisation's desk is no choice: its records are not counted.
    page = admin.get("/stats/reach/", {"year": YEAR, "desk": demo.desks.study.pk}).content.decode()
    assert "Select a valid choice." in page and "contacts, compared" not in page
    page = admin.get("/stats/reach/", {"year": YEAR, "desk": demo.desks.parents.pk}).content.decode()
    assert contacts_on_page(page) == "7"
    for role in ("counsellor", "volunteer", "editor", "studycounsellor"):
        http = login(role)
        assert http.get("/stats/reach/").status_code == 403
        assert http.get("/stats/reach/export/").status_code == 403

    # A superuser sees the region.
    from accounts.models import Staff

    Staff.objects.create_superuser("region", password=DEMO_PASSWORD)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from demo.data import DEMO_TOTP_KEY

    TOTPDevice.objects.create(user=Staff.objects.get(username="region"), name="t", key=DEMO_TOTP_KEY, confirmed=True)
    region = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(region, "region", DEMO_PASSWORD, otp=True)
    page = region.get("/stats/reach/", {"year": YEAR}).content.decode()
    assert contacts_on_page(page) == "31" and "every organisation of the region" in page


def test_the_page_shows_the_tables_chart_and_under_reached_groups(demo: Any) -> None:
    make(demo.desks.youth, 40, age_group="13_15", gender="girl_woman", municipality="091")
    make(demo.desks.youth, 3, age_group="16_17", gender="boy_man", municipality="049")
    page = login("admin").get("/stats/reach/", {"year": YEAR}).content.decode()
    assert contacts_on_page(page) == "43"
    assert '<svg class="reach-chart"' in page and 'role="img"' in page and "Age group: clients and population" in page
    assert "Under-reached: " in page  # the chart's description names them
    assert '<th scope="row">65 or over <span class="flag-under">under-reached</span></th>' in page
    assert '<td class="num">&lt;5</td>' in page

    assert "Kauniainen" in page
    fi = HttpClient(HTTP_ACCEPT_LANGUAGE="fi")
    staff_cookie(fi, "supervisor", DEMO_PASSWORD, otp=True)
    assert "Tavoittavuus" in fi.get("/stats/reach/", {"year": YEAR}).content.decode()


def test_the_csv_export_follows_the_small_cell_rule_and_is_audited(demo: Any) -> None:
    make(demo.desks.youth, 40, age_group="13_15", gender="girl_woman", municipality="091")
    make(demo.desks.youth, 3, age_group="16_17", gender="boy_man", municipality="049")
    make(demo.desks.youth, 8, age_group="18_24", gender="boy_man", municipality="091")
    make(demo.desks.youth, 6)  # nothing known
    supervisor = login("supervisor")
    response = supervisor.get("/stats/reach/export/", {"year": YEAR})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "table",
        "group",
        "clients",
        "client_share",
        "population",
        "population_share",
        "ratio",
        "under_reached",
    ]
    by_group = {(r[0], r[1]): r for r in rows[1:]}
    assert by_group[("age_group", "13–15")][2:4] == ["40", "0.7843"]
    assert by_group[("age_group", "16–17")][2:4] == ["<5", ""]
    # The empty age groups are "<5" too (stats.suppression hides 0), so 8 need not be hidden beside the 3.
    assert by_group[("age_group", "18–24")][2:4] == ["8", "0.1569"]
    assert by_group[("age_group", "Under 13")][2:4] == ["<5", ""]
    assert by_group[("age_group", "65 or over")][7] == "yes"
    assert (by_group[("gender", "not known")][2], by_group[("gender", "elsewhere")][2]) == ("×", "<5")
    assert "3" not in [r[2] for r in rows[1:]]  # the small count is nowhere
    event = AuditEvent.objects.get()
    assert (event.action, event.staff, event.detail) == (
        Action.REPORT_EXPORT,
        demo.staff.supervisor,
        f"reach {YEAR} csv, population 2024",
    )
    # Nothing is exported, or audited, for a bad choice.
    assert supervisor.get("/stats/reach/export/", {"year": "1800"}).status_code == 302
    assert AuditEvent.objects.count() == 1


def test_viewing_the_page_is_audited_like_the_reports(demo: Any) -> None:
    make(demo.desks.youth, 12, age_group="13_15", gender="girl_woman", municipality="091")
    supervisor = login("supervisor")
    assert supervisor.get("/stats/reach/", {"year": YEAR, "desk": demo.desks.youth.pk}).status_code == 200
    event = AuditEvent.objects.get()
    assert (event.action, event.staff, event.desk, event.detail) == (
        Action.REPORT_VIEW,
        demo.staff.supervisor,
        demo.desks.youth,
        f"reach {YEAR}, population 2024",
    )
    # A bad choice shows no figures, and nothing is audited.
    assert supervisor.get("/stats/reach/", {"year": "1800"}).status_code == 200
    assert AuditEvent.objects.count() == 1
