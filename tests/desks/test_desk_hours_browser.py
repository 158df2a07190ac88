"""The desks' opening hours in real browsers: a supervisor closes a desk for a public holiday in the
console (by keyboard, 360 px wide, axe on every state), and a client's start page, open all along,
shows the desk closed with the reason and the next opening without a reload."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from desks.models import OpeningException
from tests.browser import check_staff_page, run_axe

expect.set_options(timeout=10_000)


def test_a_supervisor_closes_a_desk_for_a_holiday_and_the_client_sees_it_live(
    staff_browser: Callable[..., Page], new_page: Any, live: Any, demo: Any
) -> None:
    client = new_page(viewport={"width": 360, "height": 740})
    client.goto(live.url + "/")
    card = client.locator("li.k-desk", has_text="Homework help")
    start = card.get_by_role("button", name="Start chat")
    expect(start).to_be_enabled()  # the demo's desks are open round the clock in the tests

    page = staff_browser("supervisor", "/console/")
    page.get_by_role("link", name="Desks and hours").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Desks and opening hours")).to_be_visible()
    check_staff_page(page, "the desks' list")
    page.get_by_role("link", name="Edit opening hours – Homework help").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Opening hours: Homework help")).to_be_visible()
    check_staff_page(page, "a desk's hours")

    # A day in the past is refused, with the error above the form and at the field.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("First day").fill(yesterday.isoformat())
    page.get_by_label("Reason shown to clients, in English").focus()
    page.keyboard.type("Independence Day")
    page.keyboard.press("Enter")
    expect(page.locator("#form-errors")).to_contain_text("Please correct the marked fields.")
    expect(page.locator(".field-error")).to_contain_text("The first day cannot be in the past.")
    check_staff_page(page, "a desk's hours with an error")
    assert not OpeningException.objects.exists()

    page.get_by_label("First day").fill(timezone.localdate().isoformat())
    page.get_by_label("Reason shown to clients, in Finnish").fill("Itsenäisyyspäivä")
    page.get_by_label("Reason shown to clients, in English").fill("Independence Day")
    page.get_by_label("Reason shown to clients, in English").press("Enter")
    expect(page.get_by_text("The exception was added.")).to_be_visible()
    expect(page.locator(".exception-list")).to_contain_text(f"Closed {timezone.localdate():%-d.%-m.}: Independence Day")
    expect(page.locator(".desk-state")).to_contain_text("Closed now.")
    check_staff_page(page, "a desk's hours with a closure")

    # The client's page, never reloaded, follows: closed, why, and when it opens again.
    expect(card.locator(".k-desk-status")).to_have_text(
        "Closed now. Opens tomorrow at 00:00. Closed today: Independence Day."
    )
    expect(start).to_be_hidden()
    expect(card).to_contain_text(f"Closed {timezone.localdate():%-d.%-m.}: Independence Day")
    assert run_axe(client, label="the start page with a closed desk") == []

    # Removed again: the desk opens on the client's page as well.
    page.get_by_role("button", name="Remove – Closed").click()
    expect(page.get_by_text("The exception was removed.")).to_be_visible()
    expect(card.locator(".k-desk-status")).to_have_text("Open now.")
    expect(start).to_be_visible()


@pytest.mark.parametrize(
    ("lang", "heading", "button"),
    [("fi", "Aukioloajat: Läksyapu", "Lisää poikkeus"), ("sv", "Öppettider: Läxhjälpen", "Lägg till undantaget")],
)
def test_the_hours_page_in_finnish_and_swedish(
    staff_browser: Callable[..., Page], demo: Any, lang: str, heading: str, button: str
) -> None:
    page = staff_browser("admin", f"/console/desks/{demo.desks.homework.pk}/hours/", lang)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.get_by_role("button", name=button).click()  # nothing filled in: the errors in the page's language
    expect(page.locator("#form-errors")).to_be_visible()
    check_staff_page(page, f"a desk's hours with errors ({lang})")
