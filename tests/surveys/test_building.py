"""Building a survey: the draft's rules, the builder's buttons over HTTP, opening, closing and copying."""

from __future__ import annotations

from typing import Any

import pytest

from surveys.actions import (
    QuestionDraft,
    SurveyDraft,
    SurveyInvalid,
    check_survey_draft,
    do_close_survey,
    do_duplicate_survey,
    do_save_survey,
)
from surveys.models import Choice, Kind, Question, Status, Survey
from tests.support.demo import Demo
from tests.surveys.helpers import open_survey, youth_panel_draft


def errors_of(draft: SurveyDraft) -> dict[str, list[str]]:
    with pytest.raises(SurveyInvalid) as refusal:
        check_survey_draft(draft)
    return refusal.value.errors


def test_a_survey_needs_a_title_and_a_question() -> None:
    errors = errors_of(SurveyDraft(title=" ", language="fi"))
    assert errors["title"] == ["Write a title."]
    assert errors["questions"] == ["Add at least one question."]


def test_choice_questions_need_two_to_twenty_distinct_choices() -> None:
    draft = SurveyDraft(
        title="T",
        language="fi",
        questions=[
            QuestionDraft(Kind.SINGLE, "One only", choices=["Yes", "  "]),
            QuestionDraft(Kind.MULTIPLE, "Too many", choices=[f"c{n}" for n in range(21)]),
            QuestionDraft(Kind.SINGLE, "Twice", choices=["Yes", "yes"]),
            QuestionDraft(Kind.TEXT, ""),
        ],
    )
    errors = errors_of(draft)
    assert errors["q-0-choices"] == ["Write at least 2 choices."]
    assert errors["q-1-choices"] == ["A question can have at most 20 choices."]
    assert errors["q-2-c-1"] == ["This choice is already in the list."]
    assert errors["q-3-text"] == ["Write the question."]


def test_lengths_languages_and_dates_are_checked() -> None:
    import datetime as dt

    draft = SurveyDraft(
        title="x" * 201,
        intro="y" * 2001,
        language="de",
        opens_on=dt.date(2026, 12, 10),
        closes_on=dt.date(2026, 12, 1),
        questions=[QuestionDraft(Kind.SCALE, "q" * 501, min_label="m" * 61)],
    )
    errors = errors_of(draft)
    assert errors["title"] == ["Write at most 200 characters."]
    assert errors["intro"] == ["Write at most 2000 characters."]
    assert errors["language"] == ["Choose a language from the list."]
    assert errors["closes_on"] == ["The closing day cannot be before the opening day."]
    assert errors["q-0-text"] == ["Write at most 500 characters."]
    assert errors["q-0-min_label"] == ["Write at most 60 characters."]


def test_saving_stores_questions_and_choices_in_order(demo_db: Demo) -> None:
    survey = do_save_survey(demo_db.staff.supervisor, youth_panel_draft())
    assert survey.status == Status.DRAFT
    assert survey.organisation == demo_db.staff.supervisor.organisation
    assert len(survey.slug) >= 16
    assert [q.kind for q in survey.questions.all()] == ["scale", "single", "multiple", "text"]
    single = survey.questions.get(kind="single")
    assert [c.text for c in single.choices.all()] == ["Koulusta", "Kavereilta", "Somesta"]


def test_only_a_draft_changes_and_a_copy_is_a_new_draft(demo_db: Demo) -> None:
    supervisor = demo_db.staff.supervisor
    survey = open_survey(supervisor)
    with pytest.raises(SurveyInvalid):
        do_save_survey(supervisor, youth_panel_draft(), survey)
    copy = do_duplicate_survey(supervisor, survey)
    assert copy.status == Status.DRAFT and copy.slug != survey.slug
    assert copy.title == "Nuorisopaneelin syyskysely (copy)"
    assert copy.questions.count() == 4
    do_close_survey(supervisor, survey)
    survey.refresh_from_db()
    assert survey.status == Status.CLOSED


BUILDER_BASE = {"title": "Syksyn kysely", "intro": "", "language": "fi", "opens_on": "", "closes_on": ""}


def test_the_builder_shows_every_error_and_stores_nothing(logged_in: Any, demo_db: Demo) -> None:
    http = logged_in("supervisor")
    before = Survey.objects.count()
    data = {
        **BUILDER_BASE,
        "title": "",
        "questions": "1",
        "q-0-kind": "single",
        "q-0-text": "Mikä?",
        "q-0-choice": ["Vain yksi", ""],
    }
    response = http.post("/surveys/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please fix these first:" in page
    assert "Write a title." in page
    assert "Write at least 2 choices." in page
    assert 'href="#q-0-c-0"' in page
    assert Survey.objects.count() == before


def test_the_builders_buttons_add_move_and_remove(logged_in: Any, demo_db: Demo) -> None:
    http = logged_in("supervisor")
    data: dict[str, Any] = {**BUILDER_BASE, "questions": "0", "op": "add:scale"}
    page = http.post("/surveys/new/", data).content.decode()
    assert 'name="q-0-kind" value="scale"' in page and "Question 1 added." in page
    assert 'id="q-0-text" name="q-0-text" value="" maxlength="600" autofocus' in page
    data = {
        **BUILDER_BASE,
        "questions": "2",
        "q-0-kind": "scale",
        "q-0-text": "Eka",
        "q-1-kind": "multiple",
        "q-1-text": "Toka",
        "q-1-choice": ["A", "B"],
    }
    page = http.post("/surveys/new/", {**data, "op": "up:1"}).content.decode()
    assert page.index('value="Toka"') < page.index('value="Eka"')
    assert 'id="q-0-down" autofocus' in page  # the moved question's button, at its new place
    page = http.post("/surveys/new/", {**data, "op": "add-choice:1"}).content.decode()
    assert 'id="q-1-c-2" name="q-1-choice" value=""' in page
    page = http.post("/surveys/new/", {**data, "op": "choice-down:1:0"}).content.decode()
    assert page.index('value="B"') < page.index('value="A"')
    page = http.post("/surveys/new/", {**data, "op": "remove:0"}).content.decode()
    assert 'value="Eka"' not in page and 'name="questions" value="1"' in page
    assert Survey.objects.filter(title="Syksyn kysely").count() == 0  # nothing saved by the buttons
    response = http.post("/surveys/new/", {**data, "op": "save"})
    survey = Survey.objects.get(title="Syksyn kysely")
    assert response.status_code == 302 and response["Location"] == f"/surveys/{survey.pk}/"
    assert list(Question.objects.filter(survey=survey).values_list("text", flat=True)) == ["Eka", "Toka"]
    assert Choice.objects.filter(question__survey=survey).count() == 2


def test_opening_closing_and_the_share_link(logged_in: Any, demo_db: Demo) -> None:
    http = logged_in("supervisor")
    survey = do_save_survey(demo_db.staff.supervisor, youth_panel_draft())
    page = http.get(f"/surveys/{survey.pk}/").content.decode()
    assert f"/s/{survey.slug}/" in page and "Copy link" in page
    assert http.post(f"/surveys/{survey.pk}/open/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == Status.OPEN
    # An open survey's builder sends back to the survey: its questions no longer change.
    assert http.get(f"/surveys/{survey.pk}/edit/")["Location"] == f"/surveys/{survey.pk}/"
    assert http.post(f"/surveys/{survey.pk}/close/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == Status.CLOSED
