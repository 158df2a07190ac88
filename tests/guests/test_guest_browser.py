"""Done when (issue 14, item 3): an interpreter joins by link, takes part, is removed and can read nothing after.

Three browsers: the client on a phone, the counsellor's console, the
interpreter's phone. The counsellor invites, the client agrees, the counsellor
copies the one-time link; the interpreter joins, writes (the client and the
counsellor see it) and reads the client's answer; the counsellor removes them:
their socket closes, the page keeps nothing, a reload shows nothing and the
old link no longer works. Every page by keyboard, at 360 px, with axe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from conversations.models import Conversation
from tests.browser import NARROW, run_axe, watch_errors
from tests.console.test_console_browser import new_context, staff_page  # noqa: F401 - fixtures used below

expect.set_options(timeout=10_000)


def no_sideways_scrolling(page: Page, label: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{label}: {width}px wide at 360px"


def press(page: Page, locator: Any) -> None:
    """Activate a control with the keyboard: focus it, press Enter."""
    locator.focus()
    page.keyboard.press("Enter")


def test_an_interpreter_joins_by_link_takes_part_and_is_removed(
    new_context: Callable[..., Any],  # noqa: F811
    staff_page: Callable[..., Page],  # noqa: F811
    live: Any,
) -> None:
    # The client, on a phone, chats with the counsellor.
    client = new_context("en", viewport=NARROW).new_page()
    watch_errors(client)
    client.goto(live.url + "/")
    client.get_by_label("Nickname (optional)").fill("Mimi")
    client.locator("li.k-desk", has_text="Youth chat").get_by_role("button", name="Chat with a person").click()
    expect(client.get_by_text("You are number 1 in the queue.")).to_be_visible()
    counsellor = staff_page("counsellor")
    counsellor.get_by_role("button", name="Take Mimi", exact=True).click()
    conversation = Conversation.objects.get(nickname="Mimi")
    view = counsellor.locator(f"#conv-{conversation.pk}")
    expect(client.locator("#k-log")).to_contain_text("Kalle joined the chat.")

    # The counsellor invites an interpreter from the conversation's actions.
    press(counsellor, view.get_by_role("button", name="Invite a participant…"))
    dialog = counsellor.get_by_role("dialog", name="Invite a participant")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Role").select_option(label="Interpreter")
    dialog.get_by_label("Name the client sees").fill("Anna")
    # Markup in what a counsellor types is shown as text everywhere (never parsed as HTML).
    dialog.get_by_label("Organisation or title (optional)").fill("Tulkki & <i>Palvelu</i>")
    press(counsellor, dialog.get_by_role("button", name="Ask the client"))
    expect(dialog).to_be_hidden()
    guests = view.locator(".conv-guests")
    expect(guests).to_contain_text("Waiting for the client's answer")

    # The client is asked first, in plain words, and agrees by keyboard.
    question = client.get_by_role("alertdialog")
    expect(question).to_contain_text(
        "Your counsellor wants to add an interpreter, Anna, Tulkki & <i>Palvelu</i>, to the chat. Is that OK?"
    )
    expect(client.locator("#k-app i")).to_have_count(0)
    run_axe(client, label="client page with the consent question")
    no_sideways_scrolling(client, "client page with the consent question")
    press(client, question.get_by_role("button", name="Yes, that's OK"))
    expect(question).to_be_hidden()

    # Only now the counsellor gets the one-time link, with a Copy button.
    link_box = guests.get_by_label("One-time link for Anna")
    expect(link_box).to_be_visible()
    link = link_box.input_value()
    assert "/g/" in link
    press(counsellor, guests.get_by_role("button", name="Copy"))
    expect(
        guests.get_by_role("button", name="Copied").or_(guests.get_by_text("Selected: press Ctrl+C"))
    ).to_be_visible()
    run_axe(counsellor, label="console with the guest list")
    assert counsellor.errors == []  # type: ignore[attr-defined]

    # The interpreter opens the link on their phone and joins; the address no longer holds the token.
    guest_context = new_context("en", viewport=NARROW)
    guest = guest_context.new_page()
    watch_errors(guest)
    closed: list[int] = []
    guest.on("websocket", lambda ws: ws.on("close", lambda _ws: closed.append(1)))
    guest.goto(link)
    expect(guest.get_by_role("heading", name="Joining a conversation")).to_be_visible()
    run_axe(guest, label="the guest's join page")
    press(guest, guest.get_by_role("button", name="Join the conversation"))
    expect(guest).to_have_url(live.url + "/guest/")
    log = guest.get_by_role("log")
    expect(log).to_contain_text("Anna (interpreter) joined the conversation.")
    # Only from joining: nothing the client and counsellor said before.
    expect(log).not_to_contain_text("Kalle joined")
    run_axe(guest, label="the guest's chat page")
    no_sideways_scrolling(guest, "the guest's chat page")

    # The client sees who joined and in what role.
    expect(client.locator("#k-log")).to_contain_text("Anna (interpreter) joined the chat.")
    expect(client.get_by_text("Also here: Anna (interpreter, Tulkki & <i>Palvelu</i>)")).to_be_visible()
    expect(view.locator(".conv-guests")).to_contain_text("Anna (interpreter, Tulkki & <i>Palvelu</i>)")
    assert client.locator("#k-app i").count() == 0 and view.locator(".conv-guests i").count() == 0

    # The interpreter writes; the client and the counsellor see it, named with the role.
    box = guest.get_by_role("textbox", name="Your message")
    box.fill("Hei, olen tulkki.")
    box.press("Enter")
    expect(client.locator("#k-log")).to_contain_text("Hei, olen tulkki.")
    expect(client.locator("#k-log li", has_text="Hei, olen tulkki.")).to_contain_text("Anna (interpreter)")
    expect(view.get_by_role("log")).to_contain_text("Hei, olen tulkki.")
    expect(view.locator(".msg-guest .msg-author")).to_have_text("Anna (interpreter)")
    # The client answers; the interpreter reads it.
    client_box = client.get_by_role("textbox", name="Your message")
    client_box.fill("Kiitos, hyvä.")
    client_box.press("Enter")
    expect(log).to_contain_text("Kiitos, hyvä.")

    # The counsellor removes the interpreter: the page keeps nothing, the socket is closed.
    press(counsellor, guests.get_by_role("button", name="Remove: Anna"))
    ended = guest.get_by_text("You are no longer in this conversation.")
    expect(ended).to_be_visible()
    expect(guest.locator("#k-list li")).to_have_count(0)
    expect(guest.get_by_role("textbox", name="Your message")).to_be_hidden()
    expect(client.locator("#k-log")).to_contain_text("Anna (interpreter) is no longer in the chat.")
    expect(client.get_by_text("Also here:")).to_be_hidden()
    guest.wait_for_function("() => true")
    assert closed, "the guest's socket was not closed"
    assert guest.errors == []

    # A reload shows nothing of the conversation; the old link is dead.
    guest.reload()
    expect(guest.get_by_text("You are no longer in this conversation.")).to_be_visible()
    for said in ("Hei, olen tulkki.", "Kiitos, hyvä."):
        expect(guest.locator("body")).not_to_contain_text(said)
    run_axe(guest, label="the guest's page after removal")
    guest.goto(link)
    expect(guest.get_by_text("This link has already been used, or it is not valid.")).to_be_visible()
    expect(guest.get_by_role("button", name="Join the conversation")).to_have_count(0)
    assert client.errors == []


def test_a_guest_leaves_by_keyboard(
    new_context: Callable[..., Any],  # noqa: F811
    staff_page: Callable[..., Page],  # noqa: F811
    live: Any,
) -> None:
    """The guest's Leave button asks first; leaving is for good, and the others are told."""
    from tests.guests.helpers import redeem

    client = new_context("en", viewport=NARROW).new_page()
    watch_errors(client)
    client.goto(live.url + "/")
    client.get_by_label("Nickname (optional)").fill("Mimi")
    client.locator("li.k-desk", has_text="Youth chat").get_by_role("button", name="Chat with a person").click()
    counsellor = staff_page("counsellor")
    counsellor.get_by_role("button", name="Take Mimi", exact=True).click()
    conversation = Conversation.objects.get(nickname="Mimi")
    view = counsellor.locator(f"#conv-{conversation.pk}")
    press(counsellor, view.get_by_role("button", name="Invite a participant…"))
    dialog = counsellor.get_by_role("dialog", name="Invite a participant")
    dialog.get_by_label("Role").select_option(label="Professional")
    # Nothing to ask the client without a name: said in the dialog, which stays open.
    press(counsellor, dialog.get_by_role("button", name="Ask the client"))
    expect(dialog.get_by_role("alert")).to_have_text("Write the participant's name.")
    dialog.get_by_label("Name the client sees").fill("Pekka")
    dialog.get_by_label("Organisation or title (optional)").fill("koulukuraattori")
    press(counsellor, dialog.get_by_role("button", name="Ask the client"))
    question = client.get_by_role("alertdialog")
    expect(question).to_contain_text("another professional, Pekka, koulukuraattori")
    press(client, question.get_by_role("button", name="Yes, that's OK"))
    link = view.get_by_label("One-time link for Pekka").input_value()

    _http, cookie = redeem(link.removeprefix(live.url))
    guest_context = new_context("en", viewport=NARROW)
    guest_context.add_cookies(
        [{"name": k, "value": v, "url": live.url} for k, v in (c.split("=", 1) for c in cookie.split("; "))]
    )
    guest = guest_context.new_page()
    watch_errors(guest)
    guest.goto(live.url + "/guest/")
    expect(guest.get_by_role("log")).to_contain_text("Pekka (professional) joined the conversation.")
    press(guest, guest.get_by_role("button", name="Leave the conversation"))
    confirm = guest.get_by_role("group", name="Leave the conversation? You cannot come back with the same link.")
    expect(confirm).to_be_visible()
    run_axe(guest, label="the guest's page asking before leaving")
    # "No, stay" has the focus: Enter keeps the guest in; then leave for real.
    guest.keyboard.press("Enter")
    expect(confirm).to_be_hidden()
    press(guest, guest.get_by_role("button", name="Leave the conversation"))
    press(guest, confirm.get_by_role("button", name="Yes, leave"))
    expect(guest.get_by_text("You left the conversation.")).to_be_visible()
    expect(guest.locator("#k-list li")).to_have_count(0)
    expect(client.locator("#k-log")).to_contain_text("Pekka (professional) left the chat.")
    expect(view.get_by_role("log")).to_contain_text("Pekka (professional) left the conversation.")
    assert guest.errors == [] and client.errors == []
