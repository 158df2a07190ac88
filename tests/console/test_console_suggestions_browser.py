"""Suggestions while chatting, in the staff console in a real browser.

The counsellor opens a conversation and sees the chatbot's topics for the
client's latest lines beside it; "Insert" puts a topic's answer and referrals
into the reply box, where it can be edited, and nothing reaches the client until
the counsellor sends it. A line with a crisis sign shows the sign by name and
the words that matched. A supervisor watching sees the suggestions without the
Insert buttons. Keyboard, 360 px, Finnish and axe are checked on the way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from bot.cache import get_bot
from tests.browser import run_axe
from tests.chat_helpers import Chat
from tests.console.test_console_browser import (  # noqa: F401  (fixtures used by name)
    assert_no_page_errors,
    chat,
    client_bodies,
    new_context,
    no_horizontal_scroll,
    pane,
    staff_page,
    start_client,
    take,
    wait_client_message,
)

NARROW = {"width": 360, "height": 740}
HOUSING = "Tuki asumiseen (Kela)"


def suggestions_panel(view: Any, name: str = "Suggestions") -> Any:
    return view.get_by_role("region", name=name)


def test_the_counsellor_inserts_a_suggestion_edits_it_and_sends_it(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    get_bot()  # built before the first line: the server runs in this process
    page = staff_page("counsellor")
    client, conversation = start_client(chat, "Mimi", "paljonko asumistukea saa")
    view = take(page, "Mimi", conversation)

    panel = suggestions_panel(view)
    topic = panel.get_by_role("listitem").filter(has=page.get_by_role("heading", name=HOUSING))
    expect(topic).to_be_visible()
    expect(panel.locator(".suggest-topic").first.get_by_role("heading")).to_have_text(HOUSING)
    expect(topic.locator(".suggest-answer")).to_contain_text("Asumisen tukea haetaan Kelasta")
    expect(topic.locator(".suggest-answer")).not_to_contain_text("**")
    expect(topic.locator(".suggest-referrals")).to_contain_text("Kela – yleinen asumistuki, https://www.kela.fi")
    link = topic.locator(".suggest-referrals a").first
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(panel.locator(".suggest-signals")).to_be_hidden()

    # A long answer is shortened until asked, with the keyboard too.
    more = topic.get_by_role("button", name="Show all")
    more.focus()
    page.keyboard.press("Enter")
    expect(topic.get_by_role("button", name="Show less")).to_have_attribute("aria-expanded", "true")

    # Insert: the answer and its referrals go into the reply box, and nothing is sent.
    composer = view.get_by_label("Message to the client")
    topic.get_by_role("button", name=f"Insert: {HOUSING}").click()
    expect(composer).to_be_focused()
    inserted = composer.input_value()
    assert inserted.startswith("Asumisen tukea haetaan Kelasta, ja tuki riippuu siitä, opiskeletko:\n\n- Opiskelija:")
    assert "**" not in inserted and "<" not in inserted
    assert inserted.endswith(
        "\n\nKela – opintotuen asumislisä, https://www.kela.fi/opintotuki\nKela – yleinen asumistuki, https://www.kela.fi"
    )
    client.drain(0.5)
    assert client_bodies(client, conversation) == []

    # The counsellor edits it and sends it: the client gets the edited text.
    composer.press("Control+Home")
    composer.type("Hei Mimi! ")
    composer.press("Enter")
    wait_client_message(client, conversation, "Hei Mimi! " + inserted)
    expect(composer).to_have_value("")

    # A crisis line: its sign by name and the words that matched, above the topics.
    client.say(conversation, "haluun kuolla")
    signals = panel.locator(".suggest-signals")
    expect(signals).to_be_visible()
    expect(signals).to_contain_text("Crisis signs in the latest messages")
    wish = signals.get_by_role("listitem").filter(has_text="Wish to die")
    expect(wish).to_contain_text("“haluun kuolla”")
    run_axe(page, label="console with suggestions and crisis signs")
    assert_no_page_errors(page)


def test_suggestions_in_finnish_at_360_px_by_keyboard_and_for_a_supervisor_watching(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    get_bot()
    page = staff_page("counsellor", "fi", viewport=NARROW)
    client, conversation = start_client(chat, "Mimi", "paljonko asumistukea saa")
    page.get_by_role("button", name="Ota Mimi", exact=True).click()
    view = pane(page, conversation)
    composer = view.get_by_label("Viesti asiakkaalle")
    expect(composer).to_be_focused()
    panel = suggestions_panel(view, "Ehdotukset")
    expect(panel.get_by_role("heading", name=HOUSING)).to_be_visible()
    no_horizontal_scroll(page)

    # From the reply box to the panel by keyboard: visible focus, and Insert with Enter.
    insert = panel.get_by_role("button", name=f"Lisää: {HOUSING}")
    for _ in range(20):
        page.keyboard.press("Tab")
        if insert.evaluate("button => button === document.activeElement"):
            break
    expect(insert).to_be_focused()
    assert insert.evaluate("button => getComputedStyle(button).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(composer).to_be_focused()
    expect(composer).to_have_value(re.compile(r"^Asumisen tukea haetaan Kelasta"))
    client.drain(0.3)
    assert client_bodies(client, conversation) == []

    # A new line from the client refreshes the panel by itself.
    client.say(conversation, "haluun kuolla")
    signals = panel.locator(".suggest-signals")
    expect(signals).to_contain_text("Kriisin merkkejä viimeisimmissä viesteissä")
    expect(signals.get_by_role("listitem").filter(has_text="Kuolemantoive")).to_contain_text("”haluun kuolla”")
    no_horizontal_scroll(page)
    run_axe(page, label="console with suggestions (fi, 360 px)")

    # A supervisor watching sees the suggestions but has nothing to insert them into.
    supervisor = staff_page("supervisor")
    live = supervisor.get_by_role("region", name="Live conversations")
    live.get_by_role("listitem").filter(has_text="Mimi").get_by_role("button", name="Watch Mimi").click()
    watched = pane(supervisor, conversation)
    expect(watched.locator(".badge-watching")).to_be_visible()
    watched_panel = suggestions_panel(watched)
    expect(watched_panel.locator(".suggest-signals")).to_contain_text("Wish to die")
    expect(watched_panel.locator(".suggest-topic").first).to_be_visible()
    expect(watched_panel.locator(".suggest-insert")).to_have_count(watched_panel.locator(".suggest-topic").count())
    for button in watched_panel.locator(".suggest-insert").all():
        expect(button).to_be_hidden()
    for console in (page, supervisor):
        assert_no_page_errors(console)
