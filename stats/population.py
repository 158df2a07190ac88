"""The region's population by municipality, age group and gender, from a Statistics Finland table.

Reach (stats.reach) compares the clients with the people who live in the
region. The figures come from Statistics Finland's open PxWeb table 11re
("Väestö alueittain iän (1-v.) ja sukupuolen mukaan"), downloaded by hand as
CSV; docs/population.md names the exact columns and values accepted here and
how to download such a file.

The figures are public and regional: the region has one set, which any admin
(or a superuser) imports for everybody. Importing a year replaces that year
whole, in one transaction, or changes nothing: `check_population_file` reads
and validates every line first and raises `PopulationFileError` with every
problem it found (line numbers as a spreadsheet shows them), then
`do_import_population` writes.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from common.demographics import AGE_BOUNDS, Gender, age_group_of
from stats.models import Municipality, PopulationCount

# A small file of made-up figures in the format accepted, for the tests and the demo (docs/population.md).
EXAMPLE_FILE = Path(__file__).resolve().parent / "data" / "population-example.csv"
# A whole country's table of single years is about 4 MB; a region's is far smaller.
MAX_FILE_BYTES = 10 * 1024 * 1024
# Problems listed before the reader gives up: enough to see a pattern, not a wall of text.
MAX_ERRORS = 20
# Title lines (PxWeb's "with heading" exports) and blank lines before the header row.
MAX_LINES_BEFORE_HEADER = 5

# Column names (compared case-insensitively), in Finnish, English and Swedish.
AREA_COLUMNS = frozenset({"alue", "area", "område", "kunta", "municipality", "kommun"})
AGE_COLUMNS = frozenset({"ikä", "age", "ålder"})
GENDER_COLUMNS = frozenset({"sukupuoli", "sex", "gender", "kön"})
# A value column: its name starts with the year ("2024", "2024 Väestö 31.12. (lkm)").
YEAR_COLUMN_RE = re.compile(r"^(?P<year>(19|20)\d\d)(\D.*)?$")

# Rows that add others up: skipped, the groups are added up here.
TOTALS = frozenset({"yhteensä", "total", "totalt", "sukupuolet yhteensä", "ikäluokat yhteensä"})
GENDERS = {
    "naiset": Gender.GIRL_WOMAN,
    "females": Gender.GIRL_WOMAN,
    "women": Gender.GIRL_WOMAN,
    "kvinnor": Gender.GIRL_WOMAN,
    "miehet": Gender.BOY_MAN,
    "males": Gender.BOY_MAN,
    "men": Gender.BOY_MAN,
    "män": Gender.BOY_MAN,
}
# An area: "KU091 Helsinki" or "091 Helsinki"; the whole country ("SSS KOKO MAA") is a total and skipped.
AREA_RE = re.compile(r"^(KU)?(?P<code>\d{3})\s+(?P<name>\S.*)$")
WHOLE_COUNTRY_RE = re.compile(r"^SSS(\s|$)")
# An age: "0" to "99", and the open-ended "100 -" (also "100-", "100+").
AGE_RE = re.compile(r"^(?P<age>\d{1,3})\s*(?P<open>[-+])?$")
MAX_AGE = 120
# PxWeb writes "-" for a figure that is nil (zero); ".." and "." for one that is missing.
NIL = "-"

# The groups a population is stored in (every age group but "not known"; the two genders the statistics have).
POPULATION_AGE_GROUPS = [group for group in AGE_BOUNDS]
POPULATION_GENDERS = [Gender.GIRL_WOMAN, Gender.BOY_MAN]


class PopulationFileError(Exception):
    """A population file that cannot be imported; `problems` are sentences ready to show, each with its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class PopulationTable:
    """A validated file: one year's people per (municipality code, age group, gender), and the municipalities."""

    year: int
    municipalities: dict[str, str] = field(default_factory=dict)  # code -> name
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ImportSummary:
    year: int
    municipalities: int
    people: int
    replaced: bool  # the year had figures before


def wrong_encoding() -> str:
    return _("The file's characters cannot be read. Save it as CSV in UTF-8 (or as PxWeb gives it) and try again.")


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark) or Windows-1252 / Latin-1 (PxWeb's exports).

    Raises PopulationFileError for anything else: UTF-16 (a spreadsheet's
    "Unicode text"), which has NUL bytes, or bytes Windows-1252 does not have.
    """
    if b"\x00" in data:
        raise PopulationFileError([wrong_encoding()])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise PopulationFileError([wrong_encoding()]) from None


def _delimiter(lines: list[str]) -> str:
    """The separator: a semicolon, a comma or a tab, whichever the first line with any outside quotes has most of.

    A title line before the header (PxWeb's "with heading" exports) is one quoted field and has none.
    """
    for line in lines[: MAX_LINES_BEFORE_HEADER + 1]:
        outside = re.sub(r'"[^"]*"', "", line)
        if any(separator in outside for separator in ";,\t"):
            return max(";,\t", key=outside.count)
    return ";"


def _line_problem(number: int, text: str) -> str:
    return _("Line %(line)s: %(problem)s") % {"line": number, "problem": text}


def _find_columns(header: list[str], number: int) -> tuple[int, int, int, dict[int, int]]:
    """The positions of the area, age and gender columns and of each year's value column."""
    names = [name.strip().casefold() for name in header]
    problems = []
    positions = []
    for accepted, label in (
        (AREA_COLUMNS, _("area column (Alue, Area or Område)")),
        (AGE_COLUMNS, _("age column (Ikä, Age or Ålder)")),
        (GENDER_COLUMNS, _("gender column (Sukupuoli, Sex or Kön)")),
    ):
        found = [i for i, name in enumerate(names) if name in accepted]
        if len(found) != 1:
            problems.append(
                _line_problem(number, _("the header row needs exactly one %(column)s.") % {"column": label})
            )
            positions.append(-1)
        else:
            positions.append(found[0])
    years: dict[int, int] = {}
    for i, name in enumerate(header):
        match = YEAR_COLUMN_RE.match(name.strip())
        if match and i not in positions:
            year = int(match["year"])
            if year in years:
                problems.append(_line_problem(number, _("the year %(year)s has two columns.") % {"year": year}))
            years[year] = i
    if not years:
        problems.append(
            _line_problem(
                number, _("the header row has no column of figures starting with a year, such as “2024 Väestö 31.12.”.")
            )
        )
    if problems:
        raise PopulationFileError(problems)
    return positions[0], positions[1], positions[2], years


def _rows(text: str) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The header's line number and fields, and every data line's (number, fields), read as CSV."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise PopulationFileError([_("The file is empty.")])
    delimiter = _delimiter(lines[first:])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', skipinitialspace=True)
    header: list[str] | None = None
    header_line = 0
    data: list[tuple[int, list[str]]] = []
    try:
        for fields in reader:
            number = reader.line_num
            if header is None:
                # Skip a title ("with heading" exports) and blank lines: the header is the first line naming columns.
                if len([f for f in fields if f.strip()]) >= 4:
                    header, header_line = fields, number
                elif number > MAX_LINES_BEFORE_HEADER + first:
                    break
                continue
            if not any(f.strip() for f in fields):
                break  # a blank line ends the table; PxWeb writes footnotes after it
            data.append((number, fields))
    except csv.Error as error:
        raise PopulationFileError(
            [_line_problem(reader.line_num, _("the line cannot be read as CSV (%(error)s).") % {"error": error})]
        ) from None
    if header is None:
        raise PopulationFileError(
            [_("The file has no header row with the columns Alue, Ikä, Sukupuoli and a year. See the instructions.")]
        )
    return header_line, header, data


def check_population_file(data: bytes, year: int | None = None) -> PopulationTable:
    """Read and validate a whole population file; the year `year` (default: the newest column in the file).

    Raises PopulationFileError listing the problems (at most MAX_ERRORS) when
    anything is wrong: nothing of a bad file is ever imported.
    """
    if not data.strip():
        raise PopulationFileError([_("The file is empty.")])
    if len(data) > MAX_FILE_BYTES:
        raise PopulationFileError([_("The file is too large (at most %(mb)s MB).") % {"mb": MAX_FILE_BYTES // 2**20}])
    header_line, header, rows = _rows(decode(data))
    area_at, age_at, gender_at, years = _find_columns(header, header_line)
    if year is None:
        year = max(years)
    elif year not in years:
        raise PopulationFileError(
            [
                _("The file has no figures for %(year)s; it has %(years)s.")
                % {"year": year, "years": ", ".join(str(y) for y in sorted(years))}
            ]
        )
    value_at = years[year]
    table = PopulationTable(year=year)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    seen: dict[tuple[str, int, str], int] = {}
    problems: list[str] = []

    def problem(number: int, text: str) -> None:
        problems.append(_line_problem(number, text))

    for number, fields in rows:
        if len(problems) >= MAX_ERRORS:
            break
        if len(fields) != len(header):
            problem(
                number,
                _("the line has %(found)s fields; the header row has %(expected)s.")
                % {"found": len(fields), "expected": len(header)},
            )
            continue
        area, age_text, gender_text, value = (
            fields[area_at].strip(),
            fields[age_at].strip(),
            fields[gender_at].strip(),
            fields[value_at].strip(),
        )
        if WHOLE_COUNTRY_RE.match(area):
            continue
        area_match = AREA_RE.match(area)
        if area_match is None:
            problem(
                number,
                _("the area “%(area)s” is not a municipality with its code (such as “KU091 Helsinki”).")
                % {"area": area[:60]},
            )
            continue
        if age_text.casefold() in TOTALS or gender_text.casefold() in TOTALS:
            continue
        age_match = AGE_RE.match(age_text)
        if age_match is None or int(age_match["age"]) > MAX_AGE:
            problem(
                number,
                _("the age “%(age)s” is not a year of age (such as “0”, “45” or “100 -”).") % {"age": age_text[:30]},
            )
            continue
        age = int(age_match["age"])
        gender = GENDERS.get(gender_text.casefold())
        if gender is None:
            problem(
                number,
                _("the gender “%(gender)s” is unknown; use Naiset, Miehet or Yhteensä (or Females, Males, Total).")
                % {"gender": gender_text[:30]},
            )
            continue
        if value == NIL:
            people = 0
        elif value.isascii() and value.isdigit():
            people = int(value)
        else:
            problem(number, _("“%(value)s” is not a number of people.") % {"value": value[:30]})
            continue
        code, name = area_match["code"], area_match["name"].strip()[:100]
        key = (code, age, gender)
        if key in seen:
            problem(
                number, _("the same municipality, age and gender are already on line %(line)s.") % {"line": seen[key]}
            )
            continue
        seen[key] = number
        if table.municipalities.setdefault(code, name) != name:
            problem(
                number,
                _("the municipality %(code)s is named both “%(first)s” and “%(second)s”.")
                % {"code": code, "first": table.municipalities[code], "second": name},
            )
            continue
        counts[(code, age_group_of(age), gender)] += people
    if problems:
        raise PopulationFileError(problems[:MAX_ERRORS])
    if not table.municipalities or not seen:
        raise PopulationFileError(
            [_("The file has no figures by municipality, age and gender (only totals, or no lines at all).")]
        )
    # Every group of every municipality, zeros included: a group with no one is a figure too.
    for code in table.municipalities:
        for group in POPULATION_AGE_GROUPS:
            for gender in POPULATION_GENDERS:
                table.counts[(code, group, gender)] = counts.get((code, group, gender), 0)
    return table


@transaction.atomic
def do_import_population(table: PopulationTable) -> ImportSummary:
    """Replace the figures of `table.year` with `table`'s, all or nothing; add or rename its municipalities.

    Municipalities are never deleted: contact records name them by code.
    """
    for code, name in table.municipalities.items():
        Municipality.objects.update_or_create(code=code, defaults={"name": name})
    replaced = PopulationCount.objects.filter(year=table.year).delete()[0] > 0
    PopulationCount.objects.bulk_create(
        PopulationCount(year=table.year, municipality_id=code, age_group=group, gender=gender, count=count)
        for (code, group, gender), count in sorted(table.counts.items())
    )
    return ImportSummary(
        year=table.year, municipalities=len(table.municipalities), people=table.people, replaced=replaced
    )


def population_years() -> list[int]:
    """The years whose figures have been imported, newest first."""
    return list(PopulationCount.objects.order_by("-year").values_list("year", flat=True).distinct())


def population_year_for(year: int) -> int | None:
    """The figures to compare a period ending in `year` with: that year's, else the newest before, else the oldest."""
    years = population_years()
    return next((y for y in years if y <= year), years[-1] if years else None)
