"""The pages' times and dates the Finnish way in every language (static/kohtaamo/text.js: timeFormatter)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.languages.test_formats import EVENING, EXPECTED


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_pages_write_times_and_dates_the_finnish_way_in_every_language(new_page: Any, live: Any, lang: str) -> None:
    """The shared helper of the client page and the console (static/kohtaamo/text.js: timeFormatter),
    in a browser whose own locale writes 12-hour times with the month first (en-US)."""
    page = new_page(locale="en-US", timezone_id="Europe/Helsinki")
    page.goto(f"{live.url}/?lang={lang}")
    time, short_date, short_datetime, _hours, _opens = EXPECTED[lang]
    written = page.evaluate(
        """async ([lang, iso]) => {
            const { timeFormatter } = await import("/static/kohtaamo/text.js");
            return [timeFormatter(lang)(iso), timeFormatter(lang, { dateStyle: "short", timeStyle: "short" })(iso)];
        }""",
        [lang, EVENING.isoformat()],
    )
    assert written == [time, short_datetime]
    assert short_datetime.startswith(short_date)
