"""The clients' feedback page of the console: each staff member reads their own desks' feedback only,
small groups show "<5", and nothing on the page leads to a conversation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client as HttpClient
from django.utils import timezone

from demo.data import DEMO_PASSWORD
from stats.feedback import feedback_summary
from stats.models import Feedback
from tests.wsclient import staff_cookie

OTP_ROLES = {"admin", "supervisor"}


def login(username: str, lang: str = "en") -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE=lang)
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in OTP_ROLES)
    return client


def give(desk: Any, ratings: list[int], *, day: dt.date | None = None, comment: str = "", helped: bool = True) -> None:
    for rating in ratings:
        Feedback.objects.create(
            organisation=desk.organisation,
            desk=desk,
            given_on=day or timezone.localdate(),
            rating=rating,
            helped=helped,
            comment=comment,
        )


def test_figures_per_desk_with_the_small_cell_rule(demo: Any) -> None:
    youth, parents = demo.desks.youth, demo.desks.parents
    give(youth, [5, 4, 4, 3, 2], comment="Hyvä")
    give(parents, [1, 5])
    today = timezone.localdate()
    summary = {item.desk.slug: item for item in feedback_summary(youth.__class__.objects.all(), today, today)}
    assert (summary["youth"].ratings, summary["youth"].average, summary["youth"].helped_share) == (5, 3.6, 100)
    assert len(summary["youth"].comments) == 5
    assert summary["parents"].suppressed and summary["parents"].average is None and summary["parents"].comments == []
    # The shared rule (stats.suppression) hides 0 too: a desk without feedback reads "<5" like one with 4.
    assert summary["study"].suppressed and summary["study"].ratings_text == "<5"
    assert (summary["parents"].ratings_text, summary["youth"].ratings_text) == ("<5", "5")


def test_staff_see_only_their_own_desks_feedback(demo: Any) -> None:
    give(demo.desks.youth, [5, 5, 4, 4, 4], comment="Nuorten linjan kommentti")
    give(demo.desks.study, [3, 3, 3, 3, 3], comment="Opintolinjan kommentti")
    page = login("counsellor").get("/console/feedback/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nuorten linjan kommentti" in text and "Opintolinjan kommentti" not in text
    # The other organisation's counsellor sees theirs and not the youth desk's.
    text = login("studycounsellor").get("/console/feedback/").content.decode()
    assert "Opintolinjan kommentti" in text and "Nuorten linjan kommentti" not in text
    # Asking for a desk one does not work at is a form error, not the desk's figures.
    answer = login("counsellor").get("/console/feedback/", {"desk": demo.desks.study.pk})
    assert "Opintolinjan kommentti" not in answer.content.decode()
    assert 'class="field-error"' in answer.content.decode()


def test_the_page_shows_days_and_never_links_a_conversation(demo: Any) -> None:
    give(demo.desks.youth, [4, 4, 4, 4, 4], comment="Kiitos avusta", day=dt.date(2026, 11, 30))
    text = login("counsellor").get("/console/feedback/", {"since": "1.11.2026", "until": "30.11.2026"}).content.decode()
    assert "Kiitos avusta" in text and "30.11.2026" in text
    assert not re.search(r"/console/history/\d+", text)
    # Fewer than five answers in a period: "<5", no comments.
    give(demo.desks.youth, [1], comment="Yksittäinen", day=dt.date(2026, 10, 5))
    text = login("counsellor").get("/console/feedback/", {"since": "1.10.2026", "until": "31.10.2026"}).content.decode()
    assert "&lt;5" in text and "Yksittäinen" not in text


def test_bad_dates_are_told_and_nothing_is_shown(demo: Any) -> None:
    answer = login("counsellor").get("/console/feedback/", {"since": "31.12.2026", "until": "1.12.2026"})
    assert answer.status_code == 200
    assert "The end date is before the start date." in answer.content.decode()
