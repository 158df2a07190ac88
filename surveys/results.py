"""A survey's results with the small-cell rule: no figure tells about fewer than 5 people.

The rule is the reports' of issue 12, `stats.suppression` (its docstring has
the reasoning), applied to one question at a time (`one_way`):
- any count below 5 (0 included) is hidden and shown as "<5";
- a single-choice or scale question's cells, with a cell "No answer" for an
  optional one, add up to the number of responses: an additive line whose
  total is the number of responses, shown once for the whole survey and so
  locked. A hidden cell the line would give away takes more cells with it,
  shown as "×" (5 or more), so that nobody adding up a column is misled;
- a multiple-choice question's cells do not add up to anything published (one
  person may choose several): only its small cells are hidden, and the next
  smallest when exactly one is;
- the number of responses is shown only when it is 5 or more (`figure`);
These are the survey's own rules on top:
- a scale's average only when none of its cells is hidden (the total, the
  average and the visible cells could otherwise give the hidden ones away);
- free-text answers only when the survey has 5 responses or more, listed in
  alphabetical order (not in the order they came, which could pair them with
  a person's other answers).
The figures are shown as they are at the moment of reading: somebody who reads
the results before and after one more response sees what that one answered, as
with any live count; share the results after a survey closes where that matters.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from stats.suppression import SMALL_TEXT, figure, one_way, small_sample
from surveys.models import SCALE_MAX, SCALE_MIN, Answer, Kind, Question, Survey


def shown(count: int | None) -> str:
    """A total as text: the number, or "<5"."""
    return SMALL_TEXT if count is None else str(count)


@dataclass(frozen=True)
class Cell:
    label: str
    count: int | None  # None: hidden
    hidden_as: str = SMALL_TEXT  # how a hidden cell reads: "<5", or "×" for one hidden to protect another

    @property
    def text(self) -> str:
        return self.hidden_as if self.count is None else str(self.count)


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    cells: list[Cell]
    average: float | None  # a scale's, when none of its cells is hidden
    texts: list[str]  # free-text answers, when shown

    @property
    def is_text(self) -> bool:
        return self.question.kind == Kind.TEXT


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    responses: int | None  # None: fewer than 5
    texts_shown: bool
    questions: list[QuestionResult]

    @property
    def responses_text(self) -> str:
        return shown(self.responses)


def _scale_label(question: Question, value: int) -> str:
    if value == SCALE_MIN and question.min_label:
        return f"{value} ({question.min_label})"
    if value == SCALE_MAX and question.max_label:
        return f"{value} ({question.max_label})"
    return str(value)


def survey_results(survey: Survey) -> SurveyResults:
    """Count every answer of `survey` and apply the small-cell rule; raw counts never leave this function."""
    total = survey.responses.count()
    responses = figure(total)
    # Free text is a list of what individuals wrote: shown only from 5 responses, like any small sample.
    texts_shown = not small_sample(total)
    questions = list(survey.questions.prefetch_related("choices"))
    # Per question: responses that answered it at all, and counts per choice and per scale value.
    answered = dict(
        Answer.objects.filter(question__survey=survey)
        .values_list("question")
        .annotate(n=Count("response", distinct=True))
        .values_list("question", "n")
    )
    by_choice = Counter(
        dict(
            Answer.objects.filter(question__survey=survey, choice__isnull=False)
            .values_list("choice")
            .annotate(n=Count("id"))
            .values_list("choice", "n")
        )
    )
    by_scale = Counter(
        {
            (q, v): n
            for q, v, n in Answer.objects.filter(question__survey=survey, scale_value__isnull=False)
            .values_list("question", "scale_value")
            .annotate(n=Count("id"))
            .values_list("question", "scale_value", "n")
        }
    )
    results = []
    for question in questions:
        labels: list[str] = []
        counts: list[int] = []
        average = None
        texts: list[str] = []
        if question.kind == Kind.TEXT:
            if texts_shown:
                texts = sorted(
                    Answer.objects.filter(question=question).exclude(text="").values_list("text", flat=True),
                    key=str.casefold,
                )
            results.append(QuestionResult(question, [], None, texts))
            continue
        if question.kind == Kind.SCALE:
            for value in range(SCALE_MIN, SCALE_MAX + 1):
                labels.append(_scale_label(question, value))
                counts.append(by_scale[(question.pk, value)])
        else:
            for choice in question.choices.all():
                labels.append(choice.text)
                counts.append(by_choice[choice.pk])
        if not question.required:
            labels.append(_("No answer"))
            counts.append(total - answered.get(question.pk, 0))
        # One line per question: its cells add up to the responses, a figure shown once for every question
        # (locked, rule 5 of stats.suppression); a multiple-choice question's cells add up to nothing shown.
        if question.kind == Kind.MULTIPLE:
            line = one_way(counts, additive=False)
        else:
            line = one_way(counts, total_hidden=responses.hidden)
        cells = [
            Cell(label, shared.value, shared.text if shared.hidden else SMALL_TEXT)
            for label, shared in zip(labels, line.cells, strict=True)
        ]
        if question.kind == Kind.SCALE and all(c.count is not None for c in cells):
            values = [(v, by_scale[(question.pk, v)]) for v in range(SCALE_MIN, SCALE_MAX + 1)]
            n = sum(count for _v, count in values)
            average = round(sum(v * count for v, count in values) / n, 1) if n else None
        results.append(QuestionResult(question, cells, average, texts))
    return SurveyResults(survey, responses.value, texts_shown, results)


def csv_safe(text: str) -> str:
    """A cell a spreadsheet will not read as a formula: what starts with =, +, -, @ or a tab gets a leading '."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def results_csv_rows(results: SurveyResults) -> list[list[str]]:
    """The results as CSV rows, with the same cells hidden as on the page (and no cell read as a formula)."""
    rows = [
        [_("Survey"), results.survey.title],
        [_("Responses"), results.responses_text],
        [_("“<5”: fewer than 5. “×”: 5 or more, hidden so that a small number cannot be worked out.")],
        [],
        [_("Question"), _("Answer"), _("Count")],
    ]
    for number, result in enumerate(results.questions, start=1):
        question = f"{number}. {result.question.text}"
        rows.extend([question, cell.label, cell.text] for cell in result.cells)
        if result.average is not None:
            rows.append([question, _("Average"), f"{result.average:.1f}"])
        if result.is_text:
            if not results.texts_shown:
                rows.append([question, _("Free-text answers are shown when there are at least 5 responses."), ""])
            rows.extend([question, text, ""] for text in result.texts)
    return [[csv_safe(cell) for cell in row] for row in rows]
