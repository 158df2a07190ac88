"""Issue 12 on the client's page, in a real browser at 360 px: the optional questions, feedback after
the chat (and the rating in the staff's feedback view), deleting a conversation at once, and the
public notices. The counsellor's side goes over the real protocol (tests/wsclient.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client as HttpClient
from django.utils import timezone
from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD
from tests.widget.test_client_browser import desk_button, from_menu, send, take
from tests.widget.test_client_phone_browser import no_violations
from tests.wsclient import ProtocolClient, staff_cookie

expect.set_options(timeout=10_000)

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))


def test_client_answers_rates_and_the_rating_reaches_the_feedback_view(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient, axe_check: Any, browser: Any
) -> None:
    from conversations.models import Conversation
    from stats.models import Feedback, Municipality

    Municipality.objects.get_or_create(code="091", defaults={"name": "Helsinki", "name_sv": "Helsingfors"})
    page = new_page(**NARROW)
    page.goto(live.url + "/")
    # The questions are optional, beside the nickname; "I'd rather not say" is where they start.
    age = page.get_by_label("Your age")
    expect(age).to_have_value("")
    no_violations(axe_check, page, "start with the questions")
    age.select_option(label="16–17")
    page.get_by_label("Your municipality").select_option(label="Helsinki")
    desk_button(page, "Youth chat").click()
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    conversation = int(page.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))
    send(page, "Hei, tarvitsen apua.")
    expect(page.locator("#k-log li.k-msg--client .k-mark")).to_have_attribute("data-state", "sent")
    row = Conversation.objects.get(pk=conversation)
    assert (row.client_age_group, row.client_municipality) == ("16_17", "091")

    # The counsellor answers and closes: the client is asked for feedback.
    assert take(counsellor, demo) == conversation
    counsellor.send({"type": "close", "conversation": conversation, "outcome": "answered"})
    form = page.get_by_role("form", name="How was the chat?")
    expect(form).to_be_visible()
    expect(page.get_by_role("radio", name="1")).to_be_focused()
    no_violations(axe_check, page, "feedback form")
    assert no_horizontal_scroll(page)

    # Sending nothing says what to do; then a rating, "yes" and a comment by keyboard.
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Choose a rating or write a comment first, or skip.")).to_be_visible()
    page.get_by_role("radio", name="4").check()
    page.get_by_role("group", name="Did you get help?").get_by_role("radio", name="Yes").check()
    page.get_by_label("Comment (optional)").fill("Sain hyviä neuvoja.")
    page.get_by_role("button", name="Send feedback").press("Enter")
    expect(page.get_by_text("Thank you for your feedback!")).to_be_focused()
    expect(form).to_be_hidden()
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.helped, feedback.comment) == (4, True, "Sain hyviä neuvoja.")
    assert feedback.desk_id == demo["desks"]["youth"].pk

    # A reload does not ask again.
    page.reload()
    expect(page.get_by_text("Thank you for your feedback!")).to_be_visible()
    expect(form).to_be_hidden()

    # Four more ratings of the desk this day: five are enough for the figures to show.
    today = timezone.localdate()
    for rating in (5, 3, 4, 2):
        Feedback.objects.create(
            organisation=feedback.organisation, desk=feedback.desk, given_on=today, rating=rating, helped=False
        )
    http = HttpClient()
    staff_cookie(http, "counsellor", DEMO_PASSWORD)
    context = browser.new_context(locale="en-US", viewport={"width": 360, "height": 740})
    try:
        context.add_cookies([{"name": k, "value": v.value, "url": live.url} for k, v in http.cookies.items()])
        staff_page = context.new_page()
        staff_page.goto(live.url + "/console/feedback/")
        youth = staff_page.get_by_role("region", name="Youth chat")
        expect(youth).to_contain_text("Sain hyviä neuvoja.")
        expect(youth.locator("dd").nth(0)).to_have_text("5")
        expect(youth.locator("dd").nth(1)).to_have_text("3.6")
        expect(youth.locator("dd").nth(2)).to_have_text("20 %")
        # The comment carries its day only: no time, no link to a conversation.
        expect(youth.locator(".feedback-comments a")).to_have_count(0)
        expect(youth.locator(".feedback-comments time")).to_have_text(f"{today.day}.{today.month}.{today.year}")
        no_violations(axe_check, staff_page, "feedback view")
        assert no_horizontal_scroll(staff_page)
        # A desk with fewer than five answers (none, here) shows "<5" and no comments.
        yesterday = today - dt.timedelta(days=1)
        staff_page.get_by_label("From").fill(f"{yesterday.day}.{yesterday.month}.{yesterday.year}")
        staff_page.get_by_label("To").fill(f"{yesterday.day}.{yesterday.month}.{yesterday.year}")
        staff_page.get_by_role("button", name="Show").click()
        yesterday_youth = staff_page.get_by_role("region", name="Youth chat")
        expect(yesterday_youth.locator("dd").nth(0)).to_have_text("<5")
        expect(yesterday_youth.locator(".feedback-comments")).to_have_count(0)
    finally:
        context.close()


def test_client_skips_the_feedback_with_one_click(new_page: Any, live: Any) -> None:
    page = new_page(**NARROW)
    page.goto(live.url + "/")
    desk_button(page, "Youth chat").click()
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    from_menu(page, "End chat")
    page.get_by_role("button", name="Yes, end the chat").click()
    expect(page.get_by_role("form", name="How was the chat?")).to_be_visible()
    page.get_by_role("button", name="Skip").click()
    expect(page.get_by_role("form", name="How was the chat?")).to_be_hidden()
    expect(page.get_by_role("button", name="Start a new chat")).to_be_focused()


def test_client_deletes_the_conversation_and_staff_see_only_that(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient, axe_check: Any, browser: Any
) -> None:
    from conversations.models import Conversation, Message, Note

    page = new_page(**NARROW)
    page.goto(live.url + "/")
    page.get_by_label("Nickname (optional)").fill("Mimi")
    desk_button(page, "Youth chat").click()
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    conversation = int(page.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))
    send(page, "Tämä on yksityinen asia.")
    expect(page.locator("#k-log li.k-msg--client .k-mark")).to_have_attribute("data-state", "sent")
    take(counsellor, demo)
    counsellor.send({"type": "note", "conversation": conversation, "id": "n1", "body": "Muistiinpano"})
    counsellor.wait_for("note", conversation=conversation)
    counsellor.say(conversation, "Hei Mimi!")
    expect(page.get_by_text("Hei Mimi!")).to_be_visible()

    # It asks first; "No" keeps everything.
    from_menu(page, "Delete this conversation")
    expect(page.get_by_role("button", name="No, keep it")).to_be_focused()
    no_violations(axe_check, page, "delete question")
    page.get_by_role("button", name="No, keep it").click()
    expect(page.get_by_role("button", name="Menu")).to_be_focused()
    assert Message.objects.filter(conversation_id=conversation).exists()

    from_menu(page, "Delete this conversation")
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page.get_by_text("The conversation was deleted. Its messages are gone for good.")).to_be_focused()
    expect(page.get_by_role("heading", name="Chat anonymously")).to_be_visible()
    no_violations(axe_check, page, "deleted")
    # Nothing of it is left in this browser or in the database.
    assert page.evaluate("sessionStorage.getItem('kohtaamo.conversation')") is None
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "yksityinen" not in stored and "Mimi" not in stored
    assert not Message.objects.filter(conversation_id=conversation).exists()
    assert not Note.objects.filter(conversation_id=conversation).exists()
    row = Conversation.objects.get(pk=conversation)
    assert row.deleted_by_client_at is not None and row.client_id is None and row.nickname == ""
    counsellor.wait_for("deleted", conversation=conversation)

    # A reload does not bring it back.
    page.reload()
    expect(page.get_by_role("heading", name="Chat anonymously")).to_be_visible()

    # The history shows only that the client deleted it.
    http = HttpClient()
    staff_cookie(http, "counsellor", DEMO_PASSWORD)
    context = browser.new_context(locale="en-US", viewport={"width": 360, "height": 740})
    try:
        context.add_cookies([{"name": k, "value": v.value, "url": live.url} for k, v in http.cookies.items()])
        staff_page = context.new_page()
        staff_page.goto(live.url + "/console/history/")
        expect(staff_page.get_by_text("The client deleted this conversation.")).to_be_visible()
        staff_page.locator(f"a[href^='/console/history/{conversation}/']").click()
        expect(staff_page.get_by_role("heading", name="Deleted by the client")).to_be_visible()
        expect(staff_page.get_by_text("Tämä on yksityinen asia.")).to_have_count(0)
        expect(staff_page.get_by_text("Muistiinpano")).to_have_count(0)
        expect(staff_page.get_by_text("Mimi")).to_have_count(0)
        no_violations(axe_check, staff_page, "history of a deleted conversation")
    finally:
        context.close()


def test_the_notices_are_linked_and_accessible_in_every_language(new_page: Any, live: Any, axe_check: Any) -> None:
    page = new_page(**NARROW)
    page.goto(live.url + "/")
    privacy = page.locator("#k-foot").get_by_role("link", name=re.compile("Privacy notice"))
    expect(privacy).to_have_attribute("href", "/privacy/")
    expect(page.locator("#k-foot").get_by_role("link", name=re.compile("Accessibility statement"))).to_have_attribute(
        "href", "/accessibility/"
    )
    for lang, privacy_title, statement_title in (
        ("en", "Privacy notice", "Accessibility statement"),
        ("fi", "Tietosuojaseloste", "Saavutettavuusseloste"),
        ("sv", "Dataskyddsbeskrivning", "Tillgänglighetsutlåtande"),
    ):
        page.goto(f"{live.url}/privacy/?lang={lang}")
        expect(page.get_by_role("heading", level=1)).to_have_text(privacy_title)
        expect(page.locator("main")).to_contain_text("tietosuoja@kohtaamo.example")
        expect(page.locator("main")).to_contain_text("90")  # the organisations' retention days
        no_violations(axe_check, page, f"privacy {lang}")
        assert no_horizontal_scroll(page)
        page.goto(f"{live.url}/accessibility/?lang={lang}")
        expect(page.get_by_role("heading", level=1)).to_have_text(statement_title)
        expect(page.locator("main")).to_contain_text("WCAG 2.1")
        expect(page.locator("main")).to_contain_text("saavutettavuus@traficom.fi")
        no_violations(axe_check, page, f"accessibility {lang}")
        assert no_horizontal_scroll(page)
