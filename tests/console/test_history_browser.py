"""The conversation history in a real browser: a counsellor searches the closed conversations of
their desks and reads one back, by keyboard, on a 360 px wide screen, in Finnish, Swedish and English.

The conversations are made over the real protocol (a client and a counsellor chatting, a note, a
closing), so the history shows what the actions stored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from audit.models import Action, AuditEvent
from tests.browser import check_staff_page
from tests.chat_helpers import Chat
from tests.wsclient import ProtocolClient

expect.set_options(timeout=10_000)


@pytest.fixture
def chat(live: Any) -> Iterator[Chat]:
    chat = Chat(live)
    yield chat
    chat.close()


@pytest.fixture
def history_page(staff_browser: Callable[..., Page]) -> Callable[..., Page]:
    """A page of a demo staff member at `path` (the history), 360 px wide (tests.browser.staff_browser)."""

    def open_page(username: str, lang: str = "en", path: str = "/console/history/") -> Page:
        return staff_browser(username, path, lang)

    return open_page


check = check_staff_page


def chat_and_close(
    chat: Chat, counsellor: ProtocolClient, client: ProtocolClient, nickname: str, lines: list[str], outcome: str
) -> int:
    """One conversation over the protocol: the client writes, the counsellor answers and notes, then closes."""
    conversation = chat.start(client, desk="youth", nickname=nickname)
    client.say(conversation, lines[0])
    chat.take(counsellor, conversation)
    for body in lines[1:]:
        assert counsellor.answer({"type": "send", "conversation": conversation, "id": uuid.uuid4().hex, "body": body})[
            "type"
        ] in ("ack", "message")
    counsellor.answer(
        {"type": "note", "conversation": conversation, "id": uuid.uuid4().hex, "body": f"Muistiinpano: {outcome}"}
    )
    counsellor.answer({"type": "close", "conversation": conversation, "outcome": outcome})
    return conversation


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches `selector` (a keyboard user's way there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => Boolean(document.activeElement && document.activeElement.matches(s))", selector):
            return
    raise AssertionError(f"{selector!r} was not reached with Tab")


def test_a_counsellor_searches_and_reads_back_by_keyboard_on_a_narrow_screen(
    chat: Chat, history_page: Callable[..., Page], live: Any
) -> None:
    kalle = chat.staff("counsellor")
    client = chat.client()
    earlier = chat_and_close(
        chat, kalle, client, "Mimi", ["Mulla on koeviikko ja jännittää", "Hei Mimi, kerro lisää kokeista."], "answered"
    )
    latest = chat_and_close(chat, kalle, client, "Mimi", ["Taas jännittää", "Kiva kun tulit uudestaan."], "follow_up")

    # Aino works at the same desk: she reads her colleague's closed conversations.
    page = history_page("counsellor2")
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversation history")
    expect(page.get_by_role("link", name="History")).to_have_attribute("aria-current", "page")
    check(page, "history, newest first")
    results = page.locator(".history-result")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Taas jännittää")
    expect(results.first).to_contain_text("Kalle")
    expect(results.first).to_contain_text("Follow-up agreed")
    expect(results.first.locator("time")).to_have_text(re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4} \d\d\.\d\d$"))

    # Search by keyboard: skip to the content, the words field, Enter.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Words")).to_be_focused()
    page.keyboard.type("KOEVIIKKO")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=KOEVIIKKO"))
    expect(results).to_have_count(1)
    expect(page.get_by_role("heading", name="1 conversation")).to_be_visible()
    check(page, "history search results")

    # Open the result by keyboard.
    tab_to(page, ".history-result a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/console/history/{earlier}/"))
    transcript = page.get_by_role("region", name="Transcript")
    expect(transcript).to_contain_text("Mulla on koeviikko ja jännittää")
    expect(transcript).to_contain_text("Hei Mimi, kerro lisää kokeista.")
    expect(transcript).to_contain_text("Kalle joined the conversation.")
    expect(page.get_by_role("region", name="Private notes")).to_contain_text("Muistiinpano: answered")
    expect(page.get_by_role("region", name="Summary")).to_contain_text("Answered")
    others = page.get_by_role("region", name="Other conversations with the same client")
    expect(others.get_by_role("link")).to_have_count(1)
    check(page, "a closed conversation")

    # The same client's other conversation, again by keyboard; then back to the search as it was.
    tab_to(page, ".history-others a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/console/history/{latest}/"))
    expect(page.get_by_role("region", name="Transcript")).to_contain_text("Kiva kun tulit uudestaan.")
    page.get_by_role("link", name="Back to the search").click()
    expect(page.get_by_label("Words")).to_have_value("KOEVIIKKO")

    # A wrong date is said at the field, and the page stays accessible.
    page.get_by_label("From", exact=True).fill("32.1.2026")
    page.get_by_label("From", exact=True).press("Enter")
    expect(page.locator(".field-error")).to_have_text("Write the date as day.month.year, for example 24.12.2026.")
    check(page, "history search with a wrong date")

    opened = AuditEvent.objects.filter(action=Action.HISTORY_OPEN, staff__username="counsellor2")
    assert list(opened.order_by("pk").values_list("object_id", flat=True)) == [earlier, latest]
    assert AuditEvent.objects.filter(action=Action.HISTORY_SEARCH, staff__username="counsellor2").count() == 3


@pytest.mark.parametrize(
    ("lang", "heading", "nav", "transcript"),
    [
        ("fi", "Keskusteluhistoria", "Historia", "Keskustelun viestit"),
        ("sv", "Samtalshistorik", "Historik", "Samtalets meddelanden"),
    ],
)
def test_the_history_in_finnish_and_swedish(
    chat: Chat, history_page: Callable[..., Page], lang: str, heading: str, nav: str, transcript: str
) -> None:
    kalle = chat.staff("counsellor")
    conversation = chat_and_close(chat, kalle, chat.client(), "", ["Hei", "Hei, mitä kuuluu?"], "referred")
    page = history_page("counsellor", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("link", name=nav, exact=True)).to_have_attribute("aria-current", "page")
    assert page.locator("html").get_attribute("lang") == lang
    check(page, f"history ({lang})")
    page.locator(".history-result a").first.click()
    expect(page).to_have_url(re.compile(rf"/console/history/{conversation}/"))
    expect(page.get_by_role("heading", name=transcript)).to_be_visible()
    check(page, f"a closed conversation ({lang})")
    page.goto(page.url.split("/console/")[0] + "/console/history/?until=huomenna")
    expect(page.locator(".field-error")).to_be_visible()
    check(page, f"history with a wrong date ({lang})")
