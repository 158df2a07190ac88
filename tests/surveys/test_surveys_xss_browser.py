"""Hostile text in surveys rendered in Chromium: every XSS payload of tests/security/test_xss_browser.py as a
survey's title, introduction, questions, choices, scale words and free-text answers, on the public page, the
preview, the builder, the list, the survey's page and the results; with the CSP on and bypassed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from surveys.actions import (
    QuestionDraft,
    SurveyDraft,
    do_open_survey,
    do_save_survey,
    do_submit_response,
    new_browser_token,
)
from surveys.models import Kind
from tests.security.test_xss_browser import PAYLOADS, Browsers, kept, short

expect.set_options(timeout=10_000)


@pytest.fixture(params=["csp", "bypass_csp"])
def browsers(request: Any, browser: Any, live: Any, demo: Any) -> Iterator[Browsers]:
    made = Browsers(browser, live, bypass_csp=request.param == "bypass_csp")
    yield made
    made.close()


def hostile_draft(title: str) -> SurveyDraft:
    # Distinct choices, as the builder's rule wants them (case ignored).
    choices = list({text.casefold(): text for text in reversed(short(200))}.values())[:20]
    labels = short(60)
    return SurveyDraft(
        title=title,
        intro="\n".join(kept(p) for p in PAYLOADS)[:2000],
        language="en",
        questions=[
            QuestionDraft(Kind.SCALE, kept(payload), False, labels[n % len(labels)], labels[(n + 1) % len(labels)])
            for n, payload in enumerate(PAYLOADS[:10])
        ]
        + [
            QuestionDraft(Kind.SINGLE, "One", False, choices=choices),
            QuestionDraft(Kind.MULTIPLE, "Several", False, choices=choices),
            QuestionDraft(Kind.TEXT, "Free", False),
        ],
    )


def test_survey_payloads_are_text_on_every_survey_page(browsers: Browsers, live: Any, demo: Any) -> None:
    supervisor = demo.staff.supervisor
    title = short(200)[0]
    survey = do_open_survey(supervisor, do_save_survey(supervisor, hostile_draft(title)))
    draft = do_save_survey(supervisor, hostile_draft(short(200)[1]))
    free = survey.questions.get(kind=Kind.TEXT)
    for payload in PAYLOADS:  # more than 5 responses: the free texts are shown
        do_submit_response(survey, {free.pk: [kept(payload)]}, new_browser_token())

    client = browsers.page()
    client.page.goto(live.url + f"/s/{survey.slug}/")
    expect(client.page.get_by_role("heading", level=1)).to_have_text(title)
    client.check("the public page")
    client.page.get_by_label("Your answer").fill(kept(PAYLOADS[0]))
    client.page.get_by_role("button", name="Send answers").click()
    expect(client.page.get_by_role("heading", name="Thank you!")).to_be_visible()
    client.check("the thank-you page")

    staff = browsers.staff("supervisor")
    for path, label in (
        ("/surveys/", "the list"),
        (f"/surveys/{survey.pk}/", "the survey's page"),
        (f"/surveys/{survey.pk}/preview/", "the preview"),
        (f"/surveys/{draft.pk}/edit/", "the builder"),
        (f"/surveys/{survey.pk}/results/", "the results"),
    ):
        staff.page.goto(live.url + path)
        staff.check(label)
    # The free texts are there, as text.
    expect(staff.page.locator(".free-texts li", has_text="<script>window.__xss=1</script>").first).to_be_visible()
