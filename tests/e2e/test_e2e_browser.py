"""The whole story in two browsers: an anonymous client on a phone and counsellors in the console.

A client chats with a counsellor, the counsellor transfers the conversation to
the homework desk, where a volunteer takes it; the client's connection drops
while the volunteer writes, and after the reconnect every message is there
exactly once; finally the client leaves with the quick exit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conversations.models import Conversation, Message
from tests.browser import ClientLine
from tests.console.test_console_browser import new_context, staff_page  # noqa: F401 - fixtures used below

expect.set_options(timeout=10_000)


@pytest.fixture
def quick_exit_url(live: Any, settings: Any) -> str:
    """Send the quick exit to a page on the test server: the tests never leave this machine."""
    settings.QUICK_EXIT_URL = live.url + "/widget-test/"
    return str(settings.QUICK_EXIT_URL)


def client_log(page: Page) -> Any:
    return page.locator("#k-log")


def client_says(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Your message")
    box.fill(text)
    box.press("Enter")


def console_says(view: Any, text: str) -> None:
    composer = view.get_by_label("Message to the client")
    composer.fill(text)
    composer.press("Enter")


def test_client_and_counsellors_full_conversation(
    new_context: Callable[..., Any],  # noqa: F811
    staff_page: Callable[..., Page],  # noqa: F811
    live: Any,
    quick_exit_url: str,
) -> None:
    # The client, on a 360 px phone, picks the youth desk with a nickname.
    phone = new_context("en", viewport={"width": 360, "height": 740})
    client = phone.new_page()
    line = ClientLine(client)
    client.goto(live.url + "/")
    client.get_by_label("Nickname (optional)").fill("Mimi")
    client.locator("li.k-desk", has_text="Youth chat").get_by_role("button", name="Chat with a person").click()
    expect(client.get_by_text("You are number 1 in the queue.")).to_be_visible()
    client_says(client, "Hei, tarvitsen apua matikan läksyissä.")
    expect(client.locator("#k-log li.k-msg--client .k-mark").first).to_have_text("Sent")

    # The counsellor sees Mimi waiting, takes her and answers.
    counsellor = staff_page("counsellor")
    youth = counsellor.get_by_role("region", name="Youth chat", exact=True)
    expect(youth.get_by_role("listitem").filter(has_text="Mimi")).to_be_visible()
    counsellor.get_by_role("button", name="Take Mimi", exact=True).click()
    conversation = Conversation.objects.get(nickname="Mimi")
    view = counsellor.locator(f"#conv-{conversation.pk}")
    expect(view.get_by_role("log")).to_contain_text("Hei, tarvitsen apua matikan läksyissä.")
    expect(client_log(client)).to_contain_text("Kalle joined the chat.")
    console_says(view, "Hei Mimi! Täällä Kalle. Siirrän sinut läksyapuun.")
    expect(client_log(client)).to_contain_text("Hei Mimi! Täällä Kalle. Siirrän sinut läksyapuun.")
    # The counsellor sees that the client has read the answer.
    expect(view.locator(".msg-staff .msg-receipt").last).to_have_text("Read")

    # Transfer to the homework desk with a note for the volunteer.
    view.get_by_role("button", name="Transfer…").click()
    dialog = counsellor.get_by_role("dialog", name="Transfer the conversation")
    dialog.get_by_label("Desk").select_option(label="Homework help")
    dialog.get_by_label("Note for the next counsellor (optional)").fill("Yhtälöt, 8. luokka.")
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(client_log(client)).to_contain_text("Homework help")
    expect(client.get_by_text("You are number 1 in the queue.")).to_be_visible()

    # The volunteer takes it and sees the history and the note.
    volunteer = staff_page("volunteer")
    volunteer.get_by_role("button", name="Take Mimi", exact=True).click()
    volunteer_view = volunteer.locator(f"#conv-{conversation.pk}")
    expect(volunteer_view.get_by_role("log")).to_contain_text("Hei, tarvitsen apua matikan läksyissä.")
    expect(volunteer_view.get_by_role("list", name="Private notes")).to_contain_text("Yhtälöt, 8. luokka.")
    expect(client_log(client)).to_contain_text("Ville joined the chat.")
    console_says(volunteer_view, "Moi! Mikä tehtävä on menossa?")
    expect(client_log(client)).to_contain_text("Moi! Mikä tehtävä on menossa?")

    # The client's connection drops. The volunteer keeps writing; the client writes too.
    line.cut()
    expect(client.locator("#k-conn")).to_have_text("Connection lost. Reconnecting…")
    missed = ["Ensimmäinen vinkki: siirrä x yhdelle puolelle.", "Toinen vinkki: jaa molemmat puolet.", "Kolmas!"]
    for text in missed:
        console_says(volunteer_view, text)
        expect(volunteer_view.get_by_role("log")).to_contain_text(text)
    client_says(client, "Sori, netti pätki. Tehtävä 12.")
    expect(client.locator("#k-log li.k-msg--client .k-mark").last).to_have_text("Sending…")

    # Back online: the client gets exactly what it missed, and its own message arrives once.
    line.restore()
    expect(client.locator("#k-conn")).to_be_hidden(timeout=20_000)
    for text in missed:
        expect(client_log(client).get_by_text(text, exact=True)).to_have_count(1)
    expect(volunteer_view.get_by_role("log").get_by_text("Sori, netti pätki. Tehtävä 12.", exact=True)).to_have_count(1)
    client.wait_for_timeout(500)
    expect(client_log(client).get_by_text("Moi! Mikä tehtävä on menossa?", exact=True)).to_have_count(1)
    expect(client.locator("#k-log li.k-msg--client")).to_have_count(2)
    stored = list(Message.objects.filter(body="Sori, netti pätki. Tehtävä 12."))
    assert len(stored) == 1

    # A reload shows the whole conversation once.
    client.reload()
    for text in [*missed, "Hei, tarvitsen apua matikan läksyissä.", "Sori, netti pätki. Tehtävä 12."]:
        expect(client_log(client).get_by_text(text, exact=True)).to_have_count(1)

    # Quick exit: the chat disappears and the page is replaced at once.
    client.get_by_role("button", name="Quick exit").click()
    expect(client).to_have_url(quick_exit_url)
    assert client.evaluate("Object.keys(localStorage).filter(k => k.startsWith('kohtaamo.'))") == []
    client.go_back()
    expect(client.get_by_text("Sori, netti pätki. Tehtävä 12.")).to_have_count(0)
