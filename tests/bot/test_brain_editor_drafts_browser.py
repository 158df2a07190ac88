"""The brain editor's whole way from a title to a published answer, in a real browser.

A youth worker creates a topic by its title, writes the answer and sees it as
clients will, picks a follow-up by typing, moves between the language tabs
with the keyboard, saves a draft the bot does not use, publishes it (the bot
answers at once, no restart), reads the history's differences, takes an older
version back, and archives and restores the topic. axe-core finds nothing in
any of these states, and the pages fit a 360 px screen.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from bot.models import ExampleQuestion, Topic, TopicText, UnansweredQuestion
from tests.bot.test_brain_editor_browser import assert_fit_360, editor_session, editor_session_in, seed_topic
from tests.browser import run_axe

expect.set_options(timeout=10_000)

QUESTION = "tarvitsenko verokortin kesätöihin"


def seed_job_topic() -> None:
    job = Topic.objects.create(slug="work-jobsearch", area="work", status="published")
    TopicText.objects.create(topic=job, language="fi", title="Työnhaku", answer="Ilmoittaudu työnhakijaksi.")
    ExampleQuestion.objects.create(topic=job, language="fi", text="miten haen töitä")


def no_violations(page: Page, label: str) -> None:
    violations = run_axe(page, label=label)
    assert violations == [], f"{label}: {[v['id'] for v in violations]}"


def bot_answers_with(page: Page, live: Any, slug: str) -> bool:
    """What /brain/try/ says the bot answers the question with, as a client would get it."""
    page.goto(live.url + "/brain/try/?lang=fi&text=" + QUESTION.replace(" ", "+"))
    expect(page.locator(".try-facts")).to_be_visible()
    return slug in (page.locator(".try-facts dd").first.text_content() or "")


def test_create_preview_draft_publish_history_revert_archive(browser: Any, live: Any, demo: Any) -> None:
    seed_topic()
    seed_job_topic()
    with editor_session(browser, live, "en") as page:
        page.goto(live.url + "/brain/new/")
        no_violations(page, "new topic")
        page.locator("#id_area").fill("work")

        # The answer's preview, rendered by the server as clients see it, with the referral card.
        page.locator("#id_text-fi-title").fill("Kesätyöt ja verokortti")
        page.locator("#id_text-fi-answer").fill("Tilaa **verokortti** OmaVerosta.")
        preview = page.locator("#panel-fi .answer-preview")
        expect(preview.locator("strong")).to_have_text("verokortti")
        page.locator("#id_r-fi-0-name").fill("Verohallinto")
        page.locator("#id_r-fi-0-url").fill("https://www.vero.fi")
        expect(preview.locator(".k-help a")).to_have_attribute("href", "https://www.vero.fi")
        page.locator("#id_q-fi-0-text").fill(QUESTION)

        # A follow-up found by typing part of its title, chosen with the keyboard.
        search = page.get_by_role("combobox", name="Follow-up topics")
        search.fill("työn")
        expect(page.get_by_role("option", name="Työnhaku (fi)")).to_be_visible()
        no_violations(page, "new topic, topic search open")
        search.press("ArrowDown")
        search.press("Enter")
        expect(page.locator(".picker-chip")).to_have_text(re.compile("Työnhaku"))
        expect(page.locator(".picker-list")).to_be_hidden()

        # The language tabs: the others are marked as missing their texts; arrows move between them.
        fi_tab = page.get_by_role("tab", name=re.compile("Finnish"))
        expect(fi_tab).to_have_attribute("aria-selected", "true")
        sv_tab = page.get_by_role("tab", name=re.compile("Swedish"))
        expect(sv_tab).to_contain_text("answer missing")
        fi_tab.focus()
        page.keyboard.press("ArrowRight")
        expect(sv_tab).to_be_focused()
        expect(sv_tab).to_have_attribute("aria-selected", "true")
        expect(page.locator("#panel-sv")).to_be_visible()
        expect(page.locator("#panel-fi")).to_be_hidden()
        no_violations(page, "new topic, Swedish tab")
        # The marks follow the writing.
        page.locator("#id_text-sv-title").fill("Sommarjobb")
        expect(sv_tab).not_to_contain_text("title missing")
        expect(sv_tab).to_contain_text("answer missing")
        page.locator("#id_text-sv-title").fill("")
        expect(sv_tab).to_contain_text("title missing")
        sv_tab.focus()
        page.keyboard.press("ArrowLeft")
        expect(fi_tab).to_have_attribute("aria-selected", "true")

        # Saved as a draft: its slug made from the title; the bot does not answer with it.
        page.locator("form.topic-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/brain/kesatyot-ja-verokortti/$"))
        expect(page.locator(".messages")).to_contain_text("The draft was saved")
        expect(page.get_by_role("heading", level=1)).to_have_text("Kesätyöt ja verokortti (fi)")  # no English title yet
        no_violations(page, "draft saved")
        assert not bot_answers_with(page, live, "kesatyot-ja-verokortti")

        # Published: the bot answers with it now, without a restart.
        page.goto(live.url + "/brain/kesatyot-ja-verokortti/")
        page.get_by_role("button", name="Publish").click()
        expect(page.locator(".messages")).to_contain_text("Published.")
        no_violations(page, "published")
        assert bot_answers_with(page, live, "kesatyot-ja-verokortti")

        # A change waits as a draft beside the published version.
        page.goto(live.url + "/brain/kesatyot-ja-verokortti/")
        page.locator("#id_text-fi-answer").fill("Tilaa **muutosverokortti** OmaVerosta heti.")
        page.locator("form.topic-form button[type=submit]").click()
        expect(page.locator(".topic-state")).to_contain_text("Unpublished changes")
        assert bot_answers_with(page, live, "kesatyot-ja-verokortti")

        # The history: the differences between the draft and the published version, word by word.
        page.goto(live.url + "/brain/kesatyot-ja-verokortti/history/")
        diff = page.locator("section.diff")
        expect(diff).to_contain_text("Changes from version 2 to version 3")
        expect(diff.locator("ins").first).to_contain_text("muutosverokortti")
        expect(diff.locator("del").first).to_contain_text("verokortti")
        no_violations(page, "history")

        # One step back: the first version becomes the draft.
        page.get_by_role("button", name=re.compile(r"Take back as the draft\W+Version 1$")).click()
        expect(page).to_have_url(re.compile(r"/brain/kesatyot-ja-verokortti/$"))
        # Version 1 is what clients see, so the draft is gone rather than kept.
        expect(page.locator(".messages")).to_contain_text("this is again the version clients see")
        expect(page.locator("#id_text-fi-answer")).to_have_value("Tilaa **verokortti** OmaVerosta.")
        expect(page.locator(".picker-chip")).to_have_text([re.compile("Työnhaku")])
        expect(page.locator(".topic-state")).to_contain_text("Published")

        # Archived: out of the bot and the list; restored: back.
        page.get_by_role("button", name="Archive", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("Archived.")
        no_violations(page, "archived")
        page.goto(live.url + "/brain/")
        expect(page.locator("table")).not_to_contain_text("Kesätyöt ja verokortti")
        assert not bot_answers_with(page, live, "kesatyot-ja-verokortti")
        page.goto(live.url + "/brain/?status=archived")
        page.get_by_role("link", name="Kesätyöt ja verokortti").click()
        page.get_by_role("button", name="Restore").click()
        expect(page.locator(".messages")).to_contain_text("Restored.")
        assert bot_answers_with(page, live, "kesatyot-ja-verokortti")


def test_unanswered_question_added_by_searching_a_title(browser: Any, live: Any, demo: Any) -> None:
    seed_topic()
    UnansweredQuestion.objects.create(language="fi", text="kämppä on liian kallis", normalised="k")
    with editor_session(browser, live, "en") as page:
        page.goto(live.url + "/brain/unanswered/")
        search = page.get_by_role("combobox", name=re.compile("Topic for"))
        search.fill("vuok")
        search.press("ArrowDown")
        no_violations(page, "unanswered, topic search open")
        search.press("Enter")
        expect(search).to_have_value("Vuokra (fi)")
        page.get_by_role("button", name="Add as example question").click()
        expect(page.locator("[role=status]").first).to_contain_text("is now an example question")
        assert ExampleQuestion.objects.filter(topic__slug="housing-rent", text="kämppä on liian kallis").exists()


def test_the_editor_pages_fit_a_360_px_screen(browser: Any, live: Any, demo: Any) -> None:
    seed_topic()
    with editor_session(browser, live, "fi", viewport={"width": 360, "height": 740}) as page:
        page.goto(live.url + "/brain/housing-rent/")
        page.locator("#id_text-fi-answer").fill("Kysy **Kelasta** asumistukea nyt.")
        page.locator("form.topic-form button[type=submit]").click()
        expect(page.locator(".topic-state")).to_be_visible()
        no_violations(page, "draft at 360 px (fi)")
        assert_fit_360(page, live, ("/brain/new/", "/brain/housing-rent/", "/brain/housing-rent/history/"))


def test_the_draft_and_the_history_in_swedish(browser: Any, live: Any, demo: Any) -> None:
    seed_topic()
    with editor_session_in(browser, live, "sv") as page:
        page.goto(live.url + "/brain/housing-rent/")
        # Only a Finnish title: shown, and marked as Finnish.
        expect(page.get_by_role("heading", level=1)).to_have_text("Vuokra (fi)")
        expect(page.get_by_role("tab", name=re.compile("Svenska"))).to_contain_text("svar saknas")
        page.locator("#id_text-fi-answer").fill("Kysy **Kelasta** asumistukea heti.")
        expect(page.locator("#panel-fi .answer-preview strong")).to_have_text("Kelasta")
        page.locator("form.topic-form button[type=submit]").click()
        expect(page.locator(".messages")).to_contain_text("Utkastet sparades")
        expect(page.locator(".topic-state")).to_contain_text("Opublicerade ändringar")
        no_violations(page, "draft (sv)")
        page.get_by_role("link", name="Historik och skillnader").click()
        expect(page.locator("section.diff ins").first).to_contain_text("heti")
        no_violations(page, "history (sv)")
