"""Who may do what with surveys: builders (supervisors, admins), readers (counsellors), others, other organisations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from surveys.actions import SurveyForbidden, SurveyNotFound, check_staff_survey, do_save_survey, surveys_for
from surveys.models import Status, Survey
from tests.support.demo import Demo
from tests.surveys.helpers import open_survey, youth_panel_draft


@pytest.fixture
def surveys(demo_db: Demo) -> dict[str, Survey]:
    """An open and a draft survey of Jokilaakso, and an open one of the other organisation."""
    supervisor = demo_db.staff.supervisor
    study = demo_db.staff.studycounsellor
    study.role = "supervisor"  # a builder of the other organisation for one moment
    other = open_survey(study)
    study.role = "counsellor"
    return {
        "open": open_survey(supervisor),
        "draft": do_save_survey(supervisor, youth_panel_draft()),
        "other": other,
    }


def test_another_organisations_survey_is_not_found(surveys: dict[str, Survey], logged_in: Any) -> None:
    for role in ("supervisor", "admin", "counsellor"):
        http = logged_in(role)
        other = surveys["other"].pk
        for path in ("", "edit/", "preview/", "results/", "results.csv"):
            assert http.get(f"/surveys/{other}/{path}").status_code == 404, (role, path)
        for path in ("open/", "close/", "duplicate/"):
            assert http.post(f"/surveys/{other}/{path}").status_code == 404, (role, path)
        assert f"/surveys/{other}/" not in http.get("/surveys/").content.decode()
    assert logged_in("studycounsellor").get(f"/surveys/{surveys['open'].pk}/results/").status_code == 404


def test_a_counsellor_reads_results_but_cannot_build(surveys: dict[str, Survey], logged_in: Any) -> None:
    http = logged_in("counsellor")
    opened, draft = surveys["open"], surveys["draft"]
    page = http.get("/surveys/").content.decode()
    assert f"/surveys/{opened.pk}/results/" in page and "New survey" not in page
    assert f"/surveys/{draft.pk}/" not in page  # drafts may still change: not the counsellor's to read
    assert http.get(f"/surveys/{opened.pk}/results/").status_code == 200
    assert http.get(f"/surveys/{opened.pk}/results.csv").status_code == 200
    assert http.get(f"/surveys/{draft.pk}/results/").status_code == 404
    assert http.get("/surveys/new/").status_code == 403
    assert http.post("/surveys/new/", {"title": "x", "questions": "0"}).status_code == 403
    for path in ("", "edit/", "preview/"):
        assert http.get(f"/surveys/{opened.pk}/{path}").status_code == 403, path
    for path in ("close/", "duplicate/"):
        assert http.post(f"/surveys/{opened.pk}/{path}").status_code == 403, path
    opened.refresh_from_db()
    assert opened.status == Status.OPEN
    assert Survey.objects.filter(title__endswith="(copy)").count() == 0


def test_volunteers_and_editors_see_no_surveys(surveys: dict[str, Survey], logged_in: Any, demo_db: Demo) -> None:
    for role in ("volunteer", "editor"):
        http = logged_in(role)
        assert http.get("/surveys/").status_code == 403
        assert http.get(f"/surveys/{surveys['open'].pk}/results/").status_code == 403
        staff = demo_db.staff_by_username[role]
        assert not surveys_for(staff).exists()
        with pytest.raises(SurveyForbidden):
            check_staff_survey(staff, surveys["open"].pk)


def test_anonymous_visitors_cannot_see_results(surveys: dict[str, Survey]) -> None:
    http = HttpClient()
    for path in ("/surveys/", f"/surveys/{surveys['open'].pk}/results/", f"/surveys/{surveys['open'].pk}/results.csv"):
        response = http.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/"), path


def test_the_rules_in_the_actions(surveys: dict[str, Survey], demo_db: Demo) -> None:
    counsellor = demo_db.staff.counsellor
    with pytest.raises(SurveyNotFound):
        check_staff_survey(counsellor, surveys["draft"].pk)
    with pytest.raises(SurveyForbidden):
        check_staff_survey(counsellor, surveys["open"].pk, build=True)
    with pytest.raises(SurveyNotFound):
        check_staff_survey(demo_db.staff.admin, surveys["other"].pk)
    assert check_staff_survey(demo_db.staff.admin, surveys["draft"].pk, build=True) == surveys["draft"]
