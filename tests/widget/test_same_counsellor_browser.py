"""Issue 13's Done-when in real browsers: a returning client is offered to the same counsellor first.

A client's chat with Kalle ends; in a second, fresh browser the client enters
the code, starts a new chat asking for Kalle again (by keyboard, at 360 px),
and Kalle's console shows the new conversation waiting for him, with the
earlier conversation linked to its history page. axe-core on each state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from conversations.models import Conversation
from tests.browser import check_staff_page
from tests.widget.test_client_browser import desk_button, send, start_chat, take
from tests.widget.test_client_messages_browser import NARROW, no_horizontal_scroll
from tests.widget.test_client_phone_browser import no_violations

expect.set_options(timeout=10_000)


def test_a_returning_client_asks_for_the_same_counsellor_who_sees_the_earlier_conversation(
    new_page: Callable[..., Any],
    staff_browser: Callable[..., Any],
    live: Any,
    demo: Any,
    counsellor: Any,
    axe_check: Any,
) -> None:
    # The first session: Kalle answers and closes; the client keeps the code.
    page = new_page(**NARROW)
    earlier = start_chat(page, live, nickname="Olli")
    send(page, "I am worried about my exams.")
    assert take(counsellor, demo) == earlier
    counsellor.say(earlier, "Let's make a plan together.")
    counsellor.send({"type": "close", "conversation": earlier, "outcome": "answered"})
    page.get_by_role("button", name="Show my code").click()
    words = page.locator("#k-code-words")
    expect(words).to_have_text(re.compile(r"^\S+ \S+ \S+ \S+$"))
    code = words.inner_text()

    # Kalle is on duty: his console is open.
    console = staff_browser("counsellor")
    expect(console.get_by_role("region", name="Youth chat", exact=True)).to_be_visible()

    # Another device: a fresh browser with the code, then a new chat asking for Kalle again.
    phone = new_page(**NARROW)
    phone.goto(live.url + "/")
    entry = phone.get_by_role("textbox", name="Your conversation code")
    entry.fill(code)
    entry.press("Enter")
    expect(phone.locator("#k-log")).to_contain_text("Let's make a plan together.")
    new_chat = phone.get_by_role("button", name="Start a new chat")
    new_chat.focus()
    new_chat.press("Enter")
    again = phone.get_by_role("checkbox", name="Ask for Kalle again")
    expect(again).to_be_visible()
    expect(phone.get_by_text("if Kalle is working now, your chat goes to them first.")).to_be_visible()
    no_violations(axe_check, phone, "the start page offering the same counsellor")
    assert no_horizontal_scroll(phone)
    again.focus()
    phone.keyboard.press("Space")
    expect(again).to_be_checked()
    start = desk_button(phone, "Youth chat")
    start.focus()
    start.press("Enter")
    expect(phone.get_by_text("You asked for Kalle. Your chat goes to them first. Please wait.")).to_be_visible()
    conversation = Conversation.objects.exclude(pk=earlier).get(client__isnull=False, status="queued")
    assert conversation.offered_to_id == demo.staff.counsellor.pk

    # Kalle's console: the conversation waits for him, and the earlier one is linked.
    youth = console.get_by_role("region", name="Youth chat", exact=True)
    waiting = youth.locator(".waiting-item")
    expect(waiting.locator(".flag-for-you")).to_have_text("For you")
    waiting.locator(".take").first.click()
    view = console.locator(f"#conv-{conversation.pk}")
    links = view.get_by_role("navigation", name="Earlier conversations").get_by_role("link")
    expect(links).to_have_count(1)
    expect(links.first).to_contain_text("Youth chat")
    expect(links.first).to_have_attribute("href", f"/console/history/{earlier}/")
    check_staff_page(console, "the console with a returning client's earlier conversation")
