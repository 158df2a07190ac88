"""Issue 12 from end to end, in real browsers: a client chats, the counsellor closes the conversation in
the console and fills in its contact record, the client rates the chat; the supervisor's report page and
its CSV count the contact, and the rating reaches the feedback page.

Every figure passes the small-cell rule, so the day already has other contacts and ratings (made-up
records and feedback): the contact shows as the report's total going up by one, not as a lone "<5".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from stats.models import ContactRecord, Feedback
from stats.sample_records import make_records
from tests.browser import NARROW
from tests.widget.test_client_browser import desk_button, send

expect.set_options(timeout=15_000)


@pytest.fixture
def staff_page(staff_browser: Callable[..., Page]) -> Callable[[str, str], Page]:
    """A staff member's page at `path` that may download files (the report's CSV)."""
    return lambda username, path: staff_browser(username, path, accept_downloads=True)


def contacts_in_report(page: Page) -> str:
    """The "All contacts" total of the table of who answered, as the page shows it."""
    table = page.locator("table", has=page.get_by_text("Contacts by who answered", exact=True))
    total = table.locator("tfoot tr").first
    return total.locator("td").nth(4).inner_text().strip()


def test_a_closed_conversation_reaches_the_report_its_csv_and_the_feedback_page(
    staff_page: Callable[[str, str], Page], new_page: Any, live: Any, demo: Any
) -> None:
    today = timezone.localdate()
    youth = demo.desks.youth
    make_records(30, [youth], since=today, until=today)
    for rating in (5, 4, 3, 4):
        Feedback.objects.create(organisation=youth.organisation, desk=youth, given_on=today, rating=rating, helped=True)
    day = f"{today.day}.{today.month}.{today.year}"
    report_path = f"/console/reports/?since={day}&until={day}"

    # The supervisor's report for today, before the chat.
    supervisor = staff_page("supervisor", report_path)
    before = contacts_in_report(supervisor)
    assert before.isdigit(), before

    # A client starts a chat on a phone and writes.
    client = new_page(viewport=NARROW, is_mobile=True, has_touch=True)
    client.goto(live.url + "/")
    client.get_by_label("Nickname (optional)").fill("Nea")
    desk_button(client, "Youth chat").click()
    expect(client.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    send(client, "Tarvitsen apua koulujuttuihin")

    # The counsellor takes it in the console, answers and closes it.
    console = staff_page("counsellor", "/console/")
    console.get_by_role("button", name="Take Nea", exact=True).click()
    conversation = int(client.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))
    view = console.locator(f"#conv-{conversation}")
    box = view.get_by_label("Message to the client")
    box.fill("Hei Nea, kerro lisää.")
    box.press("Enter")
    expect(client.get_by_text("Hei Nea, kerro lisää.")).to_be_visible()
    view.get_by_role("button", name="Close…").click()
    dialog = console.get_by_role("dialog", name="Close the conversation")
    dialog.get_by_label("Answered").check()
    dialog.get_by_role("button", name="Close the conversation").click()

    # The client rates the chat.
    expect(client.get_by_role("form", name="How was the chat?")).to_be_visible()
    client.get_by_role("radio", name="5").check()
    client.get_by_role("group", name="Did you get help?").get_by_role("radio", name="Yes").check()
    client.get_by_role("button", name="Send feedback").click()
    expect(client.get_by_text("Thank you for your feedback!")).to_be_visible()

    # The counsellor follows the prompt and fills in the record.
    console.get_by_role("link", name="Fill in the contact record").click()
    expect(console.get_by_role("heading", name="Contact record", exact=True)).to_be_visible()
    console.get_by_label("Age group").select_option("16_17")
    console.get_by_role("group", name="Gender").get_by_label("Girl or woman").check()
    console.get_by_role("group", name="Referral given").get_by_label("No").check()
    console.get_by_role("button", name="Save the record").click()
    expect(console.get_by_role("status")).to_contain_text("The contact record was saved.")
    record = ContactRecord.objects.get(conversation_id=conversation)
    assert record.completed_at is not None and record.feedback_rating == 5

    # The report counts it: the total is one more, on the page and in its CSV.
    supervisor.reload()
    expected = str(int(before) + 1)
    expect(
        supervisor.locator("table", has=supervisor.get_by_text("Contacts by who answered", exact=True))
    ).to_be_visible()
    assert contacts_in_report(supervisor) == expected
    with supervisor.expect_download() as download:
        supervisor.get_by_role("link", name="CSV file").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    totals = [row for row in rows if row and row[0] == "All contacts"]
    assert totals and totals[0][5] == expected, totals[:1]

    # The rating reaches the desk's feedback page: five ratings today, so the figures show.
    feedback = staff_page("counsellor", f"/console/feedback/?since={day}&until={day}")
    youth_feedback = feedback.get_by_role("region", name="Youth chat")
    expect(youth_feedback).to_contain_text("5")
    expect(youth_feedback).not_to_contain_text("<5")
    assert Feedback.objects.filter(given_on=today).count() == 5
