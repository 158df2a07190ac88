"""seed_demo's statistics: the made-up contact records, feedback and population that fill the demo's pages.

`make run` (the seed_demo command) should show figures on the reports, reach
and feedback pages straight away; the tests' seed_demo(brain=False) makes no
records, so every test's own records are the only ones.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db.models import Max, Min, Sum
from django.test import Client as HttpClient
from django.utils import timezone

from demo.data import DEMO_PASSWORD, MUNICIPALITIES, seed_demo
from demo.population import DEMO_POPULATION_YEAR, TOTALS
from demo.records import DEMO_RECORDS
from desks.models import Desk
from stats.models import ContactRecord, Feedback, Municipality, PopulationCount
from stats.records import needs_form
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db

DEMO_CODES = {code for code, _name, _name_sv in MUNICIPALITIES}


def counts() -> tuple[int, int, int, int]:
    return (
        ContactRecord.objects.count(),
        Feedback.objects.count(),
        PopulationCount.objects.count(),
        Municipality.objects.count(),
    )


def login(username: str) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(http, username, DEMO_PASSWORD, otp=username in {"admin", "supervisor"})
    return http


def test_the_tests_seed_has_the_demo_population_and_no_records() -> None:
    seed_demo(brain=False)
    assert ContactRecord.objects.count() == Feedback.objects.count() == 0
    # The population is the demo's own municipalities', nothing else's, the year as made up.
    assert set(Municipality.objects.values_list("code", flat=True)) == DEMO_CODES
    assert set(PopulationCount.objects.values_list("year", flat=True)) == {DEMO_POPULATION_YEAR}
    for code, total in TOTALS.items():
        people = PopulationCount.objects.filter(municipality_id=code).aggregate(n=Sum("count"))["n"]
        assert abs(people - total) < 100, code
    # The import kept the Swedish names the demo gives.
    assert Municipality.objects.get(code="091").name_sv == "Helsingfors"


def test_the_command_seeds_about_13_months_of_records_once() -> None:
    # The benchmarks' seed (bench/server.py) leaves them out.
    call_command("seed_demo", "--no-records", stdout=io.StringIO())
    assert ContactRecord.objects.count() == 0
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    assert first[0] == DEMO_RECORDS and first[1] > 100
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first  # a second run adds nothing

    today = timezone.localdate()
    span = ContactRecord.objects.aggregate(first=Min("started_at"), last=Max("started_at"))
    assert today - dt.timedelta(days=410) <= timezone.localdate(span["first"]) <= today - dt.timedelta(days=390)
    assert timezone.localdate(span["last"]) < today
    # Every desk has its records, each completed (no demo record waits in a counsellor's list).
    assert set(ContactRecord.objects.values_list("desk__slug", flat=True)) >= {d.slug for d in Desk.objects.all()}
    assert not needs_form().exists()
    answered = ContactRecord.objects.filter(with_person=True, desk__slug="homework")
    # Answered by the desk's members: the volunteer and Rantala's partner staff (desks.members).
    assert set(answered.values_list("counsellor__username", flat=True)) == {"volunteer", "partner"}
    # The clients live in the demo's municipalities, elsewhere or not known: no other code.
    assert set(ContactRecord.objects.values_list("municipality", flat=True)) <= DEMO_CODES | {"other", ""}
    # A chat's rating is feedback of its desk and day, like a client's.
    assert (
        Feedback.objects.filter(rating__isnull=False).count()
        == ContactRecord.objects.filter(medium="chat", desk__isnull=False, feedback_rating__isnull=False).count()
    )


def test_the_demo_pages_show_figures_right_away() -> None:
    seed_demo(brain=False, records=True)
    supervisor = login("supervisor")
    reach = supervisor.get("/stats/reach/").content.decode()
    match = re.search(r"([^\s>]+) contacts, compared with the population at the end of (\d+)", reach)
    assert match and int(match[1]) > 100 and match[2] == str(DEMO_POPULATION_YEAR), reach
    assert "Vantaa" in reach and "Kauniainen" in reach
    # The demo reaches Vantaa too little, on purpose: the page has an under-reached municipality to show.
    assert re.search(r'<th scope="row">Vantaa <span class="flag-under">under-reached</span></th>', reach)

    # The last 30 days' feedback of each of the supervisor's three desks: enough answers for an average.
    feedback = supervisor.get("/console/feedback/").content.decode()
    averages = re.findall(r"Average rating \(1–5\)</dt><dd>([^<]*)</dd>", feedback)
    assert len(averages) == 3 and all(re.fullmatch(r"[1-5](\.\d)?", a) for a in averages), averages
    assert "Comments, newest first" in feedback

    # The homework desk's inbox: one message waiting for an answer, one answered by its volunteer.
    from conversations.actions.queue import inbox_items
    from desks.models import Desk

    inbox = inbox_items(Desk.objects.get(slug="homework"))
    assert [(m["nickname"], m["waiting_since"] is not None) for m in inbox] == [("Mimi", True), ("Olli", False)]
    assert inbox[1]["assigned"]["name"] == "Ville"  # type: ignore[index]
    seed_demo(brain=False, records=True)  # again: nothing more
    assert len(inbox_items(Desk.objects.get(slug="homework"))) == 2

    year = timezone.localdate().year
    report = supervisor.get("/console/reports/", {"since": f"1.1.{year}", "until": f"31.12.{year}"})
    assert report.status_code == 200 and 'class="chart"' in report.content.decode()
