"""The crisis signals page in a real browser: axe in Finnish, Swedish and English, the keyboard, a 360 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.cache import get_bot
from bot.models import ExampleQuestion, Topic, TopicText
from tests.bot.test_brain_editor_browser import assert_fit_360, editor_session, editor_session_in
from tests.browser import run_axe


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_signals_page_is_accessible_and_works_with_the_keyboard(
    lang: str, browser: Any, live: Any, demo: Any
) -> None:
    get_bot()  # built before the page asks for it (seconds), so the form's answer comes in time
    with editor_session_in(browser, live, lang) as page:
        # From the editor's navigation, by the keyboard.
        link = page.locator(".page-head a[href='/brain/signals/']")
        link.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/brain/signals/$"))
        assert page.locator("html").get_attribute("lang") == lang
        expect(page.locator("#sign-wish_to_die code").first).to_be_visible()
        run_axe(page, label=f"crisis signals ({lang})")

        page.locator("#id_text").fill("haluun kuolla")
        page.locator("#id_text").press("Enter")
        expect(page).to_have_url(re.compile(r"text=haluun"))
        result = page.locator("#check-result")
        expect(result).to_be_focused()  # a keyboard or screen reader user lands on the result
        expect(result.locator("a[href='#sign-wish_to_die']")).to_be_visible()
        run_axe(page, label=f"crisis signals with a result ({lang})")

        # The sign's link in the result leads to its phrases.
        result.locator("a[href='#sign-wish_to_die']").first.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"#sign-wish_to_die$"))


def test_the_signals_page_fits_a_360_px_screen(browser: Any, live: Any, demo: Any) -> None:
    get_bot()
    with editor_session(browser, live, "fi", viewport={"width": 360, "height": 740}) as page:
        assert_fit_360(
            page, live, ("/brain/signals/", "/brain/signals/?text=haluun+vaan+kuolla+t%C3%A4n%C3%A4%20y%C3%B6n%C3%A4")
        )


def test_the_crisis_topic_and_the_signals_page_point_to_each_other(browser: Any, live: Any, demo: Any) -> None:
    crisis = Topic.objects.create(slug="crisis", area="special", status="published")
    TopicText.objects.create(topic=crisis, language="fi", title="Kriisissä nyt", answer="Soita 112.")
    ExampleQuestion.objects.create(topic=crisis, language="fi", text="haluun kuolla")
    with editor_session(browser, live, "fi") as page:
        page.goto(live.url + "/brain/crisis/")
        link = page.locator("main .notice a[href='/brain/signals/']")
        expect(link).to_be_visible()
        run_axe(page, label="the crisis topic's edit page")
        link.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/brain/signals/$"))
        page.locator("main a[href='/brain/crisis/']").click()
        expect(page).to_have_url(re.compile(r"/brain/crisis/$"))
