"""The brain editor in a real browser: accessibility (axe) in Finnish and English, and a 360 px screen."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.models import ExampleQuestion, Referral, Topic, TopicText
from demo.data import DEMO_PASSWORD
from tests.browser import run_axe

expect.set_options(timeout=10_000)

LOCALES = {"en": "en-US", "fi": "fi-FI"}


def seed_topic() -> None:
    topic = Topic.objects.create(slug="housing-rent", area="housing", status="published")
    TopicText.objects.create(topic=topic, language="fi", title="Vuokra", answer="Kysy **Kelasta** asumistukea.")
    for text in ("miten saan asumistukea", "vuokra on liian kallis"):
        ExampleQuestion.objects.create(topic=topic, language="fi", text=text)
    Referral.objects.create(topic=topic, language="fi", name="Kela", url="https://www.kela.fi")


def editor_page(browser: Any, live: Any, lang: str, **options: Any) -> tuple[Any, Page, list[str]]:
    """Log the demo editor in through the login form."""
    context = browser.new_context(locale=LOCALES[lang], **options)
    page = context.new_page()
    problems: list[str] = []
    # Content Security Policy refusals and script errors; a missing favicon is not a problem.
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live.url + "/staff/login/?next=/brain/")
    page.locator("#id_username").fill("editor")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/brain/$"))
    return context, page, problems


@contextmanager
def editor_session(browser: Any, live: Any, lang: str, **options: Any) -> Iterator[Page]:
    """A page with the demo editor logged in; closed at the end, with no CSP refusal or script error."""
    context, page, problems = editor_page(browser, live, lang, **options)
    try:
        yield page
        assert not problems, problems
    finally:
        context.close()


@contextmanager
def editor_session_in(browser: Any, live: Any, lang: str) -> Iterator[Page]:
    """``editor_session`` in ``lang``: the browser logs in in Finnish or English, Swedish is chosen with the switch."""
    with editor_session(browser, live, "fi" if lang == "sv" else lang) as page:
        if lang == "sv":
            page.locator("#lang-select-top").select_option("sv")
            page.locator(".topbar .lang-form button[type=submit]").click()
            expect(page.locator("html")).to_have_attribute("lang", "sv")
        yield page


def assert_fit_360(page: Page, live: Any, paths: Iterable[str], then: Callable[[str], object] | None = None) -> None:
    """Open each path on a 360 px wide page, check that nothing is wider, then call `then` with the path."""
    for path in paths:
        page.goto(live.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide at 360px"
        if then is not None:
            then(path)


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_brain_editor_accessibility(lang: str, browser: Any, live: Any, demo: Any) -> None:
    seed_topic()
    with editor_session(browser, live, lang) as page:
        assert page.locator("html").get_attribute("lang") == lang
        expect(page.locator("table")).to_contain_text("Vuokra")
        run_axe(page, label=f"brain list ({lang})")

        page.locator("#id_q").fill("asumistukea")
        page.locator("#id_q").press("Enter")
        expect(page).to_have_url(re.compile(r"q=asumistukea"))
        expect(page.locator("table")).to_contain_text("Vuokra")

        page.locator("table a", has_text="Vuokra").click()
        expect(page).to_have_url(re.compile(r"/brain/housing-rent/$"))
        expect(page.locator(".answer-preview strong")).to_have_text("Kelasta")
        run_axe(page, label=f"brain edit ({lang})")

        page.locator("#id_text-fi-answer").fill("")
        page.locator("form.topic-form button[type=submit]").click()
        expect(page.locator(".form-error")).to_be_visible()
        run_axe(page, label=f"brain edit with errors ({lang})")

        page.goto(live.url + "/brain/try/")
        run_axe(page, label=f"try the bot ({lang})")
        page.locator("#id_text").fill("vuokra on liian kallis")
        page.locator("#id_text").press("Enter")
        expect(page.locator(".try-facts")).to_contain_text("housing-rent")
        run_axe(page, label=f"try the bot with an answer ({lang})")


def test_brain_editor_fits_a_360_px_screen(browser: Any, live: Any, demo: Any) -> None:
    seed_topic()
    with editor_session(browser, live, "fi", viewport={"width": 360, "height": 740}) as page:
        assert_fit_360(page, live, ("/brain/", "/brain/housing-rent/", "/brain/try/?text=vuokra+on+kallis"))
