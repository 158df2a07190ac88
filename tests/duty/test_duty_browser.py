"""Presence and shifts in a real browser: the console's status switch by keyboard, what the client page
says when nobody is available (live), and a supervisor's week plan with its gaps, all checked with axe-core.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from desks.hours import set_hours
from duty.models import Shift
from tests.browser import NARROW, check_staff_page

expect.set_options(timeout=10_000)

NOBODY = "Nobody can answer right now."
SOON = "Someone should answer you in a minute or two."
PERSON = re.compile("Chat with a person|Start chat")


def test_the_status_switch_by_keyboard_tells_colleagues_and_clients(
    staff_browser: Callable[..., Page], browser: Any, live: Any, demo: Any
) -> None:
    console = staff_browser("counsellor")
    youth = console.locator("section.desk", has=console.get_by_role("heading", name="Youth chat"))
    expect(youth.get_by_text("On duty: Kalle (available).")).to_be_visible()
    expect(console.get_by_text("Your status: available.")).to_be_visible()

    client_context = browser.new_context(locale="en-US", viewport=NARROW)
    client = client_context.new_page()
    client.goto(live.url + "/?lang=en")
    youth_desk = client.locator("li.k-desk", has_text="Youth chat")
    expect(youth_desk.get_by_role("button", name=PERSON)).to_be_enabled()
    expect(youth_desk.get_by_text(NOBODY)).to_be_hidden()
    # Kalle's places are free: a client who starts now is answered soon (conversations.actions.queue.arrival_wait).
    expect(youth_desk.get_by_text(SOON)).to_be_visible()

    # Keyboard only: the radio group moves with the arrow keys, then Tab to the limit and to Save.
    console.get_by_role("radio", name="Available").focus()
    console.keyboard.press("ArrowDown")
    expect(console.get_by_role("radio", name="Busy: no new conversations")).to_be_checked()
    console.keyboard.press("Tab")
    expect(console.get_by_label("Most conversations at once")).to_be_focused()
    console.keyboard.press("Control+A")
    console.keyboard.type("2")
    console.keyboard.press("Tab")
    console.keyboard.press("Enter")
    expect(console.get_by_role("status").filter(has_text="Your status was saved.")).to_be_visible()
    expect(console.get_by_text("Your status: busy.")).to_be_visible()
    expect(
        youth.get_by_text("On duty: Kalle (busy). Clients are told that nobody can answer right now.")
    ).to_be_visible()
    check_staff_page(console, "console, busy")

    # The client page, already open, says so live; starting is still possible.
    expect(youth_desk.get_by_text(NOBODY)).to_be_visible()
    expect(youth_desk.get_by_text(SOON)).to_be_hidden()
    expect(youth_desk.get_by_role("button", name=PERSON)).to_be_enabled()

    console.get_by_role("radio", name="Available").check()
    console.get_by_role("button", name="Save status").click()
    expect(youth.get_by_text("On duty: Kalle (available).")).to_be_visible()
    expect(youth_desk.get_by_text(NOBODY)).to_be_hidden()
    expect(youth_desk.get_by_text(SOON)).to_be_visible()
    client_context.close()


def test_a_supervisor_plans_a_week_and_sees_the_gaps(staff_browser: Callable[..., Page], demo: Any) -> None:
    youth = demo.desks.youth
    set_hours(youth, [(day, dt.time(14), dt.time(16)) for day in range(7)])
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)  # next week: all of it ahead
    page = staff_browser("supervisor", f"/console/shifts/plan/?desk={youth.pk}&week={monday.isoformat()}")
    expect(page.get_by_role("heading", name="Plan shifts: Youth chat")).to_be_visible()
    expect(page.get_by_text("14 hours inside the opening hours have nobody planned.")).to_be_visible()
    expect(page.get_by_role("cell", name="Gap")).to_have_count(14)
    check_staff_page(page, "shift planner")

    page.get_by_label("Staff member").select_option(label="Aino")
    page.get_by_label("Starts").fill(f"{monday.isoformat()}T14:00")
    page.get_by_label("Ends").fill(f"{monday.isoformat()}T15:00")
    page.get_by_label("Ends").press("Enter")
    expect(page.get_by_text("The shift was added.")).to_be_visible()
    expect(page.get_by_text("13 hours inside the opening hours have nobody planned.")).to_be_visible()
    expect(page.get_by_role("cell", name="Gap")).to_have_count(13)
    assert Shift.objects.get().staff == demo.staff.counsellor2

    # A shift that ends before it starts: the error at the top and beside the field, focus-ready.
    page.get_by_label("Starts").fill(f"{monday.isoformat()}T16:00")
    page.get_by_label("Ends").fill(f"{monday.isoformat()}T15:00")
    page.get_by_role("button", name="Add the shift").click()
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.get_by_text("The shift must end after it starts.")).to_be_visible()
    check_staff_page(page, "shift planner with an error")

    page.get_by_role("button", name=f"Remove Aino's shift on {monday.day}.{monday.month}. 14.00").click()
    expect(page.get_by_text("The shift was removed.")).to_be_visible()
    expect(page.get_by_text("14 hours inside the opening hours have nobody planned.")).to_be_visible()


def test_my_shifts_page_is_accessible(staff_browser: Callable[..., Page], demo: Any) -> None:
    page = staff_browser("counsellor", "/console/shifts/")
    expect(page.get_by_role("heading", name="My shifts", exact=True)).to_be_visible()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.get_by_label("Desk").select_option(label="Youth chat")
    page.get_by_label("Starts").fill(f"{tomorrow.isoformat()}T14:00")
    page.get_by_label("Ends").fill(f"{tomorrow.isoformat()}T18:00")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("You signed up for the shift.")).to_be_visible()
    expect(
        page.get_by_role("button", name=f"Leave the shift at Youth chat on {tomorrow.day}.{tomorrow.month}. 14.00")
    ).to_be_visible()
    check_staff_page(page, "my shifts")
