"""A site's own desks in a real browser: a school's embed with one desk, a deep link, a developer's typo."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

expect.set_options(timeout=10_000)


def open_widget(page: Any) -> Any:
    """Press the launcher and return the chat's frame, once its start form is there."""
    page.get_by_role("button", name="Avaa chat").click()
    frame_element = page.locator("iframe.kohtaamo-w-frame")
    expect(frame_element).to_be_visible()
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state()
    expect(frame.locator("#k-start-form")).to_be_visible()
    return frame


def test_a_schools_embed_with_one_desk_shows_only_that_desk(new_page: Any, live: Any, axe_check: Any) -> None:
    page = new_page(locale="fi-FI")
    page.goto(live.url + "/widget-test/school/")
    frame = open_widget(page)
    desks = frame.locator("li.k-desk h3")
    expect(desks).to_have_count(1)
    expect(desks).to_have_text("Läksyapu")
    expect(frame.get_by_text("Nuorten chat")).to_have_count(0)
    axe_check(page, label="/widget-test/school/")
    axe_check(frame, label="/embed/?desks=homework in the school's widget")
    # With the keyboard alone: the one desk's button starts a chat there.
    button = frame.get_by_role("button", name="Aloita chat")
    button.focus()
    page.keyboard.press("Enter")
    expect(frame.get_by_role("textbox", name="Viestisi")).to_be_focused()
    expect(frame.locator("#k-chat-title")).to_have_text("Läksyapu")


def test_organisation_desks_and_language_from_the_script_tag(new_page: Any, live: Any) -> None:
    # A page of the service's own origin that embeds the script as a Swedish-speaking site would.
    page = new_page(locale="fi-FI")
    page.goto(live.url + "/widget-test/")
    page.evaluate(
        """() => {
          document.querySelectorAll('.kohtaamo-w-launcher, .kohtaamo-w-panel').forEach((el) => el.remove());
          window.kohtaamoWidget = false;
          const s = document.createElement('script');
          s.src = document.querySelector('script[src*="kohtaamo-widget.js"]').src + '?again';
          s.dataset.organisation = 'jokilaakso';
          s.dataset.desks = 'youth,study';
          s.dataset.lang = 'sv';
          document.body.appendChild(s);
        }"""
    )
    page.get_by_role("button", name="Öppna chatten").click()
    frame_element = page.locator("iframe.kohtaamo-w-frame")
    expect(frame_element).to_be_visible()
    src = frame_element.get_attribute("src") or ""
    assert "lang=sv" in src and "org=jokilaakso" in src and "desks=youth%2Cstudy" in src
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state()
    expect(frame.locator("li.k-desk h3")).to_have_text(["Ungdomschatten", "Studiehandledning för vuxna"])


def test_a_deep_link_opens_the_desks_start(new_page: Any, live: Any, axe_check: Any) -> None:
    page = new_page(locale="en-US")
    page.goto(live.url + "/d/homework/?lang=en")
    expect(page.locator("li.k-desk h3")).to_have_text(["Homework help"])
    axe_check(page, label="/d/homework/")
    page.get_by_role("button", name="Start chat").click()
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()


def test_a_sites_typo_is_told_in_the_console_not_to_the_client(new_page: Any, live: Any) -> None:
    page = new_page(locale="en-US")
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}") if "Kohtaamo" in msg.text else None)
    page.goto(live.url + "/embed/?desks=homewrok&lang=en")
    # Every desk, as without the parameter; the client sees no error.
    expect(page.locator("li.k-desk h3")).to_have_count(4)
    expect(page.locator("#k-start-error")).to_have_text("")
    page.wait_for_function("document.querySelector('#k-start-form button[data-desk]:not([disabled])') !== null")
    assert "warning: Kohtaamo: no active desk 'homewrok'; ignored." in messages
