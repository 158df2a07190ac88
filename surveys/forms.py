"""The builder's form: reading a POST into a SurveyDraft, the buttons that change it, and what the template shows.

The builder is one plain form, no script: every button (add a question of a
kind, move a question or a choice up or down, remove one, add a choice) posts
the whole form with its `op`, the server changes the draft and shows it again
with the focus on the moved or new thing (`autofocus`). Only "Save" stores.
Field names: title, intro, language, opens_on, closes_on, questions (their
number), and per question i: q-<i>-kind, q-<i>-text, q-<i>-required,
q-<i>-min_label, q-<i>-max_label and q-<i>-choice (repeated, in order).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from common.languages import language_codes, language_name
from surveys.actions import MAX_CHOICES, MAX_QUESTIONS, QuestionDraft, SurveyDraft, new_question
from surveys.models import CHOICE_KINDS, Kind

# How many questions a posted form may claim: more than the rule allows is read as the rule's limit plus one
# (so that the "at most" error shows), never as a loop over a number an attacker chose.
READ_QUESTIONS_MAX = MAX_QUESTIONS + 1
READ_CHOICES_MAX = MAX_CHOICES + 1
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OP = re.compile(r"^(add|remove|up|down|add-choice|remove-choice|choice-up|choice-down)(?::([a-z]+|\d+)(?::(\d+))?)?$")


def _date(value: str, key: str, errors: dict[str, list[str]]) -> dt.date | None:
    text = value.strip()
    if not text:
        return None
    if ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    errors.setdefault(key, []).append(_("Choose a day from the calendar, or write it as year-month-day."))
    return None


def draft_from_post(data: QueryDict) -> tuple[SurveyDraft, dict[str, list[str]]]:
    """The draft the form holds, and the errors of values that could not even be read (dates)."""
    errors: dict[str, list[str]] = {}
    try:
        count = min(max(int(data.get("questions", "0")), 0), READ_QUESTIONS_MAX)
    except ValueError:
        count = 0
    questions = []
    for i in range(count):
        kind = data.get(f"q-{i}-kind", "")
        questions.append(
            QuestionDraft(
                kind=kind,
                text=data.get(f"q-{i}-text", ""),
                required=data.get(f"q-{i}-required") == "on",
                min_label=data.get(f"q-{i}-min_label", ""),
                max_label=data.get(f"q-{i}-max_label", ""),
                choices=data.getlist(f"q-{i}-choice")[:READ_CHOICES_MAX] if kind in CHOICE_KINDS else [],
            )
        )
    draft = SurveyDraft(
        title=data.get("title", ""),
        intro=data.get("intro", ""),
        language=data.get("language", ""),
        opens_on=_date(data.get("opens_on", ""), "opens_on", errors),
        closes_on=_date(data.get("closes_on", ""), "closes_on", errors),
        questions=questions,
    )
    return draft, errors


@dataclass(frozen=True)
class Change:
    """What a builder button did: the id of the element to focus next, and a sentence for the status line."""

    focus: str
    said: str


def apply_op(draft: SurveyDraft, op: str) -> Change | None:
    """Carry out a builder button on `draft` (in place); None for an unknown or impossible one."""
    match = OP.match(op)
    if not match:
        return None
    name, first, second = match[1], match[2], match[3]
    questions = draft.questions
    if name == "add":
        if first not in Kind.values or len(questions) >= MAX_QUESTIONS:
            return None
        questions.append(new_question(first))
        n = len(questions)
        return Change(f"q-{n - 1}-text", _("Question %(n)s added.") % {"n": n})
    if first is None or not first.isdigit() or int(first) >= len(questions):
        return None
    i = int(first)
    question = questions[i]
    if name == "remove":
        del questions[i]
        focus = f"q-{min(i, len(questions) - 1)}-text" if questions else "add-questions"
        return Change(focus, _("Question %(n)s removed.") % {"n": i + 1})
    if name in ("up", "down"):
        j = i - 1 if name == "up" else i + 1
        if not 0 <= j < len(questions):
            return None
        questions[i], questions[j] = questions[j], questions[i]
        # The same button on the question's new place, or its other one where that is gone (at an end).
        edge = (name == "up" and j == 0) or (name == "down" and j == len(questions) - 1)
        other = "down" if name == "up" else "up"
        return Change(f"q-{j}-{other if edge else name}", _("Question moved to place %(n)s.") % {"n": j + 1})
    if question.kind not in CHOICE_KINDS:
        return None
    choices = question.choices
    if name == "add-choice":
        if len(choices) >= MAX_CHOICES:
            return None
        choices.append("")
        return Change(f"q-{i}-c-{len(choices) - 1}", _("Choice %(n)s added.") % {"n": len(choices)})
    if second is None or int(second) >= len(choices):
        return None
    k = int(second)
    if name == "remove-choice":
        del choices[k]
        focus = f"q-{i}-c-{min(k, len(choices) - 1)}" if choices else f"q-{i}-add-choice"
        return Change(focus, _("Choice %(n)s removed.") % {"n": k + 1})
    m = k - 1 if name == "choice-up" else k + 1
    if not 0 <= m < len(choices):
        return None
    choices[k], choices[m] = choices[m], choices[k]
    edge = (name == "choice-up" and m == 0) or (name == "choice-down" and m == len(choices) - 1)
    other = "choice-down" if name == "choice-up" else "choice-up"
    return Change(f"q-{i}-c-{m}-{other if edge else name}", _("Choice moved to place %(n)s.") % {"n": m + 1})


def builder_context(draft: SurveyDraft, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The draft laid out for the template, each field with its errors."""
    questions = []
    for i, q in enumerate(draft.questions):
        prefix = f"q-{i}"
        questions.append(
            {
                "index": i,
                "number": i + 1,
                "prefix": prefix,
                "kind": q.kind,
                "kind_label": Kind(q.kind).label if q.kind in Kind.values else q.kind,
                "is_choice": q.kind in CHOICE_KINDS,
                "is_scale": q.kind == Kind.SCALE,
                "text": q.text,
                "required": q.required,
                "min_label": q.min_label,
                "max_label": q.max_label,
                "first": i == 0,
                "last": i == len(draft.questions) - 1,
                "errors": errors.get(f"{prefix}-text", []) + errors.get(f"{prefix}-kind", []),
                "min_errors": errors.get(f"{prefix}-min_label", []),
                "max_errors": errors.get(f"{prefix}-max_label", []),
                "choices_errors": errors.get(f"{prefix}-choices", []),
                "choices": [
                    {
                        "index": k,
                        "number": k + 1,
                        "text": text,
                        "id": f"{prefix}-c-{k}",
                        "first": k == 0,
                        "last": k == len(q.choices) - 1,
                        "errors": errors.get(f"{prefix}-c-{k}", []),
                    }
                    for k, text in enumerate(q.choices)
                ],
                "can_add_choice": len(q.choices) < MAX_CHOICES,
            }
        )
    return {
        "draft": draft,
        "questions": questions,
        "kinds": Kind.choices,
        "languages": [(code, language_name(code)) for code in language_codes()],
        "errors": errors,
        "can_add_question": len(draft.questions) < MAX_QUESTIONS,
        "error_list": error_summary(errors),
    }


def error_summary(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """Every error with the id of its field, for the summary at the top of the form (links to the fields)."""
    targets = {
        "questions": "add-questions",
        "form": "survey-form",
    }
    found: list[dict[str, str]] = []
    for key, texts in errors.items():
        target = targets.get(key, key)
        if re.match(r"^q-\d+-choices$", key):
            target = key.removesuffix("-choices") + "-c-0"
        elif re.match(r"^q-\d+-kind$", key):
            target = key.removesuffix("-kind") + "-text"
        found.extend({"target": target, "text": text} for text in texts)
    return found
