"""Shared helpers of the survey tests: a survey built through the actions, answers posted over HTTP."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from accounts.models import Staff
from surveys.actions import QuestionDraft, SurveyDraft, do_open_survey, do_save_survey
from surveys.models import Kind, Survey


def youth_panel_draft() -> SurveyDraft:
    """Four questions, one of each kind: a required scale, a single choice, a multiple choice, free text."""
    return SurveyDraft(
        title="Nuorisopaneelin syyskysely",
        intro="Kerro mielipiteesi.",
        language="fi",
        questions=[
            QuestionDraft(Kind.SCALE, "Kuinka tyytyväinen olet?", True, "Ei yhtään", "Todella"),
            QuestionDraft(Kind.SINGLE, "Mistä kuulit meistä?", False, choices=["Koulusta", "Kavereilta", "Somesta"]),
            QuestionDraft(Kind.MULTIPLE, "Mitä toivot?", False, choices=["Retkiä", "Pelejä", "Kursseja"]),
            QuestionDraft(Kind.TEXT, "Terveiset meille", False),
        ],
    )


def open_survey(staff: Staff, draft: SurveyDraft | None = None) -> Survey:
    survey = do_save_survey(staff, draft or youth_panel_draft())
    return do_open_survey(staff, survey)


def questions(survey: Survey) -> dict[str, Any]:
    """The survey's questions by kind, with their choices' ids by text."""
    found: dict[str, Any] = {}
    for q in survey.questions.prefetch_related("choices"):
        found[q.kind] = q
        found[f"{q.kind}_choices"] = {c.text: str(c.pk) for c in q.choices.all()}
    return found


def post_answers(http: HttpClient, survey: Survey, **answers: Any) -> Any:
    """POST the public form: `scale=3`, `single="Koulusta"`, `multiple=["Retkiä"]`, `text="..."` (by kind)."""
    qs = questions(survey)
    data: dict[str, Any] = {}
    for kind, value in answers.items():
        q = qs[kind]
        if kind in ("single", "multiple"):
            values = value if isinstance(value, list) else [value]
            data[f"q-{q.pk}"] = [qs[f"{kind}_choices"].get(v, v) for v in values]
        else:
            data[f"q-{q.pk}"] = str(value)
    return http.post(f"/s/{survey.slug}/", data)
