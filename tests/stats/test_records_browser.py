"""Contact records in a real browser, 360 px wide: a counsellor closes a conversation in the console,
follows the prompt to the form, fills it in by keyboard, and the list of records to fill in empties;
a supervisor keeps the organisation's topics. Every page passes axe with no violation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from stats.models import Category, ContactRecord
from tests.browser import check_staff_page
from tests.chat_helpers import Chat

expect.set_options(timeout=15_000)


@pytest.fixture
def chat(live: Any) -> Iterator[Chat]:
    chat = Chat(live)
    yield chat
    chat.close()


@pytest.fixture
def staff_page(staff_browser: Callable[..., Page]) -> Callable[..., Page]:
    return staff_browser


check = check_staff_page


def test_a_counsellor_closes_a_conversation_and_fills_in_its_record(
    staff_page: Callable[..., Page], chat: Chat, demo: Any
) -> None:
    client = chat.client()
    conversation = chat.start(client, desk="youth", nickname="Nea")
    client.say(conversation, "Tarvitsen apua koulujuttuihin")
    page = staff_page("counsellor", "/console/")
    page.get_by_role("button", name="Take Nea", exact=True).click()
    view = page.locator(f"#conv-{conversation}")
    expect(view.get_by_label("Message to the client")).to_be_visible()
    view.get_by_role("button", name="Close…").click()
    dialog = page.get_by_role("dialog", name="Close the conversation")
    dialog.get_by_label("Answered").check()
    dialog.get_by_role("button", name="Close the conversation").click()
    expect(dialog).to_be_hidden()

    # The prompt: said politely, its link has the focus, Enter follows it.
    link = page.get_by_role("link", name="Fill in the contact record")
    expect(link).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text("The conversation with Nea was closed.")
    expect(page.get_by_role("navigation", name="Console").get_by_role("link", name="Contact records")).to_contain_text(
        "1"
    )
    check(page, "console after a close")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Contact record", exact=True)).to_be_visible()
    record = ContactRecord.objects.get(conversation_id=conversation)
    assert page.url.endswith(f"/console/records/{record.pk}/")
    expect(page.get_by_text("Tarvitsen apua")).to_have_count(0)  # never the client's words
    check(page, "the record's form")

    # Saving without the referral says what is missing, and keeps what was chosen.
    topics = page.get_by_role("group", name="Topics")
    topics.get_by_label("Koulu ja opiskelu").check()
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the marked fields.")
    expect(page.get_by_text("Choose whether you referred the client to another service.")).to_be_visible()
    expect(page.get_by_role("group", name="Topics").get_by_label("Koulu ja opiskelu")).to_be_checked()
    check(page, "the record's form with an error")

    # By keyboard: the age group, the gender, the referral; then Enter on the button.
    page.get_by_label("Age group").select_option("16_17")
    gender = page.get_by_role("group", name="Gender")
    gender.get_by_label("Girl or woman").focus()
    page.keyboard.press("Space")
    page.get_by_label("Municipality").select_option(label="Espoo")
    page.get_by_role("group", name="Referral given").get_by_label("Yes").check()
    page.get_by_role("button", name="Save the record").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Contact records", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("The contact record was saved.")
    expect(page.get_by_text("You have filled in all your contact records.")).to_be_visible()
    expect(page.locator("#records-count")).to_be_hidden()
    check(page, "the list of records to fill in")
    record.refresh_from_db()
    assert record.completed_at is not None
    assert (record.age_group, record.gender, record.municipality, record.referral_given) == (
        "16_17",
        "girl_woman",
        "049",
        True,
    )
    assert list(record.categories.values_list("name", flat=True)) == ["Koulu ja opiskelu"]


def test_the_incomplete_list_and_an_outside_contact_at_360px(
    staff_page: Callable[..., Page], chat: Chat, demo: Any
) -> None:
    client = chat.client()
    conversation = chat.start(client, desk="youth", nickname="Eeli")
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    counsellor.answer({"type": "close", "conversation": conversation, "outcome": "follow_up"})
    page = staff_page("counsellor", "/console/records/")
    expect(page.get_by_role("heading", name="1 record to fill in")).to_be_visible()
    expect(page.get_by_role("list").filter(has_text="Youth chat")).to_contain_text("Follow-up agreed")
    check(page, "the list with a record to fill in")

    page.get_by_role("link", name="Record a contact outside Kohtaamo").click()
    expect(page.get_by_role("heading", name="Record a contact outside Kohtaamo")).to_be_visible()
    check(page, "an outside contact's form")
    page.get_by_label("Contact method").select_option(label="Pop-up guidance (library, shopping centre)")
    page.get_by_label("Number of people").fill("0")
    page.get_by_role("group", name="Referral given").get_by_label("No").check()
    page.get_by_role("button", name="Record the contact").click()
    expect(page.get_by_text("Give a number from 1 to 10000.")).to_be_visible()
    check(page, "an outside contact's form with an error")
    page.get_by_label("Number of people").fill("12")
    page.get_by_role("button", name="Record the contact").click()
    expect(page.get_by_role("status")).to_contain_text("The contact was recorded.")
    outside = ContactRecord.objects.get(conversation__isnull=True)
    assert (outside.medium, outside.people) == ("pop_up", 12)


def test_a_supervisor_keeps_the_topics_at_360px(staff_page: Callable[..., Page], demo: Any) -> None:
    page = staff_page("supervisor", "/console/categories/")
    expect(page.get_by_role("heading", name="Topics and fields of interest")).to_be_visible()
    check(page, "the categories")
    page.get_by_label("New topic").fill("Ilmastoahdistus")
    page.get_by_label("New topic").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("“Ilmastoahdistus” was added.")
    page.get_by_role("button", name="Retire “Ilmastoahdistus”").click()
    expect(page.get_by_role("status")).to_contain_text("no longer offered in new records")
    expect(page.get_by_role("button", name="Take back into use “Ilmastoahdistus”")).to_be_visible()
    check(page, "the categories after a change")
    added = Category.objects.get(name="Ilmastoahdistus")
    assert added.is_active is False
