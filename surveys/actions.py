"""Every rule of a survey: who may build and read which, a draft's checks, opening and closing, answering.

Zulip style: `check_*` validates and authorises and raises, `do_*` changes the
database in one transaction. Views parse, call these and render. Refusals are
`SurveyNotFound` (missing, another organisation's, or hidden from the role:
all look the same), `SurveyForbidden` (seen but not the role's to do),
`SurveyInvalid` (a draft or answers with per-field messages, nothing stored)
and `SurveyClosed` / `AlreadyAnswered` for the public page.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import Role, Staff
from common.languages import is_supported
from surveys.models import (
    ANSWER_MAX_CHARS,
    CHOICE_KINDS,
    CHOICE_MAX_CHARS,
    INTRO_MAX_CHARS,
    QUESTION_MAX_CHARS,
    SCALE_LABEL_MAX_CHARS,
    SCALE_MAX,
    SCALE_MIN,
    TITLE_MAX_CHARS,
    Answer,
    BrowserMark,
    Choice,
    Kind,
    Question,
    Response,
    Status,
    Survey,
)

# A survey is short: at most this many questions; a choice question has 2 to 20 choices.
MAX_QUESTIONS = 30
MIN_CHOICES = 2
MAX_CHOICES = 20
# Roles that build, open, close and share their organisation's surveys.
BUILDER_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
# Roles that read the results of their organisation's open and closed surveys (not drafts, which may change).
READER_ROLES = BUILDER_ROLES | {Role.COUNSELLOR}


class SurveyNotFound(Exception):
    """Missing, another organisation's, or not the role's to see: the same answer for all (a 404)."""


class SurveyForbidden(Exception):
    """A survey the staff member may see but not change (a 403)."""


class SurveyInvalid(Exception):
    """What was written breaks a rule; `errors` maps a field's key to its messages. Nothing was stored."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{key}: {' '.join(texts)}" for key, texts in errors.items()))
        self.errors = errors


class SurveyClosed(Exception):
    """The survey does not take answers now (a draft, closed, or outside its dates)."""


class AlreadyAnswered(Exception):
    """This browser has answered the survey already."""


# --- Who may do what ------------------------------------------------------------------------


def may_build_surveys(staff: Staff) -> bool:
    """Supervisors and admins of an organisation build, open, close and share its surveys."""
    return bool(staff.is_active and staff.organisation_id and (staff.role in BUILDER_ROLES or staff.is_superuser))


def may_read_surveys(staff: Staff) -> bool:
    """Builders, and counsellors, who read the results of their organisation's open and closed surveys."""
    return may_build_surveys(staff) or bool(staff.is_active and staff.organisation_id and staff.role in READER_ROLES)


def check_may_use_surveys(staff: Staff) -> None:
    if not may_read_surveys(staff):
        raise SurveyForbidden


def check_may_build(staff: Staff) -> None:
    if not may_build_surveys(staff):
        raise SurveyForbidden


def surveys_for(staff: Staff) -> QuerySet[Survey]:
    """The surveys a staff member sees: their organisation's; a counsellor's without the drafts."""
    if not may_read_surveys(staff):
        return Survey.objects.none()
    found = Survey.objects.filter(organisation=staff.organisation)
    return found if may_build_surveys(staff) else found.exclude(status=Status.DRAFT)


def check_staff_survey(staff: Staff, survey_id: int, *, build: bool = False) -> Survey:
    """The survey `survey_id` if `staff` sees it (else SurveyNotFound); with `build`, also theirs to change."""
    check_may_use_surveys(staff)
    survey = surveys_for(staff).filter(pk=survey_id).first()
    if survey is None:
        raise SurveyNotFound
    if build:
        check_may_build(staff)
    return survey


# --- A draft ---------------------------------------------------------------------------------


@dataclass
class QuestionDraft:
    kind: str
    text: str = ""
    required: bool = False
    min_label: str = ""
    max_label: str = ""
    choices: list[str] = field(default_factory=list)


@dataclass
class SurveyDraft:
    """A survey as the builder's form holds it: read from a POST or from a saved survey."""

    title: str = ""
    intro: str = ""
    language: str = "fi"
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    questions: list[QuestionDraft] = field(default_factory=list)


def new_question(kind: str) -> QuestionDraft:
    """A question of `kind` as the builder adds it: a choice question starts with two empty choices."""
    return QuestionDraft(kind=kind, choices=["", ""] if kind in CHOICE_KINDS else [])


def draft_of(survey: Survey) -> SurveyDraft:
    return SurveyDraft(
        title=survey.title,
        intro=survey.intro,
        language=survey.language,
        opens_on=survey.opens_on,
        closes_on=survey.closes_on,
        questions=[
            QuestionDraft(
                kind=q.kind,
                text=q.text,
                required=q.required,
                min_label=q.min_label,
                max_label=q.max_label,
                choices=[c.text for c in q.choices.all()],
            )
            for q in survey.questions.prefetch_related("choices")
        ],
    )


def _too_long(limit: int) -> str:
    return _("Write at most %(limit)s characters.") % {"limit": limit}


def check_survey_draft(draft: SurveyDraft) -> None:
    """Every rule of a survey's content; raises SurveyInvalid with a message per field.

    Keys: "title", "intro", "language", "closes_on", "questions", and per question
    i "q-<i>-text", "q-<i>-kind", "q-<i>-min_label", "q-<i>-max_label",
    "q-<i>-choices" (the list as a whole) and "q-<i>-c-<j>" (one choice).
    """
    errors: dict[str, list[str]] = {}

    def add(key: str, text: str) -> None:
        errors.setdefault(key, []).append(text)

    if not draft.title.strip():
        add("title", _("Write a title."))
    elif len(draft.title) > TITLE_MAX_CHARS:
        add("title", _too_long(TITLE_MAX_CHARS))
    if len(draft.intro) > INTRO_MAX_CHARS:
        add("intro", _too_long(INTRO_MAX_CHARS))
    if not is_supported(draft.language):
        add("language", _("Choose a language from the list."))
    if draft.opens_on and draft.closes_on and draft.closes_on < draft.opens_on:
        add("closes_on", _("The closing day cannot be before the opening day."))
    if not draft.questions:
        add("questions", _("Add at least one question."))
    elif len(draft.questions) > MAX_QUESTIONS:
        add("questions", _("A survey can have at most %(limit)s questions.") % {"limit": MAX_QUESTIONS})
    for i, question in enumerate(draft.questions):
        key = f"q-{i}"
        if question.kind not in Kind.values:
            add(f"{key}-kind", _("Choose a kind of question."))
            continue
        if not question.text.strip():
            add(f"{key}-text", _("Write the question."))
        elif len(question.text) > QUESTION_MAX_CHARS:
            add(f"{key}-text", _too_long(QUESTION_MAX_CHARS))
        for label in ("min_label", "max_label"):
            if len(getattr(question, label)) > SCALE_LABEL_MAX_CHARS:
                add(f"{key}-{label}", _too_long(SCALE_LABEL_MAX_CHARS))
        if question.kind in CHOICE_KINDS:
            filled = [c for c in question.choices if c.strip()]
            if len(filled) < MIN_CHOICES:
                add(f"{key}-choices", _("Write at least %(limit)s choices.") % {"limit": MIN_CHOICES})
            elif len(filled) > MAX_CHOICES:
                add(f"{key}-choices", _("A question can have at most %(limit)s choices.") % {"limit": MAX_CHOICES})
            seen: set[str] = set()
            for j, choice in enumerate(question.choices):
                text = choice.strip()
                if len(choice) > CHOICE_MAX_CHARS:
                    add(f"{key}-c-{j}", _too_long(CHOICE_MAX_CHARS))
                elif text and text.casefold() in seen:
                    add(f"{key}-c-{j}", _("This choice is already in the list."))
                seen.add(text.casefold())
    if errors:
        raise SurveyInvalid(errors)


def _write_questions(survey: Survey, draft: SurveyDraft) -> None:
    for position, q in enumerate(draft.questions, start=1):
        question = Question.objects.create(
            survey=survey,
            position=position,
            kind=q.kind,
            text=q.text.strip(),
            required=q.required,
            min_label=q.min_label.strip() if q.kind == Kind.SCALE else "",
            max_label=q.max_label.strip() if q.kind == Kind.SCALE else "",
        )
        if q.kind in CHOICE_KINDS:
            texts = [c.strip() for c in q.choices if c.strip()]
            Choice.objects.bulk_create(
                Choice(question=question, position=n, text=text) for n, text in enumerate(texts, start=1)
            )


def do_save_survey(staff: Staff, draft: SurveyDraft, survey: Survey | None = None) -> Survey:
    """Create a draft survey, or replace a draft's content; only a draft changes (answers keep their questions)."""
    check_may_build(staff)
    check_survey_draft(draft)
    with transaction.atomic():
        if survey is None:
            assert staff.organisation is not None  # check_may_build: builders have one
            survey = Survey(organisation=staff.organisation, created_by=staff)
        else:
            survey = check_staff_survey(staff, survey.pk, build=True)
            locked = Survey.objects.select_for_update().get(pk=survey.pk)
            if locked.status != Status.DRAFT:
                raise SurveyInvalid({"form": [_("Only a draft can be changed. Make a copy to change it.")]})
            survey.questions.all().delete()
        survey.title = draft.title.strip()
        survey.intro = draft.intro.strip()
        survey.language = draft.language
        survey.opens_on = draft.opens_on
        survey.closes_on = draft.closes_on
        survey.save()
        _write_questions(survey, draft)
    return survey


def do_open_survey(staff: Staff, survey: Survey) -> Survey:
    """Start taking answers (from a draft, or again after closing)."""
    with transaction.atomic():
        survey = check_staff_survey(staff, survey.pk, build=True)
        if survey.status == Status.OPEN:
            return survey
        if not survey.questions.exists():
            raise SurveyInvalid({"questions": [_("Add at least one question.")]})
        survey.status = Status.OPEN
        survey.save(update_fields=["status"])
    return survey


def do_close_survey(staff: Staff, survey: Survey) -> Survey:
    """Stop taking answers; the results stay."""
    with transaction.atomic():
        survey = check_staff_survey(staff, survey.pk, build=True)
        if survey.status == Status.OPEN:
            survey.status = Status.CLOSED
            survey.save(update_fields=["status"])
    return survey


def do_duplicate_survey(staff: Staff, survey: Survey) -> Survey:
    """A new draft with the same content and a new link; the answers stay with the original."""
    source = check_staff_survey(staff, survey.pk, build=True)
    draft = draft_of(source)
    draft.title = (_("%(title)s (copy)") % {"title": draft.title})[:TITLE_MAX_CHARS]
    draft.opens_on = draft.closes_on = None
    return do_save_survey(staff, draft)


# --- Answering -------------------------------------------------------------------------------


def new_browser_token() -> str:
    """The random token a browser keeps in a cookie to be recognised as having answered."""
    return secrets.token_urlsafe(32)


def browser_mark(survey: Survey, token: str) -> str:
    """The HMAC of a browser's token for one survey (keyed from SECRET_KEY): what is stored, never the token.

    Per survey, so the marks of two surveys cannot be matched with each other.
    """
    return salted_hmac("surveys.browser-mark", f"{survey.pk}:{token}", algorithm="sha256").hexdigest()


def has_answered(survey: Survey, token: str | None) -> bool:
    return bool(token) and BrowserMark.objects.filter(mark=browser_mark(survey, token or "")).exists()


def public_survey(slug: str) -> Survey:
    """The survey behind a public link, whatever its status; SurveyNotFound for an unknown link."""
    survey = Survey.objects.filter(slug=slug).first()
    if survey is None:
        raise SurveyNotFound
    return survey


@dataclass(frozen=True)
class CheckedAnswer:
    question: Question
    choices: tuple[Choice, ...] = ()
    scale_value: int | None = None
    text: str = ""


def check_answers(questions: Sequence[Question], raw: Mapping[int, list[str]]) -> list[CheckedAnswer]:
    """Every posted value against its question; raises SurveyInvalid keyed "q-<question id>".

    `raw` maps a question's id to the values posted for it (several for a
    multiple-choice question). An unanswered optional question gives no answer.
    """
    errors: dict[str, list[str]] = {}
    checked: list[CheckedAnswer] = []
    for question in questions:
        values = [v for v in raw.get(question.pk, []) if v.strip()]
        key = f"q-{question.pk}"
        if not values:
            if question.required:
                errors[key] = [
                    _("Write an answer.") if question.kind == Kind.TEXT else _("Choose an answer."),
                ]
            continue
        if question.kind == Kind.TEXT:
            text = values[0].strip()
            if len(values) > 1:
                errors[key] = [_("Send one answer.")]
            elif len(text) > ANSWER_MAX_CHARS:
                errors[key] = [
                    _("Your answer is too long. Write at most %(limit)s characters.") % {"limit": ANSWER_MAX_CHARS}
                ]
            else:
                checked.append(CheckedAnswer(question, text=text))
        elif question.kind == Kind.SCALE:
            value = values[0].strip()
            if len(values) > 1 or not value.isdigit() or not SCALE_MIN <= int(value) <= SCALE_MAX:
                errors[key] = [_("Choose a number from 1 to 5.")]
            else:
                checked.append(CheckedAnswer(question, scale_value=int(value)))
        else:
            by_id = {str(c.pk): c for c in question.choices.all()}
            chosen = [by_id.get(v.strip()) for v in dict.fromkeys(values)]
            if any(c is None for c in chosen) or (question.kind == Kind.SINGLE and len(chosen) > 1):
                errors[key] = [_("Choose from the list.")]
            else:
                checked.append(CheckedAnswer(question, choices=tuple(c for c in chosen if c is not None)))
    if errors:
        raise SurveyInvalid(errors)
    return checked


def survey_questions(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("choices"))


def do_submit_response(survey: Survey, raw: Mapping[int, list[str]], token: str) -> Response:
    """Store one browser's answers, all or nothing, in one transaction.

    Refused with SurveyClosed when the survey does not take answers now,
    SurveyInvalid when an answer breaks its question's rules, and
    AlreadyAnswered when this browser's mark for the survey is already stored
    (a courtesy against answering twice, not proof of anything).
    """
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if not locked.accepts_answers():
            raise SurveyClosed
        mark = browser_mark(locked, token)
        if BrowserMark.objects.filter(mark=mark).exists():
            raise AlreadyAnswered
        checked = check_answers(survey_questions(locked), raw)
        try:
            with transaction.atomic():
                BrowserMark.objects.create(mark=mark, survey=locked)
        except IntegrityError:
            raise AlreadyAnswered from None
        response = Response.objects.create(survey=locked, submitted_on=timezone.localdate())
        rows: list[Answer] = []
        for answer in checked:
            if answer.choices:
                rows.extend(Answer(response=response, question=answer.question, choice=c) for c in answer.choices)
            else:
                rows.append(
                    Answer(
                        response=response,
                        question=answer.question,
                        scale_value=answer.scale_value,
                        text=answer.text,
                    )
                )
        Answer.objects.bulk_create(rows)
    return response
