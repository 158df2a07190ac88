"""The chatbot part of conversations in the staff console, in a real browser.

Two counsellors of the youth desk (Kalle and Aino) have the console open; the
anonymous clients talk to the chatbot over the real protocol (tests/wsclient.py):
a crisis alerts both consoles and comes first in the queue, the counsellor who
opens it sees what the bot told the client and why the client came, and a plain
"I want a person" hand-off shows its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser import run_axe
from tests.chat_helpers import Chat
from tests.console.test_console_browser import (  # noqa: F401  (fixtures used by name)
    assert_no_page_errors,
    chat,
    desk_region,
    new_context,
    no_horizontal_scroll,
    pane,
    staff_page,
)
from tests.protocol.test_protocol_bot import bot_reply
from tests.wsclient import ProtocolClient

NARROW = {"width": 360, "height": 740}


def start_with_bot(client: ProtocolClient, nickname: str, desk: str = "youth") -> int:
    """Start a conversation that goes to the chatbot first (no `person`), as the client page does."""
    client.send({"type": "start", "desk": desk, "nickname": nickname, "ref": "start"})
    state = client.wait_for("conversation", ref="start")["conversation"]
    assert state["status"] == "bot"
    client.wait_for("synced", conversation=state["id"])
    return int(state["id"])


def crisis_banner(page: Page, nickname: str) -> Any:
    return page.locator("#crisis-alerts").get_by_role("alert").filter(has_text=nickname)


def fits_width(page: Page, locator: Any, width: int = 360) -> None:
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{box} overflows {width}px"


def test_a_crisis_alerts_both_counsellors_and_the_one_who_opens_it_sees_the_bot_part(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    aino = staff_page("counsellor2")
    kalle = staff_page("counsellor", viewport=NARROW)

    # Someone already waits for a person; then Mimi talks to the chatbot.
    earlier = chat.client()
    chat.start(earlier, nickname="Olli")
    youth = desk_region(aino, "Youth chat")
    expect(youth.locator(".waiting-item")).to_have_count(1)
    client = chat.client()
    conversation = start_with_bot(client, "Mimi")
    answer = bot_reply(client, conversation, "miten haen asumistukea")
    assert answer["args"]["topic"] == "housing-allowance"
    client.send({"type": "vote", "conversation": conversation, "seq": answer["seq"], "helpful": False})
    client.wait_for("voted", conversation=conversation)
    # With the bot, nobody waits in a queue yet.
    expect(youth.locator(".waiting-item")).to_have_count(1)

    client.say(conversation, "en jaksa enää, haluan kuolla")
    for page in (aino, kalle):
        banner = crisis_banner(page, "Mimi")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Possible crisis: Mimi at Youth chat")
        expect(banner.get_by_role("button", name="Open Mimi")).to_be_visible()
        expect(banner.get_by_role("button", name="Dismiss Mimi")).to_be_visible()
        first = desk_region(page, "Youth chat").locator(".waiting-item").first
        expect(first).to_contain_text("Mimi")
        expect(first.locator(".flag-crisis")).to_have_text("Possible crisis")
        expect(page).to_have_title(re.compile(r"^\(!\d*\) "))
        # Nothing took the focus away from what the counsellor was doing.
        assert page.evaluate("document.activeElement === document.body")

    # At 360 px the banner and the queue fit the screen.
    fits_width(kalle, crisis_banner(kalle, "Mimi"))
    no_horizontal_scroll(kalle)
    # Escape does not dismiss a crisis banner.
    crisis_banner(kalle, "Mimi").get_by_role("button", name="Open Mimi").focus()
    kalle.keyboard.press("Escape")
    expect(crisis_banner(kalle, "Mimi")).to_be_visible()
    run_axe(kalle, label="console with a crisis alert (360 px)")

    # Aino opens it from the banner: she takes it, and sees the bot part and why it came.
    crisis_banner(aino, "Mimi").get_by_role("button", name="Open Mimi").click()
    view = pane(aino, conversation)
    expect(view.get_by_label("Message to the client")).to_be_focused()
    expect(crisis_banner(aino, "Mimi")).to_have_count(0)
    expect(aino).not_to_have_title(re.compile(r"^\(!"))
    expect(view.locator(".conv-meta .flag-crisis")).to_be_visible()
    expect(view.locator(".conv-meta .flag-crisis")).to_have_text("Possible crisis")
    expect(view.locator(".conv-handoff")).to_have_text("Came through the chatbot: Possible crisis.")
    tab = aino.get_by_role("region", name="My conversations").get_by_role("button").filter(has_text="Mimi")
    expect(tab.locator(".flag-crisis")).to_be_visible()

    log = view.get_by_role("log")
    expect(log).to_contain_text("miten haen asumistukea")
    expect(log).to_contain_text("en jaksa enää, haluan kuolla")
    bot_answer = view.locator(f'.msg-bot[data-seq="{answer["seq"]}"]')
    expect(bot_answer.locator(".msg-head")).to_contain_text(re.compile(r"Chatbot · .+ · \d+\s?%"))
    expect(bot_answer.locator(".msg-confidence .visually-hidden")).to_have_text(re.compile(r"^confidence \d+\s?%$"))
    expect(bot_answer.locator(".msg-html")).to_contain_text("Kela")
    link = bot_answer.locator(".msg-html a").first
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    expect(bot_answer.locator(".msg-vote")).to_contain_text("The client found this answer not helpful.")
    expect(bot_answer.locator(".msg-vote-icon")).to_have_attribute("data-icon", "thumb-down")
    expect(bot_answer.locator(".msg-vote-icon svg")).to_be_visible()
    expect(bot_answer.locator(".msg-vote-icon")).to_have_attribute("aria-hidden", "true")

    guidance = view.locator(".msg-bot-crisis")
    expect(guidance).to_have_count(1)
    expect(guidance.locator(".msg-head")).to_contain_text("Chatbot · crisis guidance")
    expect(guidance).to_contain_text("112")
    expect(log).to_contain_text("Handed over from the chatbot to Youth chat.")
    expect(log).to_contain_text("Aino joined the conversation.")

    # A long bot part is shortened to its first lines until the counsellor asks for all of it.
    more = guidance.get_by_role("button", name="Show all")
    expect(more).to_have_attribute("aria-expanded", "false")
    collapsed = guidance.locator(".msg-html").bounding_box()
    more.click()
    expect(guidance.get_by_role("button", name="Show less")).to_have_attribute("aria-expanded", "true")
    expanded = guidance.locator(".msg-html").bounding_box()
    assert collapsed is not None and expanded is not None and expanded["height"] > collapsed["height"]

    # The client changes the vote: the console follows live.
    client.send({"type": "vote", "conversation": conversation, "seq": answer["seq"], "helpful": True})
    expect(bot_answer.locator(".msg-vote")).to_contain_text("The client found this answer helpful.")
    expect(bot_answer.locator(".msg-vote-icon")).to_have_attribute("data-icon", "thumb-up")
    expect(bot_answer.locator(".msg-vote-icon svg")).to_be_visible()
    run_axe(aino, label="console with the bot part of a crisis conversation")

    # Kalle's queue: Mimi is now Aino's, still flagged; his banner opens it read-only.
    kalle_youth = desk_region(kalle, "Youth chat")
    expect(kalle_youth.locator(".waiting-item")).to_have_count(1)
    in_progress = kalle_youth.locator(".active-item").filter(has_text="Mimi")
    expect(in_progress).to_contain_text("with Aino")
    expect(in_progress.locator(".flag-crisis")).to_have_text("Possible crisis")
    expect(crisis_banner(kalle, "Mimi")).to_have_text(re.compile(r"Possible crisis: Mimi at Youth chat, with Aino"))
    crisis_banner(kalle, "Mimi").get_by_role("button", name="Open Mimi").click()
    watched = pane(kalle, conversation)
    expect(watched).to_be_visible()
    expect(watched.locator(".badge-watching")).to_be_visible()
    expect(watched.locator(".composer")).to_be_hidden()
    expect(watched.locator(".msg-bot-crisis")).to_have_count(1)
    expect(watched.locator(".conv-handoff")).to_contain_text("Possible crisis")
    expect(kalle).not_to_have_title(re.compile(r"^\(!"))
    no_horizontal_scroll(kalle)
    for page in (aino, kalle):
        assert_no_page_errors(page)
    chat.assert_protocol_followed()


def test_several_alerts_stack_and_dismiss_one_by_one(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    page = staff_page("counsellor")
    first, second = chat.client(), chat.client()
    one = start_with_bot(first, "Eka")
    two = start_with_bot(second, "")
    # Each says something first: a flag from a conversation's only message shares one banner (below).
    first.say(one, "moi")
    second.say(two, "hei")
    first.say(one, "haluan kuolla")
    second.say(two, "mä viiltelen taas itteeni")
    alerts = page.locator("#crisis-alerts").get_by_role("alert")
    expect(alerts).to_have_count(2)
    expect(alerts.first).to_contain_text("Possible crisis: A client at Youth chat")  # the newest on top
    expect(alerts.nth(1)).to_contain_text("Possible crisis: Eka at Youth chat")
    waiting = desk_region(page, "Youth chat").locator(".waiting-item")
    expect(waiting).to_have_count(2)
    expect(waiting.locator(".flag-crisis")).to_have_count(2)
    expect(page).to_have_title(re.compile(r"^\(!2\) "))

    alerts.first.get_by_role("button", name="Dismiss").click()
    expect(alerts).to_have_count(1)
    expect(alerts.first.get_by_role("button", name="Open Eka")).to_be_focused()
    page.keyboard.press("Tab")
    expect(alerts.first.get_by_role("button", name="Dismiss Eka")).to_be_focused()
    page.keyboard.press("Enter")
    expect(alerts).to_have_count(0)
    expect(page).to_have_title(re.compile(r"^\(2\) "))
    assert_no_page_errors(page)


def test_alerts_of_new_conversations_that_said_nothing_else_share_one_banner_below_a_real_one(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    page = staff_page("counsellor")
    alerts = page.locator("#crisis-alerts").get_by_role("alert")
    # Three conversations opened only to raise the alarm: one banner, with their count.
    throwaways = []
    for n in range(3):
        client = chat.client()
        conversation = start_with_bot(client, f"Heti {n}")
        client.say(conversation, "haluan kuolla")
        throwaways.append(conversation)
        expect(alerts).to_have_count(1)
    expect(alerts.first).to_contain_text("New conversations flagged as a possible crisis by their first message: 3")
    # A client who talked first gets a banner of their own, above the group.
    real = chat.client()
    conversation = start_with_bot(real, "Oikea")
    real.say(conversation, "mulla on tosi paha olo")
    real.say(conversation, "en jaksa enää, haluan kuolla")
    expect(alerts).to_have_count(2)
    expect(alerts.first).to_contain_text("Possible crisis: Oikea at Youth chat")
    expect(alerts.nth(1)).to_contain_text("by their first message: 3")
    waiting = desk_region(page, "Youth chat").locator(".waiting-item")
    expect(waiting.first).to_contain_text("Oikea")  # first in the queue too
    expect(page).to_have_title(re.compile(r"^\(!4\) "))

    # The group opens the first of its conversations in the queue and counts one fewer.
    alerts.nth(1).get_by_role("button", name="Open the first").click()
    expect(pane(page, throwaways[0])).to_be_visible()
    expect(alerts.nth(1)).to_contain_text("by their first message: 2")
    alerts.nth(1).get_by_role("button", name="Dismiss").click()
    expect(alerts).to_have_count(1)
    assert_no_page_errors(page)
    chat.assert_protocol_followed()


def test_a_crisis_written_to_a_counsellor_flags_the_open_conversation(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    kalle = staff_page("counsellor")
    aino = staff_page("counsellor2")
    client = chat.client()
    conversation = chat.start(client, nickname="Sami")
    kalle.get_by_role("button", name="Take Sami", exact=True).click()
    view = pane(kalle, conversation)
    expect(view.get_by_label("Message to the client")).to_be_focused()
    expect(view.locator(".conv-meta .flag-crisis")).to_be_hidden()

    client.say(conversation, "mä viiltelen taas itteeni")
    mine = crisis_banner(kalle, "Sami")
    expect(mine).to_have_text(re.compile(r"Possible crisis in your conversation with Sami at Youth chat"))
    # The counsellor keeps writing: the banner does not take the focus.
    expect(view.get_by_label("Message to the client")).to_be_focused()
    expect(view.locator(".conv-meta .flag-crisis")).to_be_visible()
    expect(view.locator(".msg-bot-crisis")).to_have_count(1)
    expect(view.locator(".msg-bot-crisis")).to_contain_text("112")
    expect(crisis_banner(aino, "Sami")).to_have_text(re.compile(r"Possible crisis: Sami at Youth chat, with Kalle"))
    active = desk_region(aino, "Youth chat").locator(".active-item").filter(has_text="Sami")
    expect(active.locator(".flag-crisis")).to_be_visible()

    mine.get_by_role("button", name="Open Sami").click()
    expect(mine).to_have_count(0)
    expect(view.get_by_label("Message to the client")).to_be_focused()
    for page in (kalle, aino):
        assert_no_page_errors(page)


def test_asking_the_bot_for_a_person_shows_the_reason_in_the_queue_and_the_conversation(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    page = staff_page("counsellor")
    finnish = staff_page("counsellor2", "fi")
    client = chat.client()
    conversation = start_with_bot(client, "Nea")
    bot_reply(client, conversation, "miten haen asumistukea")
    handoff = bot_reply(client, conversation, "haluun puhua ihmisen kanssa")
    assert handoff["args"]["topic"] == "handoff"

    waiting = desk_region(page, "Youth chat").locator(".waiting-item").filter(has_text="Nea")
    expect(waiting.locator(".flag-handoff")).to_have_text("Asked for a person")
    expect(waiting.locator(".flag-crisis")).to_have_count(0)
    expect(page.locator("#crisis-alerts").get_by_role("alert")).to_have_count(0)
    in_finnish = desk_region(finnish, "Nuorten chat").locator(".waiting-item").filter(has_text="Nea")
    expect(in_finnish.locator(".flag-handoff")).to_have_text("Pyysi ihmistä")

    page.get_by_role("button", name="Take Nea", exact=True).click()
    view = pane(page, conversation)
    expect(view.get_by_label("Message to the client")).to_be_focused()
    expect(view.locator(".conv-handoff")).to_have_text("Came through the chatbot: Asked for a person.")
    expect(view.locator(".conv-meta .flag-crisis")).to_be_hidden()
    log = view.get_by_role("log")
    expect(log).to_contain_text("Handed over from the chatbot to Youth chat.")
    expect(view.locator(".msg-bot")).to_have_count(3)  # greeting, the answer, the hand-off answer
    expect(view.locator(".msg-bot").first.locator(".msg-head")).to_contain_text("Chatbot · greeting")
    expect(finnish.locator(".active-item").filter(has_text="Nea")).to_contain_text("ohjaajana Kalle")
    for console in (page, finnish):
        assert_no_page_errors(console)
