"""Issue 13's messages and codes in real browsers: a client finds a closed desk, leaves a message and gets a
code; a counsellor answers from the console's inbox; in a second, fresh browser the client types the code,
reads the answer and writes again, which puts the message back in the inbox. At 360 px, by keyboard where
the client acts, with axe-core on every state.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Conversation
from desks.models import OpeningPeriod
from tests.browser import check_staff_page
from tests.widget.test_client_phone_browser import no_violations

expect.set_options(timeout=10_000)

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))


def test_a_message_at_a_closed_desk_the_inbox_answer_and_the_client_back_with_the_code(
    new_page: Callable[..., Any], staff_browser: Callable[..., Any], live: Any, demo: Any, axe_check: Any
) -> None:
    other_day = (timezone.localtime().weekday() + 3) % 7
    OpeningPeriod.objects.create(desk=demo.desks.homework, weekday=other_day, opens=dt.time(9), closes=dt.time(10))

    # The client finds the homework desk closed: leaving a message is what it offers.
    page = new_page(**NARROW)
    page.goto(live.url + "/")
    desk = page.locator("li.k-desk", has_text="Homework help")
    expect(desk).to_contain_text("Closed now.")
    expect(desk.get_by_role("button", name="Start chat")).to_have_count(0)
    leave = desk.get_by_role("button", name="Leave a message")
    expect(leave).to_be_enabled()
    page.get_by_label("Nickname (optional)").fill("Mimi")
    leave.focus()
    leave.press("Enter")
    form = page.get_by_role("form", name="Leave a message for Homework help")
    expect(form).to_be_visible()
    box = form.get_by_label("Your message")
    expect(box).to_be_focused()
    no_violations(axe_check, page, "the message form")
    form.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Write a message first.")).to_be_visible()
    box.fill("How do I divide fractions?")
    box.press("Tab")
    page.keyboard.press("Enter")  # Send message

    # The message is in the chat, and its code is shown at once with what to do with it.
    expect(page.locator("#k-log")).to_contain_text("How do I divide fractions?")
    expect(page.get_by_text("Your message has been sent.")).to_be_visible()
    expect(page.get_by_text("Save this code to come back to this conversation.")).to_be_visible()
    words = page.locator("#k-code-words")
    expect(words).to_have_text(re.compile(r"^\S+ \S+ \S+ \S+$"))
    code = words.inner_text()
    conversation = Conversation.objects.get(nickname="Mimi")
    assert conversation.status == "message"
    no_violations(axe_check, page, "the message left, with its code")
    assert no_horizontal_scroll(page)

    # The volunteer of the homework desk answers it from the inbox.
    console = staff_browser("volunteer")
    homework = console.get_by_role("region", name="Homework help", exact=True)
    item = homework.locator(".inbox-item").filter(has_text="Mimi")
    expect(item).to_contain_text("Waiting for an answer")
    expect(item).to_contain_text("How do I divide fractions?")
    expect(item.locator(".wait-clock")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    check_staff_page(console, "the console's inbox")
    item.get_by_role("button", name="Reply Mimi").click()
    view = console.locator(f"#conv-{conversation.pk}")
    expect(view.get_by_role("log")).to_contain_text("How do I divide fractions?")
    composer = view.get_by_label("Message to the client")
    composer.fill("Turn the second fraction upside down and multiply.")
    composer.press("Enter")
    expect(item).to_contain_text("Answered")
    expect(item).to_contain_text("with Ville")
    view.get_by_role("button", name="Back to messages").click()
    expect(view).to_have_count(0)
    check_staff_page(console, "the inbox after the answer")

    # Another day, another device: a fresh browser with the code reads the answer and writes again.
    phone = new_page(**NARROW)
    phone.goto(live.url + "/")
    entry = phone.get_by_role("textbox", name="Your conversation code")
    entry.fill(code.upper().replace(" ", "-") + "x")
    entry.press("Enter")
    expect(phone.get_by_text("That code did not work. Check the words and try again.")).to_be_visible()
    expect(entry).to_be_focused()
    entry.fill("  " + code.upper().replace(" ", " - ") + " ")
    entry.press("Enter")
    log = phone.locator("#k-log")
    expect(log).to_contain_text("Turn the second fraction upside down and multiply.")
    expect(log).to_contain_text("How do I divide fractions?")
    no_violations(axe_check, phone, "back with the code")
    reply = phone.get_by_role("textbox", name="Your message")
    reply.fill("Thanks! And mixed numbers?")
    reply.press("Enter")
    expect(phone.locator("#k-log li.k-msg--client .k-mark").last).to_have_attribute("data-state", "sent")

    # The message waits in the inbox again, and the first browser no longer has the conversation.
    expect(item).to_contain_text("Waiting for an answer")
    expect(item).to_contain_text("Thanks! And mixed numbers?")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chat anonymously")
    assert Conversation.objects.get(pk=conversation.pk).status == "message"


def test_a_desk_with_nobody_available_says_so_and_takes_a_message_with_a_code(
    new_page: Callable[..., Any], live: Any, demo: Any, axe_check: Any
) -> None:
    # The youth desk is open round the clock, but no counsellor has the console open.
    page = new_page(**NARROW)
    page.goto(live.url + "/")
    desk = page.locator("li.k-desk", has_text="Youth chat")
    expect(desk.get_by_text("Nobody can answer right now.")).to_be_visible()
    no_violations(axe_check, page, "a desk with nobody available")
    leave = desk.get_by_role("button", name="Leave a message")
    leave.focus()
    leave.press("Enter")
    form = page.get_by_role("form", name="Leave a message for Youth chat")
    box = form.get_by_label("Your message")
    expect(box).to_be_focused()
    box.fill("Voiko tänne kirjoittaa illalla?")
    box.press("Tab")
    page.keyboard.press("Enter")  # Send message
    expect(page.get_by_text("Save this code to come back to this conversation.")).to_be_visible()
    expect(page.locator("#k-code-words")).to_have_text(re.compile(r"^\S+ \S+ \S+ \S+$"))
    assert Conversation.objects.get(desk=demo.desks.youth).status == "message"


def test_the_code_is_offered_when_a_chat_ends_and_opens_it_in_another_browser(
    new_page: Callable[..., Any], live: Any, demo: Any, counsellor: Any, axe_check: Any
) -> None:
    from tests.widget.test_client_browser import send, start_chat, take

    page = new_page(**NARROW)
    conversation = start_chat(page, live, nickname="Olli")
    send(page, "Can I talk about my exams?")
    assert take(counsellor, demo) == conversation
    counsellor.say(conversation, "Of course. Good luck with them!")
    counsellor.send({"type": "close", "conversation": conversation, "outcome": "answered"})
    expect(page.get_by_text("Save this code to come back to this conversation.")).to_be_visible()
    expect(page.get_by_role("button", name="Chat with a person now")).to_be_hidden()
    show = page.get_by_role("button", name="Show my code")
    show.focus()
    show.press("Enter")
    words = page.locator("#k-code-words")
    expect(words).to_have_text(re.compile(r"^\S+ \S+ \S+ \S+$"))
    expect(show).to_be_hidden()
    no_violations(axe_check, page, "an ended chat with its code")
    assert no_horizontal_scroll(page)

    other = new_page(**NARROW)
    other.goto(live.url + "/")
    entry = other.get_by_role("textbox", name="Your conversation code")
    entry.fill(words.inner_text())
    entry.press("Enter")
    expect(other.locator("#k-log")).to_contain_text("Of course. Good luck with them!")
    expect(other.get_by_text("Thank you for writing to us!")).to_be_visible()


def test_a_desk_that_closed_meanwhile_points_to_leaving_a_message(
    new_page: Callable[..., Any], live: Any, demo: Any
) -> None:
    page = new_page(**NARROW)
    page.goto(live.url + "/")
    desk = page.locator("li.k-desk", has_text="Homework help")
    start = desk.get_by_role("button", name="Start chat")
    expect(start).to_be_enabled()
    other_day = (timezone.localtime().weekday() + 3) % 7
    OpeningPeriod.objects.create(desk=demo.desks.homework, weekday=other_day, opens=dt.time(9), closes=dt.time(10))
    start.click()
    error = page.locator("#k-start-error")
    expect(error).to_contain_text("Homework help is closed right now.")
    expect(error).to_contain_text("You can leave a message instead. A counsellor will answer it later.")
    desk.get_by_role("button", name="Leave a message").click()
    expect(page.get_by_role("form", name="Leave a message for Homework help")).to_be_visible()
