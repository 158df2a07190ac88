"""Reach and the population upload in a real browser, 360 px wide, by keyboard, with axe-core.

An admin reads the reach of their organisation's contacts (tables, the chart
and its text alternative), then imports population figures: a bad file's
problems are shown, a good file replaces the year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.models import Action, AuditEvent
from stats.models import ContactRecord
from stats.population import EXAMPLE_FILE
from tests.browser import check_staff_page

expect.set_options(timeout=10_000)


def records(demo: Any, year: int) -> None:
    start = dt.datetime(year, 3, 1, 12, tzinfo=timezone.get_current_timezone())
    youth = demo.desks.youth
    rows = [("13_15", "girl_woman", "091")] * 30 + [("16_17", "boy_man", "049")] * 12 + [("18_24", "other", "")] * 3
    ContactRecord.objects.bulk_create(
        ContactRecord(
            organisation=youth.organisation, desk=youth, started_at=start, age_group=a, gender=g, municipality=m
        )
        for a, g, m in rows
    )


def test_an_admin_reads_reach_and_imports_population(
    staff_browser: Callable[..., Page], demo: Any, tmp_path: Path
) -> None:
    year = timezone.localdate().year - 1
    records(demo, year)
    page = staff_browser("admin", "/stats/reach/")
    expect(page.get_by_role("heading", name="Reach", level=1)).to_be_visible()
    # By keyboard: choose last year and show it.
    page.get_by_label("Year", exact=True).focus()
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Contacts in {year}")).to_be_visible()
    expect(page.get_by_text("45 contacts, compared with the population at the end of 2024.")).to_be_visible()
    chart = page.get_by_role("img", name="Age group: clients and population")
    expect(chart).to_be_visible()
    ages = page.get_by_role("region", name="Age group", exact=True)

    def row(label: str) -> Any:
        return ages.locator("tr", has=page.get_by_role("rowheader", name=label, exact=True))

    expect(row("18–24")).to_contain_text("<5")
    expect(row("65 or over under-reached")).to_be_visible()
    check_staff_page(page, "reach, en, 360 px")

    # The CSV download is audited.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == f"kohtaamo-reach-{year}.csv"
    assert AuditEvent.objects.filter(action=Action.REPORT_EXPORT).count() == 1

    page.get_by_role("link", name="Population figures").click()
    expect(page.get_by_role("heading", name="Population figures", level=1)).to_be_visible()
    check_staff_page(page, "population, en, 360 px")
    bad = tmp_path / "bad.csv"
    bad.write_text('"Alue";"Ikä";"Sukupuoli";"2024"\n"KU001 Jokilaakso";"15";"Muut";3\n', encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").focus()
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was imported.")
    expect(alert).to_contain_text("Line 2: the gender “Muut” is unknown")
    check_staff_page(page, "population with errors, en, 360 px")
    page.get_by_label("CSV file").set_input_files(str(EXAMPLE_FILE))
    page.get_by_label("Year", exact=True).fill("2023")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("Imported 2023: 78340 people in 3 municipalities.")
    expect(page.get_by_role("row", name="2023")).to_be_visible()
    check_staff_page(page, "population imported, en, 360 px")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_reach_page_in_finnish_and_swedish(staff_browser: Callable[..., Page], demo: Any, lang: str) -> None:
    year = timezone.localdate().year
    records(demo, year)
    page = staff_browser("supervisor", "/stats/reach/", lang)
    heading = {"fi": "Tavoittavuus", "sv": "Räckvidd"}[lang]
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.locator("svg.reach-chart").first).to_be_visible()
    check_staff_page(page, f"reach, {lang}, 360 px")
