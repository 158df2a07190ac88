"""The demo's pages full of made-up figures (demo/records.py), in Chromium at 360 px: axe finds nothing.

`make run` opens on about 13 months of records and feedback: the reach page
with its four municipalities and chart, the feedback page with comments and the
reports page must read well at 360 px and by keyboard with that much on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Organisation
from demo.records import seed_records
from tests.browser import check_staff_page

expect.set_options(timeout=15_000)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_demo_statistics_pages(staff_browser: Callable[..., Page], demo: Any, lang: str) -> None:
    orgs = {o.slug: o for o in Organisation.objects.all()}
    assert seed_records(orgs, demo["desks"]) > 0

    page = staff_browser("supervisor", "/stats/reach/", lang)
    expect(page.locator("svg.reach-chart").first).to_be_visible()
    expect(page.get_by_role("rowheader", name="Vantaa").first).to_be_visible()
    check_staff_page(page, f"demo reach ({lang})")

    page.goto(page.url.split("/stats/")[0] + "/console/feedback/")
    expect(page.locator(".feedback-comments").first).to_be_visible()
    check_staff_page(page, f"demo feedback ({lang})")

    page.goto(page.url.split("/console/")[0] + "/console/reports/")
    page.locator("main button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("svg.chart").first).to_be_visible()
    check_staff_page(page, f"demo report ({lang})")
