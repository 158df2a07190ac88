"""The reports page in a real browser at 360 px: axe finds nothing, nothing scrolls sideways, it works by keyboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client as HttpClient
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from stats.sample_records import make_records
from tests.browser import run_axe
from tests.wsclient import staff_cookie

expect.set_options(timeout=15_000)

NARROW = {"width": 360, "height": 740}
LOCALES = {"en": "en-US", "fi": "fi-FI", "sv": "sv-SE"}


@pytest.fixture
def report_page(browser: Any, live: Any, demo: Any) -> Iterator[Any]:
    make_records(
        400,
        [demo.desks.youth, demo.desks.homework, demo.desks.study],
        since=dt.date(2026, 1, 1),
        until=dt.date(2026, 12, 31),
    )
    contexts: list[Any] = []

    def open_page(lang: str, path: str) -> Page:
        http = HttpClient()
        staff_cookie(http, "admin", DEMO_PASSWORD, otp=True)
        context = browser.new_context(locale=LOCALES[lang], viewport=NARROW)
        contexts.append(context)
        context.add_cookies([{"name": k, "value": v.value, "url": live.url} for k, v in http.cookies.items()])
        context.add_cookies([{"name": "django_language", "value": lang, "url": live.url}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "CSP" in msg.text else None)
        page.errors = errors
        page.goto(live.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()


def check(page: Page, label: str) -> None:
    assert run_axe(page, label=label) == [], label
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{label}: {width}px wide at 360px"
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_the_report_page_at_360_px(report_page: Any, lang: str) -> None:
    page = report_page(lang, "/console/reports/")
    expect(page.locator("h1")).to_be_visible()
    check(page, f"reports ({lang})")
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
    check(page, f"reports with figures ({lang})")
    if lang == "en":
        expect(page.locator("#caption-answered")).to_have_text("Contacts by who answered")
        # A mistyped date is shown beside its field, and nothing is counted.
        page.locator("#id_since").fill("32.1.2026")
        page.locator("main button[type=submit]").click()
        expect(page.locator("#form-errors")).to_be_visible()
        expect(page.locator("svg.chart")).to_have_count(0)
        check(page, "reports with an error")
