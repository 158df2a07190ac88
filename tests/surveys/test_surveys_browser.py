"""Surveys in a real browser: a supervisor builds one with the keyboard alone, a client answers it on a
360 px phone, and the results show "<5" for small cells. axe-core checks every page and state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from surveys.actions import do_save_survey
from surveys.models import Response, Survey
from tests.browser import NARROW, check_staff_page, watch_errors
from tests.surveys.helpers import youth_panel_draft

expect.set_options(timeout=10_000)


@pytest.fixture
def open_page(browser: Any, live: Any, staff_browser: Callable[..., Page]) -> Iterator[Callable[..., Page]]:
    """A 360 px page: a logged-in demo staff member's (`username`, tests.browser.staff_browser, allowed the
    clipboard for the copy button), or an anonymous client's, on a phone if `phone`."""
    contexts: list[Any] = []

    def opener(path: str, *, username: str = "", locale: str = "en-US", phone: bool = False) -> Page:
        if username:
            assert locale == "en-US" and not phone, "staff pages are read in English, on a computer"
            return staff_browser(username, path, permissions=["clipboard-read", "clipboard-write"])
        context = browser.new_context(locale=locale, viewport=NARROW, has_touch=phone, is_mobile=phone)
        contexts.append(context)
        page = context.new_page()
        watch_errors(page)
        page.goto(live.url + path)
        return page

    yield opener
    for context in contexts:
        context.close()


def press(page: Page, locator: Any, key: str = "Enter") -> None:
    """Put the focus on a control and press a key, as a keyboard user who tabbed there."""
    locator.focus()
    page.keyboard.press(key)


def test_a_supervisor_builds_a_survey_with_the_keyboard_and_a_client_answers_it_on_a_phone(
    open_page: Callable[..., Page], live: Any, demo: Any
) -> None:
    page = open_page("/surveys/", username="supervisor")
    check_staff_page(page, "survey list")
    press(page, page.get_by_role("link", name="New survey"))
    expect(page.get_by_role("heading", name="New survey", level=1)).to_be_visible()
    check_staff_page(page, "empty builder")

    page.get_by_label("Title").focus()
    page.keyboard.type("Syksyn nuorisopaneeli")
    # Enter on an "add" button adds the question and puts the focus in its text field.
    press(page, page.get_by_role("button", name="Add: Scale from 1 to 5"))
    expect(page.locator("#q-0-text")).to_be_focused()
    page.keyboard.type("Miten viihdyit?")
    press(page, page.get_by_role("button", name="Add: One choice"), " ")
    expect(page.locator("#q-1-text")).to_be_focused()
    page.keyboard.type("Mistä kuulit meistä?")
    page.keyboard.press("Tab")  # "An answer is required"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # choice 1
    page.keyboard.type("Koulusta")
    page.locator("#q-1-c-1").focus()
    page.keyboard.type("Kavereilta")
    press(page, page.get_by_role("button", name="Add a choice (question 2)"))
    expect(page.locator("#q-1-c-2")).to_be_focused()
    page.keyboard.type("Somesta")
    # Move the third choice up: the focus follows it to its new place.
    press(page, page.get_by_role("button", name="Up (choice 3)"))
    expect(page.locator("#q-1-c-1-choice-up")).to_be_focused()
    expect(page.locator("#q-1-c-1")).to_have_value("Somesta")
    expect(page.get_by_role("status").first).to_have_text("Choice moved to place 2.")
    check_staff_page(page, "builder with questions")
    # Saving with a question left empty shows the errors, linked from a summary that takes the focus.
    press(page, page.get_by_role("button", name="Add: Free text"))
    press(page, page.get_by_role("button", name="Save draft").first)
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Write the question.")
    check_staff_page(page, "builder with errors")
    page.locator("#q-2-text").focus()
    page.keyboard.type("Terveiset meille")
    press(page, page.get_by_role("button", name="Move up (question 3)"))
    expect(page.locator("#q-1-text")).to_have_value("Terveiset meille")
    # Enter in a text field saves (the form's first button), never moves or removes anything.
    page.get_by_label("Title").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Syksyn nuorisopaneeli", level=1)).to_be_visible()
    expect(page.get_by_text("The survey was saved.")).to_be_visible()
    survey = Survey.objects.get(title="Syksyn nuorisopaneeli")
    assert [q.text for q in survey.questions.all()] == ["Miten viihdyit?", "Terveiset meille", "Mistä kuulit meistä?"]
    assert [c.text for c in survey.questions.get(kind="single").choices.all()] == ["Koulusta", "Somesta", "Kavereilta"]
    check_staff_page(page, "survey page, draft")

    press(page, page.get_by_role("link", name="Preview"))
    expect(page.get_by_role("button", name="Send answers")).to_be_disabled()
    check_staff_page(page, "preview")
    page.go_back()
    press(page, page.get_by_role("button", name="Open for answers"))
    expect(page.get_by_text("The survey is open. Share its link.")).to_be_visible()
    link = page.locator("#share-link").input_value()
    assert link.endswith(f"/s/{survey.slug}/")
    press(page, page.get_by_role("button", name="Copy link"))
    expect(page.locator("#copy-status")).to_have_text("The link was copied.")
    check_staff_page(page, "survey page, open")

    # A client on a phone, in Finnish: a required question left out first.
    phone = open_page(f"/s/{survey.slug}/", locale="fi-FI", phone=True)
    expect(phone.get_by_role("heading", name="Syksyn nuorisopaneeli")).to_be_visible()
    check_staff_page(phone, "answering page")
    press(phone, phone.get_by_role("button", name="Lähetä vastaukset"))
    expect(phone.locator("#error-summary")).to_be_focused()
    expect(phone.locator("#error-summary")).to_contain_text("Kysymys 3: Valitse vastaus.")
    check_staff_page(phone, "answering page with an error")
    # Arrow keys move within a radio group, Space chooses.
    phone.locator(f"#q-{survey.questions.get(kind='scale').pk} input").first.focus()
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")
    phone.locator(f"#q-{survey.questions.get(kind='single').pk} input").nth(1).focus()
    phone.keyboard.press("Space")
    phone.get_by_label("Vastauksesi").focus()
    phone.keyboard.type("Kiva kysely!")
    press(phone, phone.get_by_role("button", name="Lähetä vastaukset"))
    expect(phone.get_by_role("heading", name="Kiitos!")).to_be_visible()
    check_staff_page(phone, "thank-you page")
    answers = Response.objects.get(survey=survey).answers
    assert answers.get(question__kind="scale").scale_value == 3
    assert str(answers.get(question__kind="single").choice) == "Somesta"
    # The same phone again: told kindly that it has answered.
    phone.goto(live.url + f"/s/{survey.slug}/")
    expect(phone.get_by_role("heading", name="Olet jo vastannut")).to_be_visible()
    check_staff_page(phone, "already answered")
    # The language links switch the page's own texts.
    press(phone, phone.get_by_role("link", name="Svenska"))
    expect(phone.get_by_role("heading", name="Du har redan svarat")).to_be_visible()

    # The results: one response, so every cell is "<5" and the free text is hidden.
    page.goto(live.url + f"/surveys/{survey.pk}/results/")
    expect(page.get_by_role("heading", name="Results: Syksyn nuorisopaneeli")).to_be_visible()
    expect(page.locator(".result-table td").first).to_have_text("<5")
    expect(page.get_by_text("Kiva kysely!")).to_have_count(0)
    expect(page.get_by_text("Free-text answers are shown when there are at least 5 responses.").first).to_be_visible()
    check_staff_page(page, "results")


def test_the_list_results_and_not_open_pages_pass_axe(open_page: Callable[..., Page], live: Any, demo: Any) -> None:
    """The demo survey's results as a counsellor reads them, and the page of a survey that is not open."""
    page = open_page("/surveys/", username="counsellor")
    press(page, page.get_by_role("link", name="Nuorisopaneelin syyskysely 2026"))
    expect(page.get_by_role("heading", name="Results: Nuorisopaneelin syyskysely 2026")).to_be_visible()
    expect(page.get_by_text("Hyvä että voi kirjoittaa nimettömänä.")).to_be_visible()
    expect(page.locator(".result-table td", has_text="<5").first).to_be_visible()
    check_staff_page(page, "results of the demo survey")
    draft = do_save_survey(demo.staff.supervisor, youth_panel_draft())
    phone = open_page(f"/s/{draft.slug}/?lang=sv", phone=True)
    expect(phone.get_by_role("heading", name="Enkäten är inte öppen")).to_be_visible()
    check_staff_page(phone, "not open")
