"""A Swedish and an English client read the whole chat in their language, in a real browser:
the desks, the chatbot's greeting, the system lines (the desk's name filled in by the page) and times."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.data import DESKS
from tests.support.demo import DESK_NAMES
from tests.widget.test_client_browser import send

expect.set_options(timeout=10_000)

PAGE = {
    # lang: (browser locale, "Ask the chatbot", "You started a chat: ...", a word of the greeting,
    #        "in the queue", the message box's label)
    "sv": (
        "sv-FI",
        "Fråga chattboten",
        "Du startade en chatt: Ungdomschatten.",
        "chattboten",
        "Du står nu i kön till linjen Ungdomschatten.",
        "Ditt meddelande",
    ),
    "en": (
        "en-GB",
        "Ask the chatbot",
        "You started a chat: Youth chat.",
        "chatbot",
        "You are now in the queue for Youth chat.",
        "Your message",
    ),
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_client_reads_the_chat_in_their_language(new_page: Any, live: Any, axe_check: Any, lang: str) -> None:
    locale, ask, started, greeting_word, queued, box = PAGE[lang]
    page = new_page(locale=locale, timezone_id="Europe/Helsinki")
    page.goto(f"{live.url}/?lang={lang}")
    headings = page.locator("h3.k-desk-name")
    expect(headings).to_have_text([DESK_NAMES[desk.slug][lang] for desk in DESKS])
    youth = next(desk for desk in DESKS if desk.slug == "youth")
    expect(page.locator("li.k-desk").first).to_contain_text(youth.description[lang])
    expect(page.get_by_text("Nuorten chat")).to_have_count(0)
    axe_check(page, label=f"start {lang}")

    page.locator("li.k-desk").first.get_by_role("button", name=ask).click()
    expect(page.get_by_text(started)).to_be_visible()
    greeting = page.locator("#k-log li.k-msg--bot").first
    expect(greeting).to_contain_text(DESK_NAMES["youth"][lang])
    expect(greeting).to_contain_text(greeting_word)
    expect(greeting).not_to_contain_text("Hei")

    send(page, "jag vill prata med en människa" if lang == "sv" else "I want to talk to a person", label=box)
    expect(page.get_by_text(queued)).to_be_visible()
    # The times beside the lines: a 24-hour clock, "14.05" in Swedish and "14:05" in English.
    time = page.locator("#k-log li.k-msg--client time").first
    expect(time).to_have_text(re.compile(r"^\d\d\.\d\d$" if lang == "sv" else r"^\d\d:\d\d$"))
    axe_check(page, label=f"chat {lang}")
