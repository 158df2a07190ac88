"""The chatbot in the client's chat, in a real browser: answers, buttons, votes, plain language,
hand-off into the desk's queue (a counsellor takes over and sees the bot part), crisis, closed desk."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Conversation
from desks.hours import set_hours
from tests.widget.test_client_browser import send
from tests.wsclient import ProtocolClient

expect.set_options(timeout=10_000)


def ask_the_bot(page: Any, live: Any, desk: str = "Youth chat", *, button: str = "Ask the chatbot") -> int:
    page.goto(live.url + "/")
    page.locator("li.k-desk", has_text=desk).get_by_role("button", name=button).click()
    expect(page.locator("#k-log li.k-msg--bot").first).to_contain_text(desk)
    return int(page.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))


def bot_lines(page: Any) -> Any:
    return page.locator("#k-log li.k-msg--bot")


def test_the_bot_answers_and_hands_over_to_a_counsellor_who_sees_the_bot_part(
    new_page: Any, live: Any, counsellor: ProtocolClient, axe_check: Any
) -> None:
    page = new_page()
    conversation = ask_the_bot(page, live)
    expect(page.get_by_text("You are chatting with the chatbot. A person is not reading this.")).to_be_visible()
    expect(page.locator("#k-queue .k-pos")).to_be_hidden()

    send(page, "miten haen asumistukea")
    answer = bot_lines(page).nth(1)
    expect(answer).to_contain_text("Kela")
    link = answer.locator(".k-body a").first
    expect(link).to_have_attribute("target", "_blank")
    # Votes: pressed state and thanks, kept by the server.
    answer.get_by_role("button", name="This helped").click()
    expect(answer.get_by_role("button", name="This helped")).to_have_attribute("aria-pressed", "true")
    expect(answer.get_by_text("Thank you for your feedback.")).to_be_visible()
    # The thumbs are drawn (SVG), not emoji that depend on the phone's fonts.
    expect(answer.locator(".k-vote svg")).to_have_count(2)
    assert "👍" not in answer.locator(".k-votes").inner_text()

    # A related topic from the buttons: the choice shows as the client's line, the bot answers it.
    chips = answer.locator(".k-suggest button")
    title = chips.first.inner_text()
    chips.first.click()
    expect(page.locator("#k-log li.k-msg--client").last).to_contain_text(title)
    expect(bot_lines(page)).to_have_count(3)

    axe_check(page, label="client chat with the bot")
    # While the bot answers, its easy-to-read answers can be chosen in the menu.
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_label("Easy-to-read answers")).to_be_visible()
    axe_check(page, label="client chat with the bot, menu open")
    page.keyboard.press("Escape")

    page.get_by_role("button", name="Talk to a person").first.click()
    expect(page.get_by_text("You are now in the queue for Youth chat.")).to_be_visible()
    expect(page.get_by_text("You are number 1 in the queue.")).to_be_visible()
    expect(page.get_by_text("You are chatting with the chatbot. A person is not reading this.")).to_be_hidden()
    # Suggestion buttons of the bot part still work while waiting; the offer of a person is gone.
    expect(page.locator("#k-log .k-offer")).to_have_count(0)

    # The counsellor takes the conversation and reads the bot part.
    counsellor.send({"type": "take", "conversation": conversation, "ref": "t"})
    state = counsellor.wait_for("conversation", ref="t")["conversation"]
    assert state["handoff_reason"] == "asked"
    counsellor.send({"type": "resume", "conversation": conversation, "after": 0, "ref": "r"})
    counsellor.wait_for("synced", conversation=conversation)
    seen = [e for e in counsellor.events if e["type"] == "message" and e["conversation"] == conversation]
    assert [m["sender"] for m in seen if m["sender"] != "system"][:3] == ["bot", "client", "bot"]
    assert any(m["body"] == "miten haen asumistukea" for m in seen)
    counsellor.say(conversation, "Hei, täällä Kalle. Miten voin auttaa?")
    expect(page.get_by_text("Hei, täällä Kalle. Miten voin auttaa?")).to_be_visible()
    expect(page.locator("#k-log .k-suggest button").first).to_be_disabled()
    # A person has taken over: the chatbot's easy-to-read choice is gone from the menu.
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="End chat")).to_be_visible()
    expect(page.get_by_label("Easy-to-read answers")).to_be_hidden()


def test_not_sure_offers_a_person_and_plain_language_can_be_chosen(new_page: Any, live: Any) -> None:
    page = new_page()
    conversation = ask_the_bot(page, live)
    send(page, "qwerty blorp zxcv")
    unsure = bot_lines(page).nth(1)
    expect(unsure).to_contain_text("not sure")
    send(page, "miten haen asumistukea")
    answer = bot_lines(page).nth(2)
    expect(answer).to_contain_text("Kela")
    normal = answer.locator(".k-body").inner_text()
    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Easy-to-read answers").check()
    expect(answer.locator(".k-body")).not_to_have_text(normal)
    page.reload()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_label("Easy-to-read answers")).to_be_checked()
    page.get_by_label("Easy-to-read answers").uncheck()
    expect(bot_lines(page).nth(2).locator(".k-body")).to_have_text(normal)

    bot_lines(page).nth(1).get_by_role("button", name="Talk to a person").click()
    expect(page.get_by_text("You are number 1 in the queue.")).to_be_visible()
    assert Conversation.objects.get(pk=conversation).handoff_reason == "bot_unsure"


def test_a_crisis_shows_emergency_guidance_at_once_and_queues_first(new_page: Any, live: Any) -> None:
    page = new_page(viewport={"width": 360, "height": 740})
    conversation = ask_the_bot(page, live)
    send(page, "en jaksa enää, haluan kuolla")
    guidance = page.locator("#k-log li.k-msg--crisis")
    expect(guidance).to_contain_text("112")
    expect(guidance.get_by_text("If you are in danger right now, call 112.")).to_be_visible()
    expect(page.get_by_text("You are number 1 in the queue.")).to_be_visible()
    stored = Conversation.objects.get(pk=conversation)
    assert stored.urgent and stored.crisis_at is not None
    # Nothing sticks out of a small phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_closed_desk_shows_its_hours_and_the_bot_says_what_to_do(
    new_page: Any, live: Any, demo: Any, axe_check: Any
) -> None:
    opens = (timezone.localtime() + dt.timedelta(hours=12)).replace(second=0, microsecond=0)
    set_hours(demo["desks"]["parents"], [(opens.weekday(), opens.time(), (opens + dt.timedelta(hours=1)).time())])
    page = new_page(locale="fi-FI")
    page.goto(live.url + "/")
    card = page.locator("li.k-desk", has_text="Vanhempien linja")
    expect(card).to_contain_text("Suljettu nyt.")
    expect(card.get_by_role("button", name="Juttele ihmisen kanssa")).to_have_count(0)
    axe_check(page, label="start page with a closed desk")
    card.get_by_role("button", name="Kysy chatbotilta").click()
    expect(bot_lines(page).first).to_contain_text("Vanhempien linja")
    page.locator("#k-botbar").get_by_role("button", name="Juttele ihmisen kanssa").click()
    closed = bot_lines(page).nth(1)
    expect(closed).to_contain_text("112")
    expect(closed).to_contain_text(re.compile("perheneuvola"))
    expect(page.locator("#k-queue .k-pos")).to_be_hidden()
