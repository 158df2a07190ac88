"""Finland's public holidays of a year, with their names in Finnish, Swedish and English.

Why computed and not a table: a supervisor adds "this year's public holidays"
as closures in one click (desks.opening.do_add_public_holidays), every year,
and the Easter-based holidays move. The list is the days on which Finnish
services are closed: the public holidays (Act 1997/1997 and the church's
holidays of the Church Act), plus Midsummer Eve and Christmas Eve, which are
days off by custom and by collective agreements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Holiday:
    day: dt.date
    # The name in each language of desks.models.DESK_LANGUAGES.
    names: dict[str, str]


def easter_sunday(year: int) -> dt.date:
    """Western Easter Sunday of `year` (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _weekday_between(first: dt.date, weekday: int) -> dt.date:
    """The day of `weekday` (0 = Monday) in the seven days from `first`."""
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7)


def finnish_public_holidays(year: int) -> list[Holiday]:
    """The days Finnish services are closed in `year`, in date order."""
    easter = easter_sunday(year)
    days = [
        (dt.date(year, 1, 1), "Uudenvuodenpäivä", "Nyårsdagen", "New Year's Day"),
        (dt.date(year, 1, 6), "Loppiainen", "Trettondagen", "Epiphany"),
        (easter - dt.timedelta(days=2), "Pitkäperjantai", "Långfredagen", "Good Friday"),
        (easter, "Pääsiäispäivä", "Påskdagen", "Easter Sunday"),
        (easter + dt.timedelta(days=1), "2. pääsiäispäivä", "Annandag påsk", "Easter Monday"),
        (dt.date(year, 5, 1), "Vappu", "Första maj", "May Day"),
        (easter + dt.timedelta(days=39), "Helatorstai", "Kristi himmelsfärdsdag", "Ascension Day"),
        (easter + dt.timedelta(days=49), "Helluntaipäivä", "Pingstdagen", "Whitsunday"),
        # Midsummer Eve is the Friday of 19-25 June, Midsummer Day the Saturday after it.
        (_weekday_between(dt.date(year, 6, 19), 4), "Juhannusaatto", "Midsommarafton", "Midsummer Eve"),
        (_weekday_between(dt.date(year, 6, 20), 5), "Juhannuspäivä", "Midsommardagen", "Midsummer Day"),
        # All Saints' Day: the Saturday of 31 October - 6 November.
        (_weekday_between(dt.date(year, 10, 31), 5), "Pyhäinpäivä", "Alla helgons dag", "All Saints' Day"),
        (dt.date(year, 12, 6), "Itsenäisyyspäivä", "Självständighetsdagen", "Independence Day"),
        (dt.date(year, 12, 24), "Jouluaatto", "Julafton", "Christmas Eve"),
        (dt.date(year, 12, 25), "Joulupäivä", "Juldagen", "Christmas Day"),
        (dt.date(year, 12, 26), "Tapaninpäivä", "Annandag jul", "Boxing Day"),
    ]
    return sorted(
        (Holiday(day, {"fi": fi, "sv": sv, "en": en}) for day, fi, sv, en in days), key=lambda holiday: holiday.day
    )
