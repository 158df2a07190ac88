"""The audit log page in a real browser: a supervisor reads and filters it by keyboard, 360 px wide,
in Finnish, Swedish and English, with no accessibility violation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.actions import record
from audit.models import Action, AuditEvent, ObjectKind
from demo.data import DEMO_PASSWORD
from tests.browser import check_staff_page
from tests.wsclient import staff_cookie

expect.set_options(timeout=10_000)

HEADINGS = {"en": "Audit log", "fi": "Käyttöloki", "sv": "Granskningslogg"}


@pytest.fixture
def supervisor_page(staff_browser: Callable[..., Page]) -> Callable[[str], Page]:
    """The supervisor's page (with the second factor) at /console/audit/, 360 px wide."""
    return lambda lang: staff_browser("supervisor", "/console/audit/", lang)


check = check_staff_page


def moved_to(event: AuditEvent, when: dt.datetime) -> None:
    with connection.cursor() as cursor:  # below the model's guard, as only a test may
        cursor.execute("UPDATE audit_auditevent SET at = %s WHERE id = %s", [when, event.pk])


def test_a_supervisor_reads_and_filters_the_log_by_keyboard_on_a_narrow_screen(
    supervisor_page: Callable[[str], Page], demo: Any
) -> None:
    youth = demo.desks.youth
    old = record(
        demo.staff.admin,
        Action.STAFF_ROLE,
        kind=ObjectKind.STAFF,
        object_id=demo.staff.counsellor2.pk,
        detail="counsellor2: role: counsellor → supervisor, a long line that must wrap on a narrow screen",
    )
    moved_to(old, timezone.now() - dt.timedelta(days=40))
    record(demo.staff.counsellor, Action.HISTORY_OPEN, kind=ObjectKind.CONVERSATION, object_id=1, desk=youth)
    record(demo.staff.studycounsellor, Action.HISTORY_SEARCH, detail="the other organisation's")

    for lang in ("fi", "sv"):
        page = supervisor_page(lang)
        expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[lang])
        check(page, f"audit log, {lang}")

    page = supervisor_page("en")
    expect(page.get_by_role("link", name="Audit log")).to_have_attribute("aria-current", "page")
    events = page.locator(".audit-event")
    # This reading, the opening and the role change (three readings in all by now: fi, sv, en).
    expect(page.get_by_role("heading", level=2)).to_have_text("5 events")
    expect(events.first).to_contain_text("Read the audit log")
    expect(page.get_by_text("the other organisation's")).to_have_count(0)
    expect(events.first.locator("time")).to_have_text(re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4} \d\d:\d\d$"))
    check(page, "audit log, en")

    # Filter by keyboard: skip to the content, the start date, then Enter.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("From")).to_be_focused()
    since = (timezone.localdate() - dt.timedelta(days=50)).strftime("%-d.%-m.%Y")
    until = (timezone.localdate() - dt.timedelta(days=30)).strftime("%-d.%-m.%Y")
    page.keyboard.type(since)
    page.keyboard.press("Tab")
    expect(page.get_by_label("To")).to_be_focused()
    page.keyboard.type(until)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"since="))
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("Changed a staff member's role")
    expect(events.first).to_contain_text("counsellor2: role: counsellor → supervisor")
    check(page, "audit log, filtered")

    # A wrong date is said next to its field, and read out.
    page.get_by_label("From").fill("31.2.2026")
    page.get_by_label("From").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the marked fields.")
    expect(page.get_by_text("Write the date as day.month.year, for example 24.12.2026.")).to_be_visible()
    expect(events).to_have_count(0)
    check(page, "audit log, wrong date")


def test_a_role_changed_in_the_admin_over_the_asgi_server_names_the_admin(browser: Any, live: Any, demo: Any) -> None:
    """Who acted is known in the real server too (audit.middleware under ASGI), not only in the test client."""
    http = HttpClient()
    staff_cookie(http, "admin", DEMO_PASSWORD, otp=True)
    context = browser.new_context(locale="en-US")
    try:
        context.add_cookies([{"name": k, "value": v.value, "url": live.url} for k, v in http.cookies.items()])
        page = context.new_page()
        aino = demo.staff.counsellor2
        page.goto(f"{live.url}/admin/accounts/staff/{aino.pk}/change/")
        page.get_by_label("Role").select_option("supervisor")
        page.locator('input[name="_save"]').click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    finally:
        context.close()
    [role] = AuditEvent.objects.filter(action=Action.STAFF_ROLE)
    assert (role.staff_id, role.object_id, role.detail) == (
        demo.staff.admin.pk,
        aino.pk,
        "counsellor2: role: counsellor → supervisor",
    )
    assert AuditEvent.objects.filter(action=Action.ADMIN_CHANGE, object_id=aino.pk).count() == 1
