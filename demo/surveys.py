"""The demo survey: the youth panel's autumn survey of Jokilaakso, open, with a few responses.

Enough responses (12) that the results page shows counts, an average and the
free-text answers, and small enough counts that it also shows "<5" cells.
"""

from __future__ import annotations

from accounts.models import Staff
from surveys.actions import (
    QuestionDraft,
    SurveyDraft,
    do_open_survey,
    do_save_survey,
    do_submit_response,
    new_browser_token,
)
from surveys.models import Kind, Survey

YOUTH_PANEL_TITLE = "Nuorisopaneelin syyskysely 2026"

YOUTH_PANEL = SurveyDraft(
    title=YOUTH_PANEL_TITLE,
    intro=(
        "Hei! Kerro meille, miten nuorten chat ja nuorisopalvelut ovat toimineet tänä syksynä. "
        "Vastaaminen vie noin kaksi minuuttia. Vastaat nimettömänä."
    ),
    language="fi",
    questions=[
        QuestionDraft(Kind.SCALE, "Kuinka hyvin nuorten chat on auttanut sinua?", True, "Ei yhtään", "Todella paljon"),
        QuestionDraft(
            Kind.SINGLE,
            "Mistä kuulit nuorten chatista ensimmäisen kerran?",
            False,
            choices=["Koulusta", "Kavereilta", "Somesta", "Nuorisotalolta", "Muualta"],
        ),
        QuestionDraft(
            Kind.MULTIPLE,
            "Mitä toivoisit nuorisopalveluilta ensi keväänä?",
            False,
            choices=["Iltachatteja", "Retkiä", "Pelikerhon", "Apua kesätyön hakuun", "Jotain muuta"],
        ),
        QuestionDraft(Kind.TEXT, "Mitä muuta haluat sanoa meille?", False),
    ],
)

# Made-up answers: (scale, single, multiple, text).
RESPONSES: list[tuple[int, str | None, list[str], str]] = [
    (5, "Koulusta", ["Iltachatteja", "Retkiä"], "Chatti on tosi hyvä juttu!"),
    (4, "Koulusta", ["Apua kesätyön hakuun"], ""),
    (5, "Kavereilta", ["Iltachatteja"], "Toivoisin että chatti olis auki myöhempään."),
    (4, "Koulusta", ["Retkiä", "Pelikerhon"], ""),
    (3, "Somesta", ["Iltachatteja"], "Välillä joutui odottamaan pitkään."),
    (5, "Koulusta", ["Apua kesätyön hakuun", "Iltachatteja"], ""),
    (4, "Kavereilta", ["Retkiä"], "Kiitos!"),
    (5, "Koulusta", [], ""),
    (4, None, ["Iltachatteja"], "Hyvä että voi kirjoittaa nimettömänä."),
    (5, "Kavereilta", ["Pelikerhon", "Retkiä"], ""),
    (4, "Koulusta", ["Apua kesätyön hakuun"], "Lisää retkiä!"),
    (5, "Nuorisotalolta", ["Iltachatteja"], ""),
]


def seed_surveys(supervisor: Staff) -> Survey:
    """The youth panel's autumn survey, made by the demo supervisor; running it again changes nothing."""
    found = Survey.objects.filter(organisation=supervisor.organisation, title=YOUTH_PANEL_TITLE).first()
    if found is not None:
        return found
    survey = do_open_survey(supervisor, do_save_survey(supervisor, YOUTH_PANEL))
    questions = {q.kind: q for q in survey.questions.prefetch_related("choices")}
    choices = {kind: {c.text: str(c.pk) for c in q.choices.all()} for kind, q in questions.items()}
    for scale, single, multiple, text in RESPONSES:
        raw = {
            questions[Kind.SCALE].pk: [str(scale)],
            questions[Kind.SINGLE].pk: [choices[Kind.SINGLE][single]] if single else [],
            questions[Kind.MULTIPLE].pk: [choices[Kind.MULTIPLE][m] for m in multiple],
            questions[Kind.TEXT].pk: [text],
        }
        do_submit_response(survey, raw, new_browser_token())
    return survey
