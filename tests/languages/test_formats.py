"""Finland's date and time conventions in every language version: a 24-hour clock, the day before
the month (kohtaamo/formats on the server, static/kohtaamo/text.js on the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone, translation

from desks.hours import describe_hours, describe_next_opening, set_hours
from tests.support.factories import DeskFactory

HELSINKI = ZoneInfo("Europe/Helsinki")
EVENING = dt.datetime(2026, 12, 7, 21, 5, tzinfo=HELSINKI)  # a Monday, five past nine in the evening
MORNING = dt.time(9, 30)

EXPECTED = {
    # lang: (time, short date, short date and time, an opening-hours line, the opening's time)
    "fi": ("21.05", "7.12.2026", "7.12.2026 21.05", "maanantai 9.30–16", "9.30"),
    "sv": ("21.05", "7.12.2026", "7.12.2026 21.05", "måndag 09.30–16", "09.30"),
    "en": ("21:05", "7.12.2026", "7.12.2026 21:05", "Monday 09:30–16", "09:30"),
}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_server_writes_times_and_dates_the_finnish_way_in_every_language(db: Any, lang: str) -> None:
    desk = DeskFactory.create()
    set_hours(desk, [(0, MORNING, dt.time(16))])
    time, short_date, short_datetime, hours, opens = EXPECTED[lang]
    with translation.override(lang):
        local = timezone.localtime(EVENING)
        assert formats.time_format(local) == time
        assert formats.date_format(local, "SHORT_DATE_FORMAT") == short_date
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") == short_datetime
        # The long date too puts the day first: "7. joulukuuta 2026", "7 december 2026", "7 December 2026".
        assert formats.date_format(local).startswith("7")
        assert describe_hours(desk) == [hours]
        sunday_noon = dt.datetime(2026, 12, 6, 12, tzinfo=HELSINKI)
        assert describe_next_opening(desk, sunday_noon).endswith(f" {opens}.")
