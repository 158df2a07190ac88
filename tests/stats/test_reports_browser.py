"""The reports page in a real browser at 360 px: axe finds nothing, nothing scrolls sideways, it works by keyboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from stats.sample_records import make_records
from tests.browser import check_staff_page

expect.set_options(timeout=15_000)


@pytest.fixture
def report_page(staff_browser: Callable[..., Page], demo: Any) -> Callable[[str, str], Page]:
    """`open(lang, path)`: the demo admin's page (tests.browser.staff_browser), with 400 records of 2026 to count."""
    make_records(
        400,
        [demo.desks.youth, demo.desks.homework, demo.desks.study],
        since=dt.date(2026, 1, 1),
        until=dt.date(2026, 12, 31),
    )
    return lambda lang, path: staff_browser("admin", path, lang)


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_the_report_page_at_360_px(report_page: Any, lang: str) -> None:
    page = report_page(lang, "/console/reports/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)  # the browser's language chose the page's
    check_staff_page(page, f"reports ({lang})")
    # By keyboard: the period, then the button.
    page.locator("#id_since").focus()
    page.keyboard.type("1.1.2026")
    page.keyboard.press("Tab")
    page.keyboard.type("31.12.2026")
    page.locator("main button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("table caption").first).to_be_visible()
    assert page.locator("svg.chart[role=img]").count() == page.locator("svg.chart title").count() >= 10
    check_staff_page(page, f"reports with figures ({lang})")
    if lang == "en":
        expect(page.locator("#caption-answered")).to_have_text("Contacts by who answered")
        # A mistyped date is shown beside its field, and nothing is counted.
        page.locator("#id_since").fill("32.1.2026")
        page.locator("main button[type=submit]").click()
        expect(page.locator("#form-errors")).to_be_visible()
        expect(page.locator("svg.chart")).to_have_count(0)
        check_staff_page(page, "reports with an error")
