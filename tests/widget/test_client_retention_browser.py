"""The client page promises each desk's own retention days (conversations.retention), 360 px wide, with axe."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import Organisation

expect.set_options(timeout=10_000)


@pytest.mark.parametrize("locale", ["fi-FI", "sv-SE", "en-US"])
def test_each_desk_says_how_long_its_messages_are_kept(new_page: Any, live: Any, axe_check: Any, locale: str) -> None:
    Organisation.objects.filter(slug="jokilaakso").update(retention_days=30)
    Organisation.objects.filter(slug="rantala-college").update(retention_days=180)
    page = new_page(locale=locale, viewport={"width": 360, "height": 740})
    page.goto(live.url + "/")
    days = {"fi-FI": ("30 päivän", "180 päivän"), "sv-SE": ("30 dagar", "180 dagar"), "en-US": ("30 days", "180 days")}
    youth, study = page.locator("li.k-desk").first, page.locator("li.k-desk").last
    expect(youth).to_contain_text(days[locale][0])
    expect(study).to_contain_text(days[locale][1])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, label=f"/ {locale} with two retention periods")
