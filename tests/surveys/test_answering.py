"""Answering a survey on its public page: valid, invalid, required, twice from one browser, not open."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from surveys.actions import browser_mark, do_close_survey, do_save_survey, do_submit_response
from surveys.models import Answer, BrowserMark, Response, Survey
from surveys.public import COOKIE
from tests.support.demo import Demo
from tests.surveys.helpers import open_survey, post_answers, questions, youth_panel_draft


def counts() -> tuple[int, int, int]:
    return Response.objects.count(), Answer.objects.count(), BrowserMark.objects.count()


def test_the_page_shows_the_survey_and_gives_the_browser_a_token(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    response = http.get(f"/s/{survey.slug}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<h1 lang="fi">Nuorisopaneelin syyskysely</h1>' in page
    assert "Send answers" in page and "You answer anonymously." in page
    assert "<script" not in page  # nothing runs on the client's page: no tracking
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/s/" and len(cookie.value) >= 40


def test_a_valid_response_is_stored_whole_with_the_day_only(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.get(f"/s/{survey.slug}/")
    token = http.cookies[COOKIE].value
    response = post_answers(http, survey, scale=4, single="Kavereilta", multiple=["Retkiä", "Kursseja"], text="Kiitos!")
    assert response.status_code == 302 and response["Location"] == f"/s/{survey.slug}/thanks/"
    assert "Thank you!" in http.get(response["Location"]).content.decode()
    stored = Response.objects.get(survey=survey)
    assert stored.submitted_on == timezone.localdate()
    # Nothing but the day: no time, address or browser is a field of a response.
    assert {f.name for f in Response._meta.concrete_fields} == {"id", "survey", "submitted_on"}
    qs = questions(survey)
    answers = Answer.objects.filter(response=stored)
    assert answers.get(question=qs["scale"]).scale_value == 4
    assert str(answers.get(question=qs["single"]).choice) == "Kavereilta"
    assert sorted(str(a.choice) for a in answers.filter(question=qs["multiple"])) == ["Kursseja", "Retkiä"]
    assert answers.get(question=qs["text"]).text == "Kiitos!"
    # The browser's mark is an HMAC of its token for this survey, never the token itself.
    mark = BrowserMark.objects.get(survey=survey)
    assert mark.mark == browser_mark(survey, token) and token not in mark.mark


def test_a_second_response_from_the_same_browser_is_refused_clearly(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.get(f"/s/{survey.slug}/")
    assert post_answers(http, survey, scale=3).status_code == 302
    before = counts()
    again = post_answers(http, survey, scale=1)
    assert "You have already answered" in again.content.decode()
    assert "already been sent from this browser" in http.get(f"/s/{survey.slug}/").content.decode()
    assert counts() == before
    # Another browser (a courtesy, not proof) may answer.
    assert post_answers(HttpClient(HTTP_ACCEPT_LANGUAGE="en"), survey, scale=5).status_code == 302
    assert Response.objects.filter(survey=survey).count() == 2


def test_a_browser_without_the_cookie_gets_one_with_its_answer(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    response = post_answers(http, survey, scale=2)  # no GET first: no token yet
    assert response.status_code == 302 and COOKIE in response.cookies
    assert "You have already answered" in post_answers(http, survey, scale=2).content.decode()


def test_invalid_and_missing_answers_are_shown_per_question_and_nothing_is_stored(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    other = open_survey(demo_db.staff.supervisor)
    foreign_choice = questions(other)["single_choices"]["Koulusta"]
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.get(f"/s/{survey.slug}/")
    before = counts()
    # The required scale left out, a choice of another survey, and a text too long.
    response = post_answers(http, survey, single=foreign_choice, text="x" * 2001)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Check these answers:" in page
    assert "Question 1: Choose an answer." in page
    assert "Question 2: Choose from the list." in page
    assert "Question 4: Your answer is too long. Write at most 2000 characters." in page
    assert counts() == before
    # Two choices for a one-choice question, a scale of 6, a multiple choice's unknown value.
    qs = questions(survey)
    response = http.post(
        f"/s/{survey.slug}/",
        {
            f"q-{qs['scale'].pk}": "6",
            f"q-{qs['single'].pk}": list(qs["single_choices"].values())[:2],
            f"q-{qs['multiple'].pk}": ["nope"],
        },
    )
    page = response.content.decode()
    assert (
        "Choose a number from 1 to 5." in page and page.count("Choose from the list.") == 4
    )  # the summary and the question
    assert counts() == before
    # What was answered stays on the page to be corrected.
    response = post_answers(http, survey, single="Somesta", text="Hei")
    page = response.content.decode()
    assert f'value="{qs["single_choices"]["Somesta"]}" checked' in page and ">Hei</textarea>" in page
    # The same browser may still answer once it is right.
    assert post_answers(http, survey, scale=5).status_code == 302


def test_a_draft_closed_or_out_of_dates_survey_is_not_open(demo_db: Demo) -> None:
    supervisor = demo_db.staff.supervisor
    draft = do_save_survey(supervisor, youth_panel_draft())
    closed = open_survey(supervisor)
    do_close_survey(supervisor, closed)
    later = youth_panel_draft()
    later.opens_on = timezone.localdate() + dt.timedelta(days=2)
    not_yet = open_survey(supervisor, later)
    for survey in (draft, closed, not_yet):
        http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
        page = http.get(f"/s/{survey.slug}/").content.decode()
        assert "This survey is not open" in page and "Send answers" not in page
        assert "This survey is not open" in post_answers(http, survey, scale=3).content.decode()
    assert not Response.objects.filter(survey__in=[draft, closed, not_yet]).exists()
    assert HttpClient(HTTP_ACCEPT_LANGUAGE="en").get("/s/no-such-survey/").status_code == 404


def test_the_page_speaks_the_readers_language(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    page = http.get(f"/s/{survey.slug}/?lang=sv").content.decode()
    assert "Skicka svaren" in page and '<html lang="sv">' in page
    # The survey's own texts keep their language, marked for screen readers.
    assert '<h1 lang="fi">Nuorisopaneelin syyskysely</h1>' in page
    page = http.get(f"/s/{survey.slug}/").content.decode()
    assert "Skicka svaren" in page  # remembered
    page = http.get(f"/s/{survey.slug}/?lang=fi").content.decode()
    assert "Lähetä vastaukset" in page


def test_a_closed_survey_refuses_even_a_form_loaded_while_it_was_open(demo_db: Demo, logged_in: Any) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.get(f"/s/{survey.slug}/")
    before = counts()
    Survey.objects.filter(pk=survey.pk).update(status="closed")
    assert "This survey is not open" in post_answers(http, survey, scale=3).content.decode()
    assert counts() == before


def test_a_failure_while_storing_leaves_nothing_half_written(demo_db: Demo, monkeypatch: Any) -> None:
    """The mark, the response and its answers go in one transaction: a failure on the last leaves none."""
    survey = open_survey(demo_db.staff.supervisor)
    qs = questions(survey)
    before = counts()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Answer.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        do_submit_response(survey, {qs["scale"].pk: ["4"]}, "the-same-browser-token-0123456789abcdef")
    assert counts() == before
    monkeypatch.undo()
    # Not marked as answered: the same browser may send its answers again.
    do_submit_response(survey, {qs["scale"].pk: ["4"]}, "the-same-browser-token-0123456789abcdef")
    assert Response.objects.filter(survey=survey).count() == 1


def test_a_flood_of_responses_is_slowed_down_and_the_answers_stay_on_the_page(demo_db: Demo, monkeypatch: Any) -> None:
    from common.ratelimit import RateLimiter
    from surveys import public

    monkeypatch.setattr(public, "RESPONSE_LIMITER", RateLimiter(burst=1, per_second=0.001))
    survey = open_survey(demo_db.staff.supervisor)
    assert post_answers(HttpClient(HTTP_ACCEPT_LANGUAGE="en"), survey, scale=4).status_code == 302
    before = counts()
    response = post_answers(HttpClient(HTTP_ACCEPT_LANGUAGE="en"), survey, scale=2, text="Odotan vuoroani")
    page = response.content.decode()
    assert response.status_code == 429
    assert "Many people are answering right now" in page and ">Odotan vuoroani</textarea>" in page
    assert counts() == before
