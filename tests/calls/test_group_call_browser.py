"""Done when (issue 14, item 3): an interpreter joins the video call, and each of the three sees the others live.

Three browsers with fake cameras (tests/calls/test_call_browser.py): the
counsellor starts a video call, the client answers, an interpreter who joined
the conversation by link joins the call from their page. Each page has a tile
per other person, named with their role, whose video keeps decoding new frames.
Then the counsellor removes the interpreter: the interpreter's call and page
end, while the client and the counsellor stay in the call and still see each
other. Keyboard, 360 px and axe on the guest's page in the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from conversations.models import Conversation
from tests.browser import NARROW, run_axe, watch_errors
from tests.calls.test_call_browser import browser  # noqa: F401 - this module's Chromium, with fake media
from tests.console.test_console_browser import new_context, staff_page  # noqa: F401 - fixtures used below

expect.set_options(timeout=15_000)


def press(page: Page, locator: Any) -> None:
    """Activate a control with the keyboard: focus it, press Enter."""
    locator.focus()
    page.keyboard.press("Enter")


def sees_live_video_from(page: Page, count: int) -> None:
    """`count` remote tiles, and every one's video keeps decoding new frames."""
    videos = page.locator("figure.k-call-tile video.k-call-remote")
    expect(videos).to_have_count(count)
    page.wait_for_function(
        """(count) => { const vs = [...document.querySelectorAll("figure.k-call-tile video.k-call-remote")];
                       return vs.length === count && vs.every((v) => v.videoWidth > 0
                         && v.getVideoPlaybackQuality().totalVideoFrames > 5); }""",
        arg=count,
        timeout=30_000,
    )
    first = page.evaluate(
        """() => [...document.querySelectorAll("figure.k-call-tile video.k-call-remote")]
                 .map((v) => v.getVideoPlaybackQuality().totalVideoFrames)"""
    )
    page.wait_for_function(
        """(first) => [...document.querySelectorAll("figure.k-call-tile video.k-call-remote")]
                      .every((v, i) => v.getVideoPlaybackQuality().totalVideoFrames > first[i] + 10)""",
        arg=first,
        timeout=30_000,
    )


def test_an_interpreter_joins_the_video_call_and_is_removed_from_it(
    new_context: Callable[..., Any],  # noqa: F811
    staff_page: Callable[..., Page],  # noqa: F811
    live: Any,
    settings: Any,
) -> None:
    # Loopback, no TURN: the desk is not relay-only (as in the two-person call's test).
    from desks.models import Desk

    Desk.objects.filter(slug="youth").update(calls_relay_only=False)
    settings.CALL_TURN_URLS = []
    settings.CALL_TURN_SECRET = ""
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

    # The interpreter is invited, the client agrees, and the interpreter joins by the link.
    press(counsellor, view.get_by_role("button", name="Invite a participant…"))
    dialog = counsellor.get_by_role("dialog", name="Invite a participant")
    dialog.get_by_label("Role").select_option(label="Interpreter")
    dialog.get_by_label("Name the client sees").fill("Anna")
    press(counsellor, dialog.get_by_role("button", name="Ask the client"))
    press(client, client.get_by_role("alertdialog").get_by_role("button", name="Yes, that's OK"))
    guests = view.locator(".conv-guests")
    link = guests.get_by_label("One-time link for Anna").input_value()
    guest = new_context("en", viewport=NARROW).new_page()
    watch_errors(guest)
    guest.goto(link)
    press(guest, guest.get_by_role("button", name="Join the conversation"))
    expect(guest.get_by_role("log")).to_contain_text("Anna (interpreter) joined the conversation.")
    # A guest starts no call: the client or the counsellor does.
    expect(guest.get_by_role("button", name="Video call")).to_have_count(0)

    # The counsellor starts a video call; the client answers; the interpreter joins the call going on.
    press(counsellor, view.get_by_role("button", name="Video call"))
    expect(client.get_by_text("Incoming video call")).to_be_visible()
    expect(guest.get_by_text("Incoming video call")).to_be_visible()
    press(client, client.get_by_role("button", name="Answer"))
    expect(guest.get_by_text("A call is going on in this conversation. You can join it.")).to_be_visible()
    press(guest, guest.get_by_role("button", name="Join the call"))

    # Each of the three sees the other two, live, named with their role.
    for page in (client, counsellor, guest):
        sees_live_video_from(page, 2)
    expect(client.locator("figure.k-call-tile figcaption")).to_have_text(
        ["Kalle (counsellor)", "Anna (interpreter)"], ignore_case=False
    )
    expect(view.locator("figure.k-call-tile figcaption")).to_have_text(["Mimi (client)", "Anna (interpreter)"])
    expect(guest.locator("figure.k-call-tile figcaption")).to_have_text(["Kalle (counsellor)", "Mimi (client)"])
    for log in (client.locator("#k-log"), view.get_by_role("log")):
        expect(log).to_contain_text("Anna (interpreter) joined the call.")
    run_axe(guest, label="the guest's page in a call")
    run_axe(client, label="the client's page in a call of three")
    width = guest.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"the guest's page in a call: {width}px wide at 360px"

    # The counsellor removes the interpreter: their call and page end; the client and the counsellor go on.
    press(counsellor, guests.get_by_role("button", name="Remove: Anna"))
    expect(guest.get_by_text("You are no longer in this conversation.")).to_be_visible()
    expect(guest.locator("video")).to_have_count(0)
    expect(guest.locator(".k-call")).to_have_count(0)
    for page in (client, counsellor):
        sees_live_video_from(page, 1)
    expect(client.locator("figure.k-call-tile figcaption")).to_have_text(["Kalle (counsellor)"])
    expect(client.locator("#k-log")).to_contain_text("Anna (interpreter) left the call.")
    expect(client.get_by_text("The call ended.", exact=True)).to_have_count(0)
    expect(client.get_by_role("button", name="Hang up")).to_be_visible()
    assert client.errors == [] and guest.errors == []
