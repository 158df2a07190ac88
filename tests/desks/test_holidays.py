"""Finland's public holidays (desks.holidays), checked against the published dates."""

from __future__ import annotations

import datetime as dt

import pytest

from desks.holidays import easter_sunday, finnish_public_holidays


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, dt.date(2024, 3, 31)),
        (2025, dt.date(2025, 4, 20)),
        (2026, dt.date(2026, 4, 5)),
        (2027, dt.date(2027, 3, 28)),
    ],
)
def test_easter(year: int, easter: dt.date) -> None:
    assert easter_sunday(year) == easter


def test_the_holidays_of_2026() -> None:
    holidays = {h.names["en"]: h.day for h in finnish_public_holidays(2026)}
    assert holidays == {
        "New Year's Day": dt.date(2026, 1, 1),
        "Epiphany": dt.date(2026, 1, 6),
        "Good Friday": dt.date(2026, 4, 3),
        "Easter Sunday": dt.date(2026, 4, 5),
        "Easter Monday": dt.date(2026, 4, 6),
        "May Day": dt.date(2026, 5, 1),
        "Ascension Day": dt.date(2026, 5, 14),
        "Whitsunday": dt.date(2026, 5, 24),
        "Midsummer Eve": dt.date(2026, 6, 19),
        "Midsummer Day": dt.date(2026, 6, 20),
        "All Saints' Day": dt.date(2026, 10, 31),
        "Independence Day": dt.date(2026, 12, 6),
        "Christmas Eve": dt.date(2026, 12, 24),
        "Christmas Day": dt.date(2026, 12, 25),
        "Boxing Day": dt.date(2026, 12, 26),
    }
    days = [h.day for h in finnish_public_holidays(2026)]
    assert days == sorted(days)


def test_every_holiday_is_named_in_every_language() -> None:
    for holiday in finnish_public_holidays(2027):
        assert set(holiday.names) == {"fi", "sv", "en"} and all(holiday.names.values())
    assert {h.names["fi"]: h.day for h in finnish_public_holidays(2027)}["Juhannusaatto"] == dt.date(2027, 6, 25)
