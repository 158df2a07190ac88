"""The words page in a real browser: axe in Finnish, Swedish and English, the keyboard, a 360 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.bot.test_brain_editor_browser import assert_fit_360, editor_session, editor_session_in
from tests.browser import run_axe


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_words_page_is_accessible_and_works_with_the_keyboard(
    lang: str, browser: Any, live: Any, demo: Any
) -> None:
    with editor_session_in(browser, live, lang) as page:
        # From the editor's navigation, by the keyboard: the link comes right after the signals page's.
        signals = page.locator(".page-head a[href='/brain/signals/']")
        signals.focus()
        page.keyboard.press("Tab")
        link = page.locator(".page-head a[href='/brain/words/']")
        expect(link).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/brain/words/$"))
        assert page.locator("html").get_attribute("lang") == lang
        heading = {"fi": "Sanat, jotka botti tuntee", "sv": "Ord som botten känner", "en": "Words the bot knows"}
        expect(page.locator("h1")).to_have_text(heading[lang])
        duuni = page.locator("#synonyms-fi tbody th", has_text=re.compile(r"^duuni$"))
        expect(duuni).to_be_visible()
        expect(page.locator("#synonyms-sv caption")).to_be_visible()
        # Every table has a caption and column headers.
        assert page.locator("table.word-table").count() == page.locator("table.word-table caption").count() == 5
        assert run_axe(page, label=f"words ({lang})") == []

        # The search, by the keyboard: type, Enter; the lists show the lines with the word.
        page.locator("#id_q").focus()
        page.keyboard.type("duuni")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"\?q=duuni$"))
        expect(duuni).to_be_visible()
        expect(page.locator("#synonyms-fi tbody th", has_text=re.compile(r"^kämppä$"))).to_have_count(0)
        expect(page.locator("#synonyms-en tbody td[colspan='2']")).to_be_visible()  # no English line has it
        assert run_axe(page, label=f"words with a search ({lang})") == []

        # The contents lead to a list by the keyboard.
        page.locator("a[href='#synonyms-en']").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"#synonyms-en$"))


def test_the_words_page_fits_a_360_px_screen(browser: Any, live: Any, demo: Any) -> None:
    with editor_session(browser, live, "fi", viewport={"width": 360, "height": 740}) as page:
        assert_fit_360(page, live, ("/brain/words/", "/brain/words/?q=duuni", "/brain/words/?q=" + "x" * 100))
