"""A video call in two browsers with fake cameras (issue 14's Done-when): the counsellor calls, the client answers.

Chromium's fake devices (`--use-fake-device-for-media-stream`, and
`--use-fake-ui-for-media-stream` to grant them without asking) make the camera
and the microphone. Both sides must see the other's video live: frames decoded
keep increasing (getStats inbound-rtp `framesDecoded`), not only an element
that exists. Then the client hangs up, both sides say the call ended, and the
transcript shows the start and the end with the length on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conversations.models import Conversation
from tests.browser import CHROMIUM, CHROMIUM_ARGS, NARROW, run_axe, watch_errors
from tests.console.test_console_browser import staff_page  # noqa: F401 - a fixture used below

expect.set_options(timeout=15_000)

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def browser(browser: Any) -> Iterator[Any]:
    """This module's Chromium, with fake media devices (the session's, without them, launches it)."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *FAKE_MEDIA], headless=True)
    yield chromium
    chromium.close()


def frames_decoded(page: Page) -> int:
    """Video frames decoded so far from the other side (the remote <video>'s own count)."""
    return int(
        page.evaluate(
            """() => {
              const video = document.querySelector("video.k-call-remote");
              return video && video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
            }"""
        )
    )


def sees_live_video(page: Page) -> None:
    """The remote video plays and its frame count keeps growing."""
    expect(page.locator("video.k-call-remote")).to_be_visible()
    page.wait_for_function(
        """() => { const v = document.querySelector("video.k-call-remote");
                   return v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 5; }""",
        timeout=20_000,
    )
    first = frames_decoded(page)
    page.wait_for_function(
        """(first) => document.querySelector("video.k-call-remote").getVideoPlaybackQuality().totalVideoFrames
                      > first + 10""",
        arg=first,
        timeout=20_000,
    )


def test_a_video_call_between_the_counsellor_and_the_client(
    browser: Any,
    staff_page: Callable[..., Page],  # noqa: F811
    live: Any,
    settings: Any,
) -> None:
    # Loopback, no TURN: allowed only under DEBUG on a relay-only desk (make run); here the desk is not relay-only.
    from desks.models import Desk

    Desk.objects.filter(slug="youth").update(calls_relay_only=False)
    settings.CALL_TURN_URLS = []
    settings.CALL_TURN_SECRET = ""
    context = browser.new_context(locale="en-US", viewport=NARROW)
    try:
        client = context.new_page()
        watch_errors(client)
        client.goto(live.url + "/")
        client.get_by_label("Nickname (optional)").fill("Mimi")
        client.locator("li.k-desk", has_text="Youth chat").get_by_role("button", name="Chat with a person").click()
        expect(client.get_by_text("You are number 1 in the queue.")).to_be_visible()

        counsellor = staff_page("counsellor")
        counsellor.get_by_role("button", name="Take Mimi", exact=True).click()
        conversation = Conversation.objects.get(nickname="Mimi")
        view = counsellor.locator(f"#conv-{conversation.pk}")
        expect(client.locator("#k-log")).to_contain_text("joined the chat.")

        # The counsellor starts a video call (by keyboard); the client's page rings and answers.
        view.get_by_role("button", name="Video call").focus()
        counsellor.keyboard.press("Enter")
        expect(view.get_by_role("status").filter(has_text="Calling")).to_be_visible()
        expect(client.get_by_text("Incoming video call")).to_be_visible()
        run_axe(client, label="client page, ringing")
        client.get_by_role("button", name="Answer").click()

        # Both see the other's video, live.
        sees_live_video(client)
        sees_live_video(counsellor)
        expect(client.get_by_text("The call is on. You can keep writing too.")).to_be_visible()
        # Text goes on during the call.
        box = client.get_by_role("textbox", name="Your message")
        box.fill("Kuuluuko?")
        box.press("Enter")
        expect(view.get_by_role("log")).to_contain_text("Kuuluuko?")
        client.get_by_role("button", name="Mute microphone").click()
        expect(client.get_by_role("button", name="Turn microphone on")).to_have_attribute("aria-pressed", "true")
        run_axe(client, label="client page, in a call")
        run_axe(counsellor, label="console, in a call")
        width = client.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{width}px wide at 360px"

        # The client hangs up: both sides end, and both transcripts have the start, the end and the length.
        client.get_by_role("button", name="Hang up").click()
        expect(client.get_by_text("The call ended.", exact=True)).to_be_visible()
        expect(view.get_by_text("The call ended.", exact=True)).to_be_visible()
        for log in (client.locator("#k-log"), view.get_by_role("log")):
            expect(log).to_contain_text("Video call started.")
            expect(log).to_contain_text("The call ended. It lasted 0:")
        expect(view.locator("video.k-call-remote")).to_be_hidden()
        # And it can be started again.
        expect(client.get_by_role("button", name="Video call")).to_be_visible()
        assert client.errors == []
    finally:
        context.close()
