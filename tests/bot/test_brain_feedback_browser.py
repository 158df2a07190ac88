"""The unanswered questions page in a real browser: axe in Finnish and English, keyboard use, a 360 px screen."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.cache import get_bot
from bot.feedback import do_record_unanswered
from bot.models import AnswerVote, ExampleQuestion, Topic, TopicText, UnansweredQuestion
from tests.bot.test_brain_editor_browser import assert_fit_360, editor_session
from tests.browser import run_axe

expect.set_options(timeout=10_000)

MOULD = "kämpässä on hometta ja isäntä ei tee mitään"
# Set to a directory to keep screenshots of the pages for a human look.
SCREENSHOTS = os.environ.get("BRAIN_SCREENSHOTS", "")


def seed() -> None:
    topic = Topic.objects.create(slug="housing-rent", area="housing", status="published")
    TopicText.objects.create(topic=topic, language="fi", title="Vuokra", answer="Kysy **Kelasta** asumistukea.")
    TopicText.objects.create(topic=topic, language="en", title="Rent", answer="Ask Kela about housing allowance.")
    for text in ("miten saan asumistukea", "vuokra on liian kallis"):
        ExampleQuestion.objects.create(topic=topic, language="fi", text=text)
    job = Topic.objects.create(slug="work-jobsearch", area="work", status="published")
    TopicText.objects.create(topic=job, language="fi", title="Työnhaku", answer="Ilmoittaudu työnhakijaksi.")
    ExampleQuestion.objects.create(topic=job, language="fi", text="miten haen töitä")
    for _ in range(3):
        do_record_unanswered(MOULD, "fi", "housing-rent")
    do_record_unanswered("soita 040 123 4567 onko nuorisotalo auki kesällä", "fi")
    do_record_unanswered("where can I swim for free in the summer", "en", "work-jobsearch")
    AnswerVote.objects.create(topic="housing-rent", language="fi", helpful=True)
    AnswerVote.objects.create(topic="housing-rent", language="fi", helpful=False)


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_unanswered_questions_accessibility(lang: str, browser: Any, live: Any, demo: Any) -> None:
    seed()
    with editor_session(browser, live, lang) as page:
        page.locator("a[href='/brain/unanswered/']").click()
        expect(page).to_have_url(re.compile(r"/brain/unanswered/$"))
        expect(page.locator("table")).to_contain_text(MOULD)
        expect(page.locator("table")).to_contain_text("[number]")
        shot(page, f"unanswered-{lang}")
        run_axe(page, label=f"unanswered questions ({lang})")

        page.locator("#id_lang").select_option("en")
        page.locator("form.brain-filter button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"lang=en"))
        expect(page.locator("table")).not_to_contain_text(MOULD)
        run_axe(page, label=f"unanswered questions in English ({lang})")

        page.goto(live.url + "/brain/unanswered/")
        question = UnansweredQuestion.objects.get(text=MOULD)
        # Not a confident match, so no topic is chosen yet: the editor finds it by typing its title.
        picker = page.locator(f"#question-{question.pk} [role=combobox]")
        expect(picker).to_have_value("")
        picker.fill("vuok")
        picker.press("ArrowDown")
        run_axe(page, label=f"unanswered questions, topic search open ({lang})")
        picker.press("Enter")
        page.locator(f"#question-{question.pk} button.primary").click()
        expect(page.locator(".messages")).to_contain_text(MOULD)
        expect(page.locator("div.message[role=status]")).to_be_focused()
        expect(page.locator("table")).not_to_contain_text(MOULD)
        shot(page, f"unanswered-added-{lang}")
        run_axe(page, label=f"unanswered questions after an add ({lang})")

        other = UnansweredQuestion.objects.get(language="en")
        page.locator(f"#question-{other.pk} [role=combobox]").fill("")
        page.locator(f"#question-{other.pk} button.primary").click()
        expect(page.locator(".form-error")).to_be_focused()
        run_axe(page, label=f"unanswered questions with an error ({lang})")
    assert ExampleQuestion.objects.filter(topic__slug="housing-rent", language="fi", text=MOULD).exists()
    assert get_bot().answer(MOULD, "fi").topic == "housing-rent"


def test_unanswered_questions_by_keyboard_only(browser: Any, live: Any, demo: Any) -> None:
    """Tab to a row's topic search, type, choose with the arrow keys and Enter, add with Enter; dismiss with Space."""
    seed()
    with editor_session(browser, live, "en") as page:
        page.goto(live.url + "/brain/unanswered/")
        question = UnansweredQuestion.objects.get(text=MOULD)
        search = page.locator(f"#question-{question.pk} [role=combobox]")
        for _ in range(40):
            page.keyboard.press("Tab")
            if search.evaluate("el => el === document.activeElement"):
                break
        expect(search).to_be_focused()
        page.keyboard.type("vuok")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(search).to_have_value("Rent")  # its title in the editor's language
        page.keyboard.press("Tab")
        expect(page.locator(f"#question-{question.pk} button.primary")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("div.message[role=status]")).to_be_focused()
        expect(page.locator(".messages")).to_contain_text("is now an example question of the topic Rent")

        english = UnansweredQuestion.objects.get(language="en")
        page.locator(f"#question-{english.pk} [role=combobox]").focus()
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        dismiss = page.locator(f"#question-{english.pk} button:not(.primary)")
        expect(dismiss).to_be_focused()
        page.keyboard.press("Space")
        expect(page.locator(".messages")).to_contain_text("was dismissed")
        assert not UnansweredQuestion.objects.filter(language="en").exists()


def test_unanswered_questions_fit_a_360_px_screen(browser: Any, live: Any, demo: Any) -> None:
    seed()
    with editor_session(browser, live, "fi", viewport={"width": 360, "height": 740}) as page:
        paths = ("/brain/unanswered/", "/brain/", "/brain/housing-rent/")
        assert_fit_360(page, live, paths, then=lambda path: shot(page, "360" + path.replace("/", "-")))
        page.goto(live.url + "/brain/unanswered/")
        # The table itself fits too, so nothing hides behind a sideways scroll.
        wrap = page.locator(".table-wrap").first
        assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table scrolls sideways at 360px"
