"""Results with the small-cell rule (counts, complements, totals, averages, free text) and the CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from audit.models import Action, AuditEvent, ObjectKind
from stats.suppression import is_small, one_way
from surveys.actions import do_submit_response, new_browser_token
from surveys.models import Survey
from surveys.results import survey_results
from tests.support.demo import Demo
from tests.surveys.helpers import open_survey, questions


def suppress(counts: list[int], *, additive: bool = True) -> list[str | None]:
    """How survey_results hides one question's cells (stats.suppression.one_way, the responses locked)."""
    line = one_way(counts, total_hidden=is_small(sum(counts))) if additive else one_way(counts, additive=False)
    return [cell.text if cell.hidden else None for cell in line.cells]


def test_suppress_hides_small_cells_and_what_would_give_them_away() -> None:
    shown, small, other = None, "<5", "×"
    assert suppress([10, 7, 6]) == [shown, shown, shown]
    # One small cell: the next smallest goes too (as "×": it counts 5 or more), or the total gives it away.
    assert suppress([10, 3, 6, 8]) == [shown, small, other, shown]
    # Two small cells adding up to 8 (the total 30 minus 22) are both 4: one more is hidden.
    assert suppress([4, 4, 10, 12]) == [small, small, other, shown]
    # Hidden cells adding up to 0 are all 0: hidden until that no longer shows.
    assert suppress([0, 0, 0, 5, 7]) == [small, small, small, other, other]
    assert suppress([0, 0, 0, 14, 16]) == [small, small, small, other, shown]
    # Two small cells whose sum leaves each more than one value hide each other.
    assert suppress([1, 2, 20]) == [small, small, shown]
    assert suppress([4, 4, 4]) == [small, small, small]
    # Cells that add up to nothing published (a multiple choice): only the simple rule.
    assert suppress([0, 0, 28], additive=False) == [small, small, shown]
    assert suppress([3, 9, 28], additive=False) == [small, other, shown]


def answer(survey: Survey, **by_kind: Any) -> None:
    """One response through the action, as a browser of its own."""
    qs = questions(survey)
    raw: dict[int, list[str]] = {}
    for kind, value in by_kind.items():
        values = value if isinstance(value, list) else [value]
        if kind in ("single", "multiple"):
            values = [qs[f"{kind}_choices"][v] for v in values]
        raw[qs[kind].pk] = [str(v) for v in values]
    do_submit_response(survey, raw, new_browser_token())


def cells(survey: Survey, kind: str) -> dict[str, str]:
    result = next(r for r in survey_results(survey).questions if r.question.kind == kind)
    return {cell.label: cell.text for cell in result.cells}


def test_fewer_than_five_responses_show_nothing_but_small_cells(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    for value in (5, 5, 4):
        answer(survey, scale=value, single="Koulusta", text="Salainen ajatus")
    results = survey_results(survey)
    assert results.responses is None and results.responses_text == "<5"
    assert set(cells(survey, "scale").values()) == {"<5"}
    scale = next(r for r in results.questions if r.question.kind == "scale")
    assert scale.average is None
    text = next(r for r in results.questions if r.is_text)
    assert text.texts == [] and not results.texts_shown


def test_complementary_suppression_and_the_no_answer_cell(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    # 12 responses: "Koulusta" 6, "Kavereilta" 5, nobody "Somesta", 1 no answer.
    for n in range(12):
        single = ["Koulusta"] * 6 + ["Kavereilta"] * 5 + [None]
        kwargs: dict[str, Any] = {"scale": 5 if n < 7 else 4, "text": f"Vastaus {n:02d}"}
        if single[n]:
            kwargs["single"] = single[n]
        answer(survey, **kwargs)
    results = survey_results(survey)
    assert results.responses == 12
    # "Somesta" (0) and "No answer" (1) hide each other; the others show.
    assert cells(survey, "single") == {"Koulusta": "6", "Kavereilta": "5", "Somesta": "<5", "No answer": "<5"}
    # The scale is required (no "No answer" cell): 1, 2 and 3 are 0, which 4 and 5 (5 + 7 = 12, the
    # total) would give away, so those are hidden too, as "×".
    scale = cells(survey, "scale")
    assert scale == {"1 (Ei yhtään)": "<5", "2": "<5", "3": "<5", "4": "×", "5 (Todella)": "×"}
    # With cells hidden the average is not shown: with the total it could give them away.
    assert next(r for r in results.questions if r.question.kind == "scale").average is None
    # Free text is shown from 5 responses on, in alphabetical order, not the order it came.
    text = next(r for r in results.questions if r.is_text)
    assert text.texts == sorted(f"Vastaus {n:02d}" for n in range(12))


def test_one_small_cell_hides_the_next_smallest_and_the_average_shows_when_nothing_is_hidden(demo_db: Demo) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    for value in [1] * 5 + [2] * 5 + [3] * 5 + [4] * 6 + [5] * 7:
        answer(survey, scale=value, single="Koulusta" if value < 5 else "Kavereilta", multiple=["Retkiä"])
    results = survey_results(survey)
    scale = next(r for r in results.questions if r.question.kind == "scale")
    assert [c.text for c in scale.cells] == ["5", "5", "5", "6", "7"]
    assert scale.average == round((5 + 10 + 15 + 24 + 35) / 28, 1)
    # Multiple choice: "Retkiä" 28, the others 0 and hidden; "No answer" 0 hidden too.
    assert cells(survey, "multiple") == {"Retkiä": "28", "Pelejä": "<5", "Kursseja": "<5", "No answer": "<5"}
    # "Somesta" and "No answer" are 0 and 21 + 7 is the total, which would show it: "Kavereilta" goes too.
    assert cells(survey, "single") == {"Koulusta": "21", "Kavereilta": "×", "Somesta": "<5", "No answer": "<5"}


def test_the_results_page_and_csv_hide_the_same_cells_and_the_export_is_audited(demo_db: Demo, logged_in: Any) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    for n in range(6):
        answer(survey, scale=5 if n else 2, single="Koulusta", text='=HYPERLINK("http://x")' if n == 0 else "Hyvä")
    http = logged_in("supervisor")
    page = http.get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "&lt;5" in page and "Responses: <strong>6</strong>" in page.replace("\n", "")
    assert "Hyvä" in page
    response = http.get(f"/surveys/{survey.pk}/results.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Responses", "6"] in rows
    scale_rows = {row[1]: row[2] for row in rows if row and row[0].startswith("1. ")}
    assert scale_rows == {"1 (Ei yhtään)": "<5", "2": "<5", "3": "<5", "4": "<5", "5 (Todella)": "5"}
    texts = [row[1] for row in rows if row and row[0].startswith("4. ")]
    # A text a spreadsheet would run as a formula is written as text.
    assert '\'=HYPERLINK("http://x")' in texts and "Hyvä" in texts
    event = AuditEvent.objects.get(action=Action.SURVEY_EXPORT)
    assert event.staff == demo_db.staff.supervisor
    assert (event.object_kind, event.object_id) == (ObjectKind.SURVEY, survey.pk)


def test_the_csv_hides_free_text_below_five_responses(demo_db: Demo, logged_in: Any) -> None:
    survey = open_survey(demo_db.staff.supervisor)
    answer(survey, scale=3, text="Vain minä kirjoitin tämän")
    rows = list(csv.reader(io.StringIO(logged_in("admin").get(f"/surveys/{survey.pk}/results.csv").content.decode())))
    flat = " ".join(" ".join(row) for row in rows)
    assert "Vain minä" not in flat and "Free-text answers are shown when there are at least 5 responses." in flat
    assert ["Responses", "<5"] in [[cell.lstrip("\ufeff") for cell in row] for row in rows]
